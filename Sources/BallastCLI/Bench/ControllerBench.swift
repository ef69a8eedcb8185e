import Blueprint
import Controller
import Foundation
import Hosting
import Logging
import MetricSources

/// `ballast bench controller`: the scaling loop over 1,000 services of an in-memory sandbox whose
/// load rises and falls, for 10,000 ticks: tick time p50/p99 (and the engine's share) and resident
/// memory at the start and the end.
///
/// Time is a `ManualHostingClock` moved 15 s per tick, so 10,000 ticks (41 hours of simulated
/// time, instance boots and rate-limit budgets included) run back to back. Metrics come from the
/// sandbox through `RenderMetricsSource` (CPU, memory, latency, request and error rates) and, for
/// the queue workers, a synthetic queue whose depth follows the same wave. The history is in
/// memory (`MemoryHistoryStore`), the journal discards, the controller is the sole leader: what is
/// timed is the controller's own work, not Redis.
struct ControllerBench {
    var services: Int
    var ticks: Int
    var policiesFolder: String
    /// Also sample the resident size after `malloc_trim` (it changes the later plain samples).
    var trim = false

    /// Stopped instances the sandbox remembers for metrics: twice the metrics window the controller
    /// reads. Render keeps a month; over 10,000 ticks (41 hours) of scaling a month's worth is up to
    /// 500 instance records per service, the test double's memory and time, not the controller's.
    static let instanceHistory: TimeInterval = 1200

    func run() async throws -> BenchReport {
        var report = BenchReport(bench: "controller", columns: [
            "services", "ticks", "tick p50 ms", "tick p99 ms", "tick max ms", "metrics p50 ms", "engine p50 ms", "engine p99 ms",
            "metric requests/tick", "RSS start MB", "RSS end MB", "scale actions", "problems",
        ])
        let policies = Workspace.loadPolicies(policiesFolder)
        guard !policies.scale.isEmpty else {
            throw CLIError("no scale policies in '\(policiesFolder)': run from the repository root or pass --policies")
        }
        let folder = try BlueprintBench.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let clock = ManualHostingClock(start: Date(timeIntervalSince1970: 1_790_000_000))
        let fleet = try await SandboxFleet.make(services: services, folder: folder, policies: policies,
                                                options: SandboxOptions(bootDelay: 30, clock: clock, instanceHistory: Self.instanceHistory))
        try await setLoads(fleet, clock: clock)

        let configuration = ControllerConfiguration(environment: fleet.desired, policies: policies.scale, catalog: fleet.catalog,
                                                    identity: "bench", interval: 15)
        let metricsAPI = CountingMetricsAPI(fleet.sandbox)
        let collector = MetricCollector(sources: [RenderMetricsSource(api: metricsAPI), WaveQueueSource(clock: clock)])
        // Every decision is logged at info level; a bench measures the loop, not the terminal.
        var logger = Logger(label: "ballast.bench.controller")
        logger.logLevel = .warning
        let controller = ScalingController(configuration: configuration, provider: fleet.sandbox, election: SoleLeader(),
                                           histories: MemoryHistoryStore(), journal: DiscardJournal(), collector: collector, clock: clock,
                                           logger: logger)

        var tickTimes: [Double] = []
        var engineTimes: [Double] = []
        var metricsTimes: [Double] = []
        metricsTimes.reserveCapacity(ticks)
        tickTimes.reserveCapacity(ticks)
        engineTimes.reserveCapacity(ticks)
        var rssStart: Int?
        var rssSamples: [(Int, Int)] = []
        var trimmedSamples: [(Int, Int)] = []
        var acted = 0
        var problems = 0
        for tick in 0..<ticks {
            let report = await controller.tick()
            tickTimes.append(report.seconds)
            engineTimes.append(report.engineSeconds)
            metricsTimes.append(report.metricsSeconds)
            acted += report.acted.count
            problems += report.problems.isEmpty ? 0 : 1
            clock.advance(by: 15)
            if tick == min(99, ticks - 1) { rssStart = BenchMachine.currentRSS() }
            if (tick + 1) % max(1, ticks / 10) == 0, let rss = BenchMachine.currentRSS() {
                rssSamples.append((tick + 1, rss))
                if trim, let trimmed = BenchMachine.trimmedRSS() { trimmedSamples.append((tick + 1, trimmed)) }
            }
        }
        let rssEnd = BenchMachine.currentRSS()
        await controller.shutdown()

        report.add([
            .int(services), .int(ticks),
            .number(Percentiles.of(tickTimes, 50) * 1000, digits: 2), .number(Percentiles.of(tickTimes, 99) * 1000, digits: 2),
            .number((tickTimes.max() ?? .nan) * 1000, digits: 2), .number(Percentiles.of(metricsTimes, 50) * 1000, digits: 2),
            .number(Percentiles.of(engineTimes, 50) * 1000, digits: 3), .number(Percentiles.of(engineTimes, 99) * 1000, digits: 3),
            .number(Double(metricsAPI.count) / Double(max(1, ticks)), digits: 1), BenchMachine.megabytes(rssStart), BenchMachine.megabytes(rssEnd), .int(acted), .int(problems),
        ])
        report.note("\(configuration.managed.count) managed services (\(configuration.skipped.count) skipped) of an in-memory sandbox; a tick every 15 s of simulated time (ManualHostingClock), \(ticks) ticks back to back")
        report.note("the sandbox remembers stopped instances for \(Int(Self.instanceHistory / 60)) minutes (Render: 30 days), so its own memory stays bounded")
        report.note("load: requests per second on a 2-hour wave, phase-shifted per service; workers read a synthetic queue following the same wave")
        report.note("metric requests: calls of Render's metrics API (one per query kind and block of \(RenderMetricsSource.resourcesPerRequest) services); one call per service and kind would be \(BenchFormat.fixed(Double(metricsAPI.resources) / Double(max(1, ticks)), digits: 1)) a tick")
        report.note("engine: TickReport.engineSeconds (ScalingEngine.decide for every service); metrics: TickReport.metricsSeconds (the batch reads, here mostly the sandbox computing its series); tick: the whole tick (list, history, metrics, decisions, actuation, journal)")
        report.note("RSS start is after tick \(min(100, ticks)); samples: " + rssSamples.map { "\($0.0): \(BenchFormat.fixed(Double($0.1) / 1_048_576, digits: 1)) MB" }.joined(separator: ", "))
        if !trimmedSamples.isEmpty {
            report.note("--malloc-trim: RSS after malloc_trim (free memory returned; the plain samples after the first follow earlier trims) at the same ticks: "
                        + trimmedSamples.map { "\($0.0): \(BenchFormat.fixed(Double($0.1) / 1_048_576, digits: 1)) MB" }.joined(separator: ", "))
        }
        if let rssStart, let rssEnd {
            let growth = Double(rssEnd - rssStart) / Double(rssStart) * 100
            report.note("target memory flat: \(abs(growth) < 10 ? "met" : "MISSED") (\(BenchFormat.fixed(growth, digits: 1)) % from tick \(min(100, ticks)) to the end)")
        }
        let engine99 = Percentiles.of(engineTimes, 99)
        report.note("target engine time for 1,000 services under 5 ms: \(engine99 < 0.005 ? "met" : "MISSED") (p99 \(BenchFormat.fixed(engine99 * 1000, digits: 2)) ms)")
        return report
    }

