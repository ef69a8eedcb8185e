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

/// The controller against real Redis, the sandbox server over HTTP and the real `bullmq` client.
@Suite("Controller end to end", .serialized)
struct EndToEndTests {
    @Test("500 BullMQ jobs scale the worker up within two ticks; drained, it scales down only after its window; every step journaled")
    func queueScaleUpAndDown() async throws {
        let rig = try await ControllerRig()
        let (redisServer, redis, sandbox) = (rig.redisServer, rig.redis, rig.sandbox)
        let controller = rig.controller()

        // Quiet first tick: everything at its minimum.
        var report = await controller.tick()
        #expect(report.lease.isLeader)
        #expect(report.outcome("worker")?.desired == 2)

        #expect(try await BullMQ.run(redisServer.url, queue: "documents", "add", count: 500) == 500)
        var ticks = 0
        while try await sandbox.count("worker") < 5, ticks < 2 {
            sandbox.clock.advance(by: 15)
            report = await controller.tick()
            ticks += 1
        }
        #expect(try await sandbox.count("worker") == 5, "worker should reach ceil(500 / 100) = 5 within two ticks")
        let scaledUpAt = sandbox.clock.now()
        let up = try #require(report.outcome("worker"))
        #expect(up.acted && up.codes.contains("Proposal"))

        // Drained: the worker holds for the 10-minute stabilization window, then steps down.
        #expect(try await BullMQ.run(redisServer.url, queue: "documents", "drain") == 0)
        var firstDown: Date?
        for _ in 0..<40 {
            sandbox.clock.advance(by: 30)
            report = await controller.tick()
            if let outcome = report.outcome("worker"), outcome.acted, outcome.desired < outcome.current {
                firstDown = sandbox.clock.now()
                break
            }
            #expect(try await sandbox.count("worker") == 5)
        }
        let down = try #require(firstDown, "the worker never scaled down")
        #expect(down.timeIntervalSince(scaledUpAt) >= 600, "scale-down came before the 10 m stabilization window")
        #expect(try await sandbox.count("worker") < 5)

        // The journal has every step with its reason.
        let journal = RedisStreamJournal(redis: redis, key: "ballast:qc-platform:production:journal")
        let records = try await journal.read(since: nil, service: "worker")
        let changes = records.filter { $0.entry.from != $0.entry.to }
        #expect(changes.first?.entry.from == 2 && changes.first?.entry.to == 5 && changes.first?.entry.acted == true)
        #expect(changes.first?.inputs["queue_depth"] == "500")
        #expect(changes.first?.entry.monthlyDelta != nil)
        #expect(changes.last?.action == "scale_down" && changes.last?.entry.acted == true)
        #expect(records.contains { $0.codes.contains("ScaleDownStabilized") }, "the held scale-down should be journaled with its reason")
        #expect(records.allSatisfy { !$0.entry.reason.isEmpty })
        await rig.stop()
    }

    @Test("a CPU breach set through the sandbox's load endpoint scales the backend up until a cap stops it", arguments: [
        ("budget", "BudgetLimited"), ("connections", "ConnectionLimited"),
    ])
    func breachStoppedByCaps(cap: String, code: String) async throws {
        let sandbox = try await SandboxHarness()
        var example = try Example.load()
        // A budget that pays for 3 backend instances with the rest at its minimum (plus $5, less than one more);
        // or Supabase's free tier's 60 connections, of which the others hold 30 and 3 backends 30 more.
        if cap == "budget" {
            let monthly = example.catalog.monthlyCost(of: example.environment) { $0.name == "backend-api" ? 3 : ($0.scaling?.min ?? $0.instances) }
            example.environment.budget = BudgetSpec(monthly: monthly + 5)
        } else {
            try Self.limitPostgres(&example, to: 60)
        }
        let controller = try await Self.started(example, on: sandbox, breaching: ["backend-api"])

        var codes: [String] = []
        for _ in 0..<30 {
            sandbox.clock.advance(by: 30)
            let report = await controller.tick()
            codes += report.outcome("backend-api")?.codes ?? []
            if codes.contains(code) { break }
        }
        #expect(try await sandbox.count("backend-api") == 3)
        #expect(codes.contains(code), "expected \(code) among \(Set(codes).sorted())")
        await sandbox.stop()
    }

