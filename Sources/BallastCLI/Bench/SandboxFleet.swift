import Blueprint
import Foundation
import Hosting
import Planning

/// A generated blueprint applied to an in-memory sandbox, and the sandbox served over HTTP: the
/// stage of `ballast bench plan` and `ballast bench apply`.
///
/// Setup goes straight to the `Sandbox` (no HTTP, no rate limits, state saved once at the end), so
/// that 5,000 services are ready in seconds; measurements go through `SandboxServer` with injected
/// latency and Render's rate limits, read by a `RenderProvider` whose transport counts every call.
///
/// ```swift
/// let fleet = try await SandboxFleet.make(services: 1_000, folder: folder, policies: policies)
/// let server = try await fleet.serve(latencyMs: 40, limits: .render)
/// ```
struct SandboxFleet {
    let sandbox: Sandbox
    let blueprintPath: String
    let desired: ResolvedEnvironment
    let catalog: Catalog
    let policies: PolicyLibrary
    var state: BallastState
    let ownerId: String

    /// Values for the secrets the generated blueprints refer to.
    static let secrets = [
        "DATABASE_URL": "postgres://bench:bench@db.example.com:5432/bench",
        "REDIS_URL": "redis://kv.example.com:6379",
        "OPENAI_API_KEY": "sk-bench-not-a-key",
    ]

    struct SetupFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Writes the blueprint, resolves `production`, and applies it to a fresh in-memory sandbox.
    static func make(services: Int, folder: String, policies: PolicyLibrary, revision: Int = 0,
                     options: SandboxOptions = SandboxOptions()) async throws -> SandboxFleet {
        let catalog = Catalog.builtin()
        let path = (folder as NSString).appendingPathComponent("fleet-\(services).yaml")
        let desired = try resolve(BlueprintGenerator(services: services, revision: revision), path: path, catalog: catalog, policies: policies)
        let sandbox = Sandbox(inMemory: options)
        let owner = try sandbox.defaultOwnerId()
        var fleet = SandboxFleet(sandbox: sandbox, blueprintPath: path, desired: desired, catalog: catalog, policies: policies,
                                 state: BallastState(lineage: UUID().uuidString.lowercased(), project: desired.project, environment: desired.environment),
                                 ownerId: owner)
        let plan = try await fleet.plan(provider: sandbox, state: nil)
        let executor = PlanExecutor(provider: sandbox, ownerId: owner, parallelism: 10, secret: { secrets[$0] })
        let report = await executor.apply(plan, state: fleet.state, save: { _ in })
        guard report.succeeded else {
            let failed = report.entries.first { if case .failed = $0.status { return true } else { return false } }
            throw SetupFailure(description: "setting up \(services) services in the sandbox failed: \(failed.map { "\($0.change.address): \($0.status)" } ?? report.stateError ?? "?")")
        }
        fleet.state = report.state
        return fleet
    }

    static func resolve(_ generator: BlueprintGenerator, path: String, catalog: Catalog, policies: PolicyLibrary) throws -> ResolvedEnvironment {
        try Data(generator.yaml().utf8).write(to: URL(fileURLWithPath: path))
        guard case .success(let bytes) = SourceFiles.read(path, what: "blueprint") else { throw SetupFailure(description: "cannot read \(path)") }
        let (blueprint, parsed) = Blueprint.parse(bytes, file: path)
        guard let blueprint, !parsed.hasErrors else { throw SetupFailure(description: "the generated blueprint does not parse") }
        let (resolved, diagnostics) = blueprint.resolve(environment: "production", catalog: catalog, policies: policies)
        guard let resolved, !diagnostics.hasErrors else {
            throw SetupFailure(description: "the generated blueprint is not valid: \(diagnostics.items.first.map { "\($0.summary): \($0.detail)" } ?? "")")
        }
        return resolved
    }

    /// Reads the actual state through `provider` and plans `desired` against `state`.
    func plan(provider: any HostingProvider, state: BallastState?, desired: ResolvedEnvironment? = nil) async throws -> Plan {
        let desired = desired ?? self.desired
        let reader = ActualStateReader(provider: provider)
        let actual = try await reader.read(desired: desired, state: state, ownerId: ownerId, secrets: Self.secrets)
        let guardrails = desired.guardrails.compactMap { policies.guardrails[$0] }
        return Planner.plan(PlanInput(desired: desired, actual: actual, state: state, catalog: catalog, guardrails: guardrails,
                                      secrets: Self.secrets, options: PlanOptions(), now: Date()))
    }

    /// Serves the sandbox on a free loopback port.
    func serve(latencyMs: Int, limits: RenderRateLimits?) async throws -> (server: SandboxServer, baseURL: String) {
        let options = SandboxServerOptions(rateLimits: limits != nil, limits: limits ?? .render, latencyMs: latencyMs)
        let server = try SandboxServer(sandbox: sandbox, host: "127.0.0.1", port: 0, options: options)
        let port = try await server.start()
        return (server, "http://127.0.0.1:\(port)/v1")
    }

    /// A Render client for `baseURL` that paces itself by `limits` and counts what it sends.
    static func client(baseURL: String, limits: RenderRateLimits?, counter: CountingTransport) throws -> RenderProvider {
        var configuration = try RenderClientConfiguration(baseURL: baseURL, apiKey: "rnd_bench")
        configuration.rateLimits = limits
        return RenderProvider(configuration: configuration, transport: counter)
    }
}

extension RenderRateLimits {
    /// Every window divided by `factor`: the same budget per window, `factor` times faster, so that a
    /// bench of 1,000 writes finishes in a minute instead of half an hour.
    func compressed(by factor: Double) -> RenderRateLimits {
        var limits = self
        for keyPath in [\RenderRateLimits.get, \.write, \.createService, \.scalePerService, \.serviceWritePerService, \.autoscaling] {
            limits[keyPath: keyPath].window /= factor
        }
        return limits
    }
}

/// An HTTP transport that counts requests by method and path shape, and responses by status.
final class CountingTransport: HTTPTransport, @unchecked Sendable {
    private let inner: any HTTPTransport
    private let lock = NSLock()
    private var byEndpoint: [String: Int] = [:]
    private var byStatus: [Int: Int] = [:]

    init(_ inner: any HTTPTransport) {
        self.inner = inner
    }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        let endpoint = "\(request.method) \(Self.shape(request.url.path))"
        lock.withLock { byEndpoint[endpoint, default: 0] += 1 }
        let response = try await inner.send(request)
        lock.withLock { byStatus[response.status, default: 0] += 1 }
        return response
    }

    var requests: Int { lock.withLock { byEndpoint.values.reduce(0, +) } }
    var endpoints: [String: Int] { lock.withLock { byEndpoint } }
    func responses(status: Int) -> Int { lock.withLock { byStatus[status] ?? 0 } }

    func reset() {
        lock.withLock {
            byEndpoint = [:]
            byStatus = [:]
        }
    }

    /// `/v1/services/srv-abc/env-vars` → `/services/{id}/env-vars`.
    static func shape(_ path: String) -> String {
        path.split(separator: "/").dropFirst(path.hasPrefix("/v1") ? 1 : 0).map { part in
            part.contains("-") && part.count > 20 ? "{id}" : String(part)
        }.reduce("") { $0 + "/" + $1 }
    }
}