    /// A 2-hour wave of requests per second on every service, each starting at another phase.
    func setLoads(_ fleet: SandboxFleet, clock: ManualHostingClock) async throws {
        let start = clock.now()
        var csv = "timestamp,value\n"
        for minute in stride(from: 0, through: 120, by: 5) {
            let value = 60 + 50 * sin(Double(minute) / 120 * 2 * Double.pi)
            csv += "\(Int(start.timeIntervalSince1970) + minute * 60),\(BenchFormat.fixed(value, digits: 1))\n"
        }
        let trace = try SandboxLoad.parseTrace(csv)
        for (index, service) in try await fleet.sandbox.listServices(ownerId: nil, names: []).enumerated() {
            var load = SandboxLoad()
            load.trace = trace
            load.traceStart = start.addingTimeInterval(-Double(index % 24) * 300)
            load.loop = true
            _ = try fleet.sandbox.setLoad(serviceId: service.id, load)
        }
    }
}

/// Queue depth and age for the workers, following a wave (no Redis in this bench).
struct WaveQueueSource: MetricSource {
    let clock: ManualHostingClock

    var name: String { "bench-queue" }

    func serves(_ metric: Metric) -> Bool {
        switch metric {
        case .queueDepth, .queueActive, .queueOldestAge: true
        default: false
        }
    }

    func read(_ metric: Metric, for target: MetricTarget, now: Date) async -> MetricReading {
        let phase = Double(target.service.utf8.reduce(0) { $0 &+ Int($1) } % 24) * 300
        let wave = sin((now.timeIntervalSince1970 + phase) / 7200 * 2 * Double.pi)
        switch metric {
        case .queueDepth: return .value(max(0, 300 + 280 * wave), at: now)
        case .queueActive: return .value(3, at: now)
        case .queueOldestAge: return .value(max(0, 30 + 40 * wave), at: now)
        default: return .unavailable("not a queue metric")
        }
    }
}

/// The sandbox's metrics API, counting calls.
final class CountingMetricsAPI: RenderMetricsAPI, @unchecked Sendable {
    let base: any RenderMetricsAPI
    private let lock = NSLock()
    private var calls = 0
    private var named = 0

    init(_ base: any RenderMetricsAPI) { self.base = base }

    var count: Int { lock.withLock { calls } }
    /// Services named over all calls: the calls one request per service and kind would have made.
    var resources: Int { lock.withLock { named } }

    func metrics(_ kind: RenderMetricKind, resources: [String], start: Date?, end: Date?, resolutionSeconds: Int?,
                 quantile: Double?, aggregateBy: String?) async throws -> [RenderMetricSeries] {
        lock.withLock {
            calls += 1
            named += resources.count
        }
        return try await base.metrics(kind, resources: resources, start: start, end: end, resolutionSeconds: resolutionSeconds,
                                      quantile: quantile, aggregateBy: aggregateBy)
    }
}

/// A journal that keeps nothing: the bench times the controller, not the journal's storage.
struct DiscardJournal: DecisionJournal {
    var location: String { "discard" }
    func append(_ records: [DecisionRecord]) async throws {}
    func read(since: Date?, service: String?) async throws -> [DecisionRecord] { [] }
}
