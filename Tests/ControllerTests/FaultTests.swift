import TestSupport
import Blueprint
import Controller
import Foundation
import Hosting
import MetricSources
import Planning
import RedisClient
import Scaling
import Testing

@Suite("Controller under faults", .serialized)
struct FaultTests {
    @Test("Redis stopped mid-run, API faults at 0.3, Prometheus gone: no crash, no scale-down on missing data, recovery")
    func faults() async throws {
        let rig = try await ControllerRig(faultRate: 0.3)
        let (redisServer, sandbox, services) = (rig.redisServer, rig.sandbox, rig.services)
        // The backend runs above its minimum under a quiet load: only its missing latency metric keeps it there.
        try await sandbox.sandbox.scale(serviceId: services["backend-api"]!.id, numInstances: 3)
        // Prometheus gone: latency comes from a Prometheus nobody answers for.
        let prometheus = PrometheusSource(baseURL: URL(string: "http://127.0.0.1:\(try freePort())")!, timeout: 0.5,
                                          templates: ["latency_p95": "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service=\"{{service}}\"}[5m]))) * 1000"])
        let controller = rig.controller(extraSources: [prometheus])

        try await BullMQ.run(redisServer.url, queue: "documents", "add", count: 500)
        var backendCounts: [Int] = []
        var heldWithoutLeader = 0
        var workerBeforeOutage = 0
        for tick in 0..<36 {
            if tick == 8 { redisServer.stop() }
            if tick == 14 {
                try await redisServer.start()
                // Redis came back empty (no persistence in the test): new work arrives.
                try await BullMQ.run(redisServer.url, queue: "documents", "add", count: 600)
            }
            sandbox.clock.advance(by: 30)
            let report = await controller.tick()
            if (8..<14).contains(tick) {
                if case .unknown = report.lease { heldWithoutLeader += 1 }
                #expect(report.acted.isEmpty, "acted without a provable lease at tick \(tick)")
            }
            if tick == 7 { workerBeforeOutage = try await sandbox.count("worker") }
            backendCounts.append(try await sandbox.count("backend-api"))
            if let backend = report.outcome("backend-api"), backend.current > 2 {
                #expect(backend.desired >= backend.current, "scaled the backend down on missing data: \(backend.codes)")
            }
        }
        #expect(heldWithoutLeader == 6)
        #expect(workerBeforeOutage > 2, "the worker should have scaled up despite API faults")
        #expect(backendCounts.allSatisfy { $0 == 3 }, "backend counts: \(backendCounts)")
        #expect(try await sandbox.count("worker") == 6, "after Redis returned, 600 jobs should take the worker to its maximum")
        await rig.stop()
    }

    @Test("dry run decides and journals but changes nothing")
    func dryRun() async throws {
        let rig = try await ControllerRig()
        let (redisServer, redis, sandbox) = (rig.redisServer, rig.redis, rig.sandbox)
        let controller = rig.controller(dryRun: true)
        try await BullMQ.run(redisServer.url, queue: "documents", "add", count: 400)
        sandbox.clock.advance(by: 15)
        let report = await controller.tick()
        #expect(report.outcome("worker")?.desired == 4)
        #expect(report.acted.isEmpty)
        #expect(try await sandbox.count("worker") == 2)
        let records = try await RedisStreamJournal(redis: redis, key: "ballast:qc-platform:production:journal").read(since: nil, service: "worker")
        #expect(records.contains { $0.entry.to == 4 && !$0.entry.acted && $0.entry.dryRun == true })
        await rig.stop()
    }

    @Test("drift: a plan changed by hand is reported and not fought; native autoscaling turned on is reported")
    func drift() async throws {
        let sandbox = try await SandboxHarness()
        let example = try Example.load()
        let services = try await sandbox.apply(example.environment)
        _ = try await sandbox.sandbox.updateService(id: services["ai-service"]!.id, ServiceUpdate(plan: "pro"))
        _ = try await sandbox.sandbox.setAutoscaling(serviceId: services["backend-api"]!.id, AutoscalingConfig(
            enabled: true, min: 2, max: 3, cpu: .init(enabled: true, percentage: 60), memory: .init(enabled: false, percentage: 70)))
        let controller = makeController(example, provider: sandbox.provider, redis: nil, clock: sandbox.clock)
        let report = await controller.tick()
        #expect(report.drift.contains { $0.hasPrefix("ai-service: plan pro") })
        #expect(report.drift.contains { $0.hasPrefix("backend-api: Render's native autoscaling is on") })
        let live = try await sandbox.sandbox.listServices(ownerId: nil, names: ["ai-service"])
        #expect(live.first?.plan == "pro")
        await sandbox.stop()
    }
}
