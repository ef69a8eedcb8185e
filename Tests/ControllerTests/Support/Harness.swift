import TestSupport
import Blueprint
import Controller
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hosting
import Logging
import MetricSources
import Planning
import RedisClient
import Scaling

/// The example blueprint's environment with the repository's policies, as the CLI would load them.
struct Example {
    var environment: ResolvedEnvironment
    var policies: [String: ScalePolicy]
    var catalog: Catalog

    static func load(_ env: String = "production") throws -> Example {
        let path = repositoryRoot.appendingPathComponent("blueprints/qc-platform.yaml").path
        guard let data = FileManager.default.contents(atPath: path) else { throw HarnessError("cannot read \(path)") }
        let (blueprint, found) = Blueprint.parse(Array(data), file: path)
        guard let blueprint, !found.hasErrors else { throw HarnessError("the example blueprint does not parse: \(found.items)") }
        var library = PolicyLibrary()
        let folder = repositoryRoot.appendingPathComponent("policies").path
        for name in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() where name.hasSuffix(".yaml") {
            let file = (folder as NSString).appendingPathComponent(name)
            library.add(Array(FileManager.default.contents(atPath: file) ?? Data()), file: file)
        }
        let catalog = Catalog.builtin()
        let (resolved, diagnostics) = blueprint.resolve(environment: env, catalog: catalog, policies: library)
        guard let resolved, !diagnostics.hasErrors else { throw HarnessError("the example does not resolve: \(diagnostics.items)") }
        return Example(environment: resolved, policies: library.scale, catalog: catalog)
    }
}

/// `ballast sandbox serve` in-process on a free port, with a test-controlled clock; the controller
/// talks to it over HTTP through `RenderProvider`, as it would to Render.
final class SandboxHarness: @unchecked Sendable {
    let sandbox: Sandbox
    let server: SandboxServer
    let port: Int
    let clock: ManualHostingClock
    let provider: RenderProvider

    init(faultRate: Double = 0, rateLimits: Bool = false, start: Date = Date(timeIntervalSince1970: 1_900_000_000)) async throws {
        clock = ManualHostingClock(start: start)
        sandbox = Sandbox(inMemory: SandboxOptions(bootDelay: 0, clock: clock, autoscaleInterval: 30))
        var logger = Logger(label: "test.sandbox")
        logger.logLevel = .critical
        server = try SandboxServer(sandbox: sandbox, host: "127.0.0.1", port: 0,
                                   options: SandboxServerOptions(rateLimits: rateLimits, faultRate: faultRate, seed: 7, requireAuthorization: true),
                                   logger: logger)
        port = try await server.start()
        var configuration = try RenderClientConfiguration(baseURL: "http://127.0.0.1:\(port)/v1", apiKey: "rnd_controller_test")
        configuration.timeout = 5
        configuration.retry = RetryPolicy(maxAttempts: 2, baseDelay: 0.01, maxDelay: 0.05, maxServerWait: 0.1)
        var quiet = Logger(label: "test.render")
        quiet.logLevel = .critical
        provider = RenderProvider(configuration: configuration, logger: quiet)
    }

    /// Creates the environment's scalable services at their minimum (what `ballast apply` would do).
    @discardableResult
    func apply(_ environment: ResolvedEnvironment) async throws -> [String: LiveService] {
        let owner = try sandbox.defaultOwnerId()
        var created: [String: LiveService] = [:]
        for service in environment.services where service.type.isScalable {
            var request = ServiceCreateRequest(name: service.name, type: service.type, runtime: service.runtime, ownerId: owner,
                                               plan: service.plan, region: service.region, numInstances: service.scaling?.min ?? service.instances)
            request.repo = service.repo
            request.startCommand = service.startCommand
            created[service.name] = try await sandbox.createService(request)
        }
        return created
    }

