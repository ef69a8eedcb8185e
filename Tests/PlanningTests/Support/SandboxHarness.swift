import Blueprint
import Foundation
import Hosting
import Planning

/// A sandbox served over HTTP on a free port, and the real `RenderProvider` talking to it.
final class SandboxHarness: Sendable {
    let sandbox: Sandbox
    let server: SandboxServer
    let provider: RenderProvider
    let owner: String
    let directory: String
    let recordPath: String?

    static let secrets = ["DATABASE_URL": "postgres://app:s3cret-db@db.example/app", "REDIS_URL": "redis://:s3cret-kv@kv.example:6379",
                          "OPENAI_API_KEY": "sk-test-s3cret"]

    private init(sandbox: Sandbox, server: SandboxServer, provider: RenderProvider, owner: String, directory: String, recordPath: String?) {
        self.sandbox = sandbox
        self.server = server
        self.provider = provider
        self.owner = owner
        self.directory = directory
        self.recordPath = recordPath
    }

    static func start(faultRate: Double = 0, record: Bool = false, sandbox existing: Sandbox? = nil) async throws -> SandboxHarness {
        let directory = NSTemporaryDirectory() + "ballast-plan-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let sandbox = existing ?? Sandbox(inMemory: SandboxOptions())
        let recordPath = record ? directory + "/record.jsonl" : nil
        let server = try SandboxServer(sandbox: sandbox, host: "127.0.0.1", port: 0,
                                       options: SandboxServerOptions(rateLimits: false, faultRate: faultRate, seed: 42, recordPath: recordPath))
        let port = try await server.start()
        var configuration = try RenderClientConfiguration(baseURL: "http://127.0.0.1:\(port)/v1", apiKey: "rnd_test")
        configuration.rateLimits = nil
        configuration.timeout = 10
        configuration.retry = RetryPolicy(maxAttempts: 6, baseDelay: 0.01, maxDelay: 0.1)
        let provider = RenderProvider(configuration: configuration)
        return SandboxHarness(sandbox: sandbox, server: server, provider: provider, owner: try sandbox.defaultOwnerId(),
                              directory: directory, recordPath: recordPath)
    }

    func stop() async {
        await server.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func store(_ name: String = "state") -> LocalStateStore {
        LocalStateStore(path: directory + "/\(name).json")
    }

    /// Reads the actual state through `provider` and plans.
    func plan(_ desired: ResolvedEnvironment, store: LocalStateStore, options: PlanOptions = PlanOptions(allowCostIncrease: true),
              provider: (any HostingProvider)? = nil) async throws -> Plan {
        let state = try store.load()
        let reader = ActualStateReader(provider: provider ?? self.provider)
        let actual = try await reader.read(desired: desired, state: state, ownerId: owner, secrets: Self.secrets, mode: options.mode)
        return Planner.plan(PlanInput(desired: desired, actual: actual, state: state, catalog: .builtin(), guardrails: [],
                                      secrets: Self.secrets, options: options, now: Date()))
    }

    /// Locks, plans and applies, as `ballast apply --auto-approve` does.
    func apply(_ desired: ResolvedEnvironment, store: LocalStateStore, options: PlanOptions = PlanOptions(allowCostIncrease: true),
               lockTimeout: TimeInterval = 30, provider: (any HostingProvider)? = nil) async throws -> (Plan, ApplyReport) {
        let lock = try await store.lock(operation: "apply", timeout: lockTimeout)
        defer { lock.release() }
        let plan = try await self.plan(desired, store: store, options: options, provider: provider)
        let state = try store.load() ?? BallastState(lineage: UUID().uuidString, project: desired.project, environment: desired.environment)
        let executor = PlanExecutor(provider: provider ?? self.provider, ownerId: owner, parallelism: 10, secret: { Self.secrets[$0] })
        let report = await executor.apply(plan, state: state, save: { try store.save($0) })
        return (plan, report)
    }

    /// The requests the server recorded: (method, path).
    func recorded() throws -> [(method: String, path: String, query: String)] {
        guard let recordPath, let text = try? String(contentsOfFile: recordPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return (object["method"] as? String ?? "", object["path"] as? String ?? "", object["query"] as? String ?? "")
        }
    }
}

/// The example blueprint, resolved with the repository's policies.
enum Example {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func production(owner: String) throws -> ResolvedEnvironment {
        var policies = PolicyLibrary()
        let folder = root.appendingPathComponent("policies")
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where name.hasSuffix(".yaml") {
            policies.add(Array(try Data(contentsOf: folder.appendingPathComponent(name))), file: "policies/" + name)
        }
        let bytes = Array(try Data(contentsOf: root.appendingPathComponent("blueprints/qc-platform.yaml")))
        let (blueprint, parseDiagnostics) = Blueprint.parse(bytes, file: "blueprints/qc-platform.yaml")
        guard let blueprint, !parseDiagnostics.hasErrors else { throw ExampleError(diagnostics: parseDiagnostics) }
        let (resolved, diagnostics) = blueprint.resolve(environment: "production", catalog: .builtin(), policies: policies)
        guard var resolved, !diagnostics.hasErrors else { throw ExampleError(diagnostics: diagnostics) }
        resolved.owner = owner
        return resolved
    }

    struct ExampleError: Error, CustomStringConvertible {
        let diagnostics: Diagnostics
        var description: String { diagnostics.items.map { "\($0.summary): \($0.detail)" }.joined(separator: "\n") }
    }
}
