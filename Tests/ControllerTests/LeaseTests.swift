import TestSupport
import Controller
import Foundation
import RedisClient
import Scaling
import Testing

@Suite("Leader lease in Redis", .serialized)
struct LeaseTests {
    @Test("one holder at a time; a standby takes over within the TTL; the deposed leader is fenced off")
    func failover() async throws {
        let server = try await RedisServer()
        defer { server.stop() }
        let redis = quickRedis(server)
        let a = RedisLease(redis: redis, key: "ballast:test:lease", identity: "a", ttl: 1.5)
        let b = RedisLease(redis: redis, key: "ballast:test:lease", identity: "b", ttl: 1.5)

        let first = await a.acquireOrRenew()
        #expect(first.isLeader)
        #expect(await b.acquireOrRenew() == .standby(holder: "a"))
        // Renewing keeps the same token.
        #expect(await a.acquireOrRenew() == first)
        #expect(try await a.stillLeader(token: first.token!))

        // `a` dies (stops renewing): `b` takes over once the lease expires, with a larger token.
        try await Task.sleep(for: .milliseconds(1700))
        let second = await b.acquireOrRenew()
        #expect(second.isLeader)
        #expect(second.token! > first.token!)
        // `a` is fenced off: locally expired, and Redis says the lease is b's.
        #expect(try await !a.stillLeader(token: first.token!))
        #expect(await a.acquireOrRenew() == .standby(holder: "b"))

        // A history write with a stale token is refused.
        let store = RedisHistoryStore(redis: redis, key: "ballast:test:history", leaseKey: "ballast:test:lease", identity: "a")
        let history = ScalingHistory.starting(current: 2, at: Date())
        #expect(try await !store.save(["worker": history], token: first.token!))
        let bStore = RedisHistoryStore(redis: redis, key: "ballast:test:history", leaseKey: "ballast:test:lease", identity: "b")
        #expect(try await bStore.save(["worker": history], token: second.token!))
        let loaded = try await store.load(services: ["worker", "other"])
        #expect(loaded["worker"]?.recommendations.count == 1)
        #expect(loaded["other"] == nil)

        // A graceful release hands over at once.
        await b.release()
        #expect(await a.acquireOrRenew().isLeader)
        await redis.close()
    }

    @Test("with Redis down nobody can be proven leader, and the lease comes back with Redis")
    func redisDown() async throws {
        let server = try await RedisServer()
        defer { server.stop() }
        let redis = quickRedis(server)
        let lease = RedisLease(redis: redis, key: "ballast:test:lease", identity: "a", ttl: 5)
        let state = await lease.acquireOrRenew()
        #expect(state.isLeader)
        server.stop()
        if case .unknown = await lease.acquireOrRenew() {} else { Issue.record("expected .unknown with Redis down") }
        #expect(try await lease.stillLeader(token: state.token!) == false)
        try await server.start()
        try await Task.sleep(for: .milliseconds(150))
        #expect(await lease.acquireOrRenew().isLeader)
        await redis.close()
    }

    @Test("the journal stream is capped and reads back newest-bounded by time and service")
    func streamJournal() async throws {
        let server = try await RedisServer()
        defer { server.stop() }
        let redis = quickRedis(server)
        let journal = RedisStreamJournal(redis: redis, key: "ballast:test:journal", maxLength: 1000)
        let base = Date(timeIntervalSince1970: 1_900_000_000)
        var records: [DecisionRecord] = []
        for index in 0..<3000 {
            let entry = JournalEntryFixture.entry(at: base.addingTimeInterval(Double(index)), service: index % 2 == 0 ? "worker" : "backend-api")
            records.append(DecisionRecord(entry: entry, action: "scale_up"))
        }
        try await journal.append(records)
        let length = try await redis.command(["XLEN", "ballast:test:journal"]).int ?? 0
        #expect(length >= 1000 && length < 3000)
        let recent = try await journal.read(since: base.addingTimeInterval(2990), service: "worker")
        #expect(recent.map(\.entry.at) == stride(from: 2990, to: 3000, by: 2).map { base.addingTimeInterval(Double($0)) })
        await redis.close()
    }
}
