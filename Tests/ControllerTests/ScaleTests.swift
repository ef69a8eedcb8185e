import TestSupport
import Blueprint
import Controller
import Foundation
import Hosting
import Logging
import MetricSources
import Planning
import RedisClient
import Scaling
import Testing

@Suite("A thousand services", .serialized)
struct ScaleTests {
    @Test("1,000 services ticking every second: steady memory, tick time reported")
    func thousandServices() async throws {
        let redisServer = try await RedisServer()
        defer { redisServer.stop() }
        let sandbox = Sandbox(inMemory: SandboxOptions())
        let owner = try sandbox.defaultOwnerId()
        var environment = ResolvedEnvironment(project: "fleet", environment: "production", owner: owner, region: "oregon", file: "fleet.yaml")
        for index in 0..<1000 {
            let name = String(format: "svc-%04d", index)
            var spec = ServiceSpec(name: name, type: .worker, runtime: "node", plan: "starter", region: "oregon", instances: 1)
            spec.scaling = ScalingSpec(min: 1, max: 3, policy: "hpa-cpu70")
            environment.services.append(spec)
            _ = try await sandbox.createService(ServiceCreateRequest(name: name, type: .worker, runtime: "node", ownerId: owner, plan: "starter", numInstances: 1))
        }
        let example = try Example.load()
        let fleet = Example(environment: environment, policies: example.policies, catalog: example.catalog)
        let redis = quickRedis(redisServer)
        // The lease must outlast a tick: a debug build's tick of 1,000 services takes seconds.
        let controller = makeController(fleet, provider: sandbox, redis: redis, clock: SystemHostingClock(), interval: 1, leaseTTL: 60)

        let recorder = TickRecorder()
        var logger = Logger(label: "test.fleet")
        logger.logLevel = .critical
        let loop = Task {
            try await ControllerProcess.run(controller, interval: 1, once: false, listen: nil, logger: logger) { report in
                await recorder.add(report)
            }
        }
        // Warm up, then watch memory over the following ticks.
        while await recorder.count < 3 { try await Task.sleep(for: .milliseconds(100)) }
        let before = residentBytes()
        while await recorder.count < 9 { try await Task.sleep(for: .milliseconds(100)) }
        let after = residentBytes()
        loop.cancel()
        _ = try? await loop.value

        let reports = await recorder.reports
        let seconds = reports.map(\.seconds)
        let engine = reports.map(\.engineSeconds)
        print(String(format: "1,000 services: tick %.0f ms median, %.0f ms max; engine %.2f ms median; RSS %.1f MB -> %.1f MB",
                     seconds.sorted()[seconds.count / 2] * 1000, seconds.max()! * 1000, engine.sorted()[engine.count / 2] * 1000,
                     Double(before) / 1_048_576, Double(after) / 1_048_576))
        #expect(reports.allSatisfy { $0.lease.isLeader && $0.outcomes.count == 1000 && $0.problems.isEmpty })
        #expect(after - before < 40 * 1_048_576, "memory grew by \((after - before) / 1_048_576) MB over 6 ticks")
        // A debug build spends most of a tick in the in-process sandbox's metrics; the bound only catches runaways.
        #expect(seconds.max()! < 20)
        let metrics = controller.metrics.render()
        #expect(metrics.contains("ballast_controller_tick_duration_seconds"))
        #expect(metrics.contains("ballast_controller_instances_current{service=\"svc-0999\"}"))
        await redis.close()
    }
}

actor TickRecorder {
    private(set) var reports: [TickReport] = []
    func add(_ report: TickReport) { reports.append(report) }
    var count: Int { reports.count }
}