    /// `POST /_sandbox/load` over HTTP, as an operator's load generator would.
    func setLoad(_ body: [String: Any]) async throws {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/_sandbox/load")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (data, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            throw HarnessError("POST /_sandbox/load failed: \(String(decoding: data, as: UTF8.self))")
        }
    }

    func count(_ name: String) async throws -> Int {
        let services = try await sandbox.listServices(ownerId: nil, names: [name])
        guard let service = services.first else { throw HarnessError("no service \(name) in the sandbox") }
        return service.suspended ? 0 : service.numInstances
    }

    func stop() async {
        await server.stop()
    }
}

/// A controller wired as `ballast controller run --redis URL` wires it, on the given provider.
func makeController(_ example: Example, provider: any HostingProvider & RenderMetricsAPI, redis: RedisClient?, clock: any HostingClock,
                    identity: String = "test-\(UUID().uuidString.prefix(8))", interval: Double = 15, leaseTTL: Double? = nil,
                    dryRun: Bool = false, extraSources: [any MetricSource] = [], journalFile: String? = nil,
                    limits: ActuationScheduler.Limits = .render) -> ScalingController {
    let configuration = ControllerConfiguration(environment: example.environment, policies: example.policies, catalog: example.catalog,
                                                identity: identity, dryRun: dryRun, limits: limits, interval: interval)
    let election: any LeaderElection
    let histories: any HistoryStore
    let journal: any DecisionJournal
    if let redis {
        let lease = RedisLease(redis: redis, key: configuration.redisKey("lease"), identity: identity, ttl: leaseTTL ?? configuration.leaseTTL)
        election = lease
        histories = RedisHistoryStore(redis: redis, key: configuration.redisKey("history"), leaseKey: lease.key, identity: identity)
        journal = RedisStreamJournal(redis: redis, key: configuration.redisKey("journal"))
    } else {
        election = SoleLeader()
        histories = MemoryHistoryStore()
        journal = FileJournal(path: journalFile ?? NSTemporaryDirectory() + "ballast-journal-\(UUID().uuidString).jsonl")
    }
    var queues: [String: RedisClient] = [:]
    if let redis { queues["redis"] = redis }
    let sources: [any MetricSource] = extraSources + [RedisQueueSource(clients: queues), RenderMetricsSource(api: provider)]
    var logger = Logger(label: "test.controller")
    logger.logLevel = .critical
    return ScalingController(configuration: configuration, provider: provider, election: election, histories: histories, journal: journal,
                             collector: MetricCollector(sources: sources, timeout: 10, maxAge: 300), clock: clock, logger: logger)
}

/// A Redis client that gives up quickly (tests stop Redis on purpose).
func quickRedis(_ server: RedisServer) -> RedisClient {
    RedisClient(RedisConfiguration(port: server.port, connectTimeout: .milliseconds(300), commandTimeout: .seconds(2),
                                   connectAttempts: 1, initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(100)))
}

/// The real `bullmq` Python client: adds jobs in bulk, or drains the queue.
enum BullMQ {
    static let script = """
    import asyncio, sys
    from bullmq import Queue
    async def main():
        url, name, action, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
        queue = Queue(name, {"connection": url})
        if action == "add":
            await queue.addBulk([{"name": "doc", "data": {"i": i}} for i in range(count)])
        else:
            await queue.drain(True)
        counts = await queue.getJobCounts("wait")
        print(counts["wait"], flush=True)
        await queue.close()
    asyncio.run(main())
    """

    /// Runs the script; returns the queue's waiting count afterwards.
    @discardableResult
    static func run(_ redisURL: String, queue: String, _ action: String, count: Int = 0) async throws -> Int {
        try requirePython(modules: ["bullmq"])
        let child = try ChildProcess("/usr/bin/env", ["python3", "-c", script, redisURL, queue, action, String(count)], name: "bullmq \(action)")
        let line = try await child.readLine(timeout: 60)
        child.finish()
        guard let waiting = Int(line.trimmingCharacters(in: .whitespaces)) else { throw HarnessError("bullmq script printed '\(line)'") }
        return waiting
    }
}

/// Resident memory of this process in bytes (Linux `/proc/self/statm`).
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}