    @Test("two services breaching in the same ticks share the spare connections: each sees the counts decided before it")
    func sharedConnectionsWithinATick() async throws {
        let sandbox = try await SandboxHarness()
        var example = try Example.load()
        // At their minimums backend-api (10 each), ai-service (5 each) and worker (10 each) hold 50 of 60.
        try Self.limitPostgres(&example, to: 60)
        let controller = try await Self.started(example, on: sandbox, breaching: ["backend-api", "ai-service"])

        var codes: Set<String> = []
        for _ in 0..<20 {
            sandbox.clock.advance(by: 30)
            let report = await controller.tick()
            codes.formUnion((report.outcome("backend-api")?.codes ?? []) + (report.outcome("ai-service")?.codes ?? []))
            let used = try await sandbox.count("backend-api") * 10 + sandbox.count("ai-service") * 5 + sandbox.count("worker") * 10
            #expect(used <= 60, "the services hold \(used) of postgres's 60 connections")
        }
        // Both wanted more than fits: the spare ten went to them and the rest was refused with its reason.
        #expect(try await sandbox.count("backend-api") * 10 + sandbox.count("ai-service") * 5 == 40)
        #expect(codes.contains("ConnectionLimited"), "expected ConnectionLimited among \(codes.sorted())")
        await sandbox.stop()
    }

    /// postgres's `maxConnections` set to `limit`.
    static func limitPostgres(_ example: inout Example, to limit: Int) throws {
        let index = try #require(example.environment.datastores.firstIndex { $0.name == "postgres" })
        example.environment.datastores[index].maxConnections = limit
    }

    /// The environment applied to the sandbox, a controller's first tick at rest, then a CPU breach on `services`.
    static func started(_ example: Example, on sandbox: SandboxHarness, breaching services: [String]) async throws -> ScalingController {
        try await sandbox.apply(example.environment)
        let controller = makeController(example, provider: sandbox.provider, redis: nil, clock: sandbox.clock)
        _ = await controller.tick()
        for name in services { try await sandbox.setLoad(["name": name, "cpu": 20, "latencyMs": 100]) }
        return controller
    }

    @Test("two controllers on one Redis: exactly one acts; the leader dies, the other acts within the TTL; nothing is scaled twice")
    func twoControllers() async throws {
        let rig = try await ControllerRig()
        let (redisServer, sandbox) = (rig.redisServer, rig.sandbox)
        let redisA = rig.redis, redisB = rig.newClient()
        let a = rig.controller(redis: redisA, identity: "a", leaseTTL: 2)
        let b = rig.controller(redis: redisB, identity: "b", leaseTTL: 2)

        try await BullMQ.run(redisServer.url, queue: "documents", "add", count: 300)
        sandbox.clock.advance(by: 15)
        async let reportA = a.tick()
        async let reportB = b.tick()
        let reports = await [reportA, reportB]
        #expect(reports.filter(\.lease.isLeader).count == 1)
        #expect(reports.flatMap(\.acted).count == 1)
        #expect(try await sandbox.count("worker") == 3)
        let leader = reports[0].lease.isLeader ? a : b
        let standby = reports[0].lease.isLeader ? b : a

        // The leader dies without a word; within the TTL the standby leads, and does not redo the scale-up.
        try await BullMQ.run(redisServer.url, queue: "documents", "add", count: 200)
        let died = ContinuousClock.now
        var took: Duration?
        while ContinuousClock.now - died < .seconds(4) {
            sandbox.clock.advance(by: 1)
            let report = await standby.tick()
            if report.lease.isLeader {
                took = ContinuousClock.now - died
                #expect(report.outcome("worker")?.desired == 5)
                break
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        let elapsed = try #require(took, "the standby never took over")
        #expect(elapsed <= .seconds(2.5))
        #expect(try await sandbox.count("worker") == 5)

        // The old leader comes back: it is fenced off and acts on nothing.
        sandbox.clock.advance(by: 15)
        let comeback = await leader.tick()
        #expect(!comeback.lease.isLeader && comeback.acted.isEmpty)

        // Across both controllers, every worker change was made once.
        let journal = RedisStreamJournal(redis: redisA, key: "ballast:qc-platform:production:journal")
        let acted = try await journal.read(since: nil, service: "worker").filter { $0.entry.acted && $0.entry.from != $0.entry.to }
        #expect(acted.map { "\($0.entry.from)->\($0.entry.to)" } == ["2->3", "3->5"])
        await rig.stop()
    }
}
