import Blueprint
import Foundation
import Hosting
import Planning
import RedisClient
import StateRedis
import TestSupport
import Testing

/// `--state redis://…`: the state and its lock in a real redis-server started on a free port.
@Suite("State in Redis", .serialized)
struct RedisStateStoreTests {
    static func state(serial: Int, lineage: String = "lineage-1", names: [String] = ["api"]) -> BallastState {
        var state = BallastState(lineage: lineage, project: "shop", environment: "production")
        state.serial = serial
        state.resources = names.enumerated().map { index, name in
            StateResource(kind: .service, name: name, id: "srv-\(index)", values: [
                Attribute("plan", .string("standard")),
                Attribute("env.API_KEY", .digest(of: "sk-live-s3cret"), sensitive: true),
            ], updatedAt: "2026-11-30T00:00:00Z")
        }
        return state
    }

    static func store(_ server: RedisServer, lockTTL: Double = 30) throws -> RedisStateStore {
        try RedisStateStore(url: server.url, project: "shop", environment: "production", lockTTL: lockTTL)
    }

    @Test("round trip: nothing, then exactly what was written, as one hash with the serial and lineage beside it")
    func roundTrip() async throws {
        let server = try await RedisServer()
        defer { server.stop() }
        let store = try Self.store(server)
        #expect(try await store.load() == nil)

        let first = Self.state(serial: 1, names: ["api", "worker"])
        try await store.save(first)
        #expect(try await store.load() == first)
        var second = first
        second.serial = 2
        second.resources.removeLast()
        try await store.save(second)
        #expect(try await store.load() == second)

        let redis = try RedisClient(url: server.url)
        let fields = try await redis.command(["HGETALL", "ballast:shop:production:state"]).array?.compactMap(\.string) ?? []
        #expect(fields.count == 6)
        let hash = Dictionary(uniqueKeysWithValues: stride(from: 0, to: fields.count, by: 2).map { (fields[$0], fields[$0 + 1]) })
        #expect(hash["serial"] == "2")
        #expect(hash["lineage"] == "lineage-1")
        #expect(hash["document"]?.contains("sha256:") == true)
        #expect(hash["document"]?.contains("s3cret") == false)
        #expect(store.location == "redis://127.0.0.1:\(server.port)/0 ballast:shop:production:state")
    }

    @Test("a write is refused when the serial in Redis moved since the read, or the lineage differs")
    func staleSerialRefused() async throws {
        let server = try await RedisServer()
        defer { server.stop() }
        let one = try Self.store(server)
        let other = try Self.store(server)
        try await one.save(Self.state(serial: 1))

        // Both read serial 1; one writes 2 first.
        var mine = try #require(try await one.load())
        var theirs = try #require(try await other.load())
        mine.serial += 1
        theirs.serial += 1
        theirs.resources[0].id = "srv-theirs"
        try await other.save(theirs)
        let error = try await #require(throws: StateStoreError.self) { try await one.save(mine) }
        #expect(error.operation == "write-state")
        #expect(error.message.contains("stored serial is 2, not 1"), "\(error)")
        #expect(error.message.contains("stale"))
        #expect(try await one.load() == theirs)

        // Skipping a serial is refused too; so is another lineage, and a first write that is not serial 1.
        mine.serial = 4
        await #expect(throws: StateStoreError.self) { try await one.save(mine) }
        let foreign = try await #require(throws: StateStoreError.self) { try await one.save(Self.state(serial: 3, lineage: "lineage-2")) }
        #expect(foreign.message.contains("lineage lineage-1, not lineage-2"))
        let redis = try RedisClient(url: server.url)
        try await redis.command(["DEL", "ballast:shop:production:state"])
        let missing = try await #require(throws: StateStoreError.self) { try await one.save(Self.state(serial: 3)) }
        #expect(missing.message.contains("deleted since it was read"))
        try await one.save(Self.state(serial: 1))
    }

    @Test("two stores: the second lock fails naming the holder, or waits for it to be released")
    func lockContention() async throws {
        let server = try await RedisServer()
        defer { server.stop() }
        let first = try Self.store(server)
        let second = try Self.store(server)

        let held = try await first.lock(operation: "apply", timeout: 0)
        let error = try await #require(throws: StateStoreError.self) { _ = try await second.lock(operation: "apply", timeout: 0.3) }
        #expect(error.message.contains("another operation holds it"))
        let holder = try #require(error.holder)
        #expect(holder.id == held.info.id)
        #expect(holder.operation == "apply")
        #expect(holder.pid == ProcessInfo.processInfo.processIdentifier)
        #expect(holder.description.contains("ID:        \(held.info.id)"))

        // A waiting lock gets it once the first is released.
        let started = ContinuousClock.now
        async let waited = second.lock(operation: "apply", timeout: 20)
        try await Task.sleep(for: .milliseconds(400))
        await held.unlock()
        let next = try await waited
        #expect(ContinuousClock.now - started >= .milliseconds(400))
        #expect(next.info.id != held.info.id)
        // Releasing the first again (already released) leaves the second's lock alone.
        await held.unlock()
        await #expect(throws: StateStoreError.self) { _ = try await first.lock(operation: "apply", timeout: 0) }
        await next.unlock()
        let redis = try RedisClient(url: server.url)
        #expect(try await redis.command(["EXISTS", "ballast:shop:production:state:lock"]).int == 0)
    }

    @Test("a lock whose holder process on this host is gone is taken over at once; a live holder's is refused, naming it")
    func goneHolderTakenOverLiveHolderRefused() async throws {
        let server = try await RedisServer()
        defer { server.stop() }
        let store = try Self.store(server)
        let redis = try RedisClient(url: server.url)
        let lockKey = "ballast:shop:production:state:lock"

        // A crashed apply of this host: its lock would otherwise stand for the rest of its minute.
        var gone = LockInfo.forThisProcess(path: store.location, operation: "apply")
        gone.pid = try StateLockTests.goneProcessID()
        try await redis.command(["SET", lockKey, String(decoding: try gone.encoded(), as: UTF8.self), "PX", "60000"])
        let taken = try await store.lock(operation: "apply", timeout: 0)
        #expect(taken.info.id != gone.id)
        let stored = try await redis.command(["GET", lockKey]).string ?? ""
        #expect(LockInfo.decode(Data(stored.utf8))?.id == taken.info.id)
        try await store.save(Self.state(serial: 1))
        await taken.unlock()
        #expect(try await redis.command(["EXISTS", lockKey]).int == 0)

        // A live holder: another process of this host, still running.
        let sleeper = try ChildProcess("/bin/sleep", ["60"], name: "lock holder")
        defer { sleeper.stop() }
        var live = LockInfo.forThisProcess(path: "redis://127.0.0.1:\(server.port)/0 ballast:shop:production:state", operation: "apply")
        live.pid = sleeper.process.processIdentifier
        live.who = "ci@runner-7"
        let liveValue = String(decoding: try live.encoded(), as: UTF8.self)
        try await redis.command(["SET", lockKey, liveValue, "PX", "60000"])
        let error = try await #require(throws: StateStoreError.self) { _ = try await store.lock(operation: "apply", timeout: 0) }
        #expect(error.operation == "lock-state")
        #expect(error.holder?.id == live.id)
        #expect(error.holder?.pid == sleeper.process.processIdentifier)
        let message = "\(error)"
        #expect(message.contains("another operation holds it"), "\(message)")
        #expect(message.contains("ID:        \(live.id)"), "\(message)")
        #expect(message.contains("Who:       ci@runner-7"), "\(message)")
        #expect(message.contains("Operation: apply"), "\(message)")
        #expect(try await redis.command(["GET", lockKey]).string == liveValue, "a live holder's lock is left alone")

        // A holder on another host cannot be checked: its lock is waited for too, never taken over.
        var remote = gone
        remote.host = "runner-7.invalid"
        let remoteValue = String(decoding: try remote.encoded(), as: UTF8.self)
        try await redis.command(["SET", lockKey, remoteValue, "PX", "60000"])
        let refused = try await #require(throws: StateStoreError.self) { _ = try await store.lock(operation: "apply", timeout: 0.3) }
        #expect(refused.holder?.id == remote.id)
        #expect(try await redis.command(["GET", lockKey]).string == remoteValue)
    }

    @Test("a long apply keeps its lock: it is renewed before its TTL runs out")
    func lockRenewed() async throws {
        let server = try await RedisServer()
        defer { server.stop() }
        let first = try Self.store(server, lockTTL: 0.6)
        let second = try Self.store(server, lockTTL: 0.6)
        let held = try await first.lock(operation: "apply", timeout: 0)
        try await Task.sleep(for: .seconds(2))   // more than three TTLs
        await #expect(throws: StateStoreError.self) { _ = try await second.lock(operation: "apply", timeout: 0) }
        try await first.save(Self.state(serial: 1))
        await held.unlock()
        let next = try await second.lock(operation: "apply", timeout: 0)
        await next.unlock()
    }

    @Test("a writer that lost its lock is refused, and its release does not remove the new holder's lock")
    func lostLockRefusesWrites() async throws {
        let server = try await RedisServer()
        defer { server.stop() }
        let first = try Self.store(server)
        let second = try Self.store(server)
        let redis = try RedisClient(url: server.url)
        let held = try await first.lock(operation: "apply", timeout: 0)
        try await first.save(Self.state(serial: 1))

        // The lock expires (as after a long pause) and another apply takes it.
        try await redis.command(["DEL", "ballast:shop:production:state:lock"])
        let taken = try await second.lock(operation: "apply", timeout: 0)
        let error = try await #require(throws: StateStoreError.self) { try await first.save(Self.state(serial: 2)) }
        #expect(error.message.contains("no longer holds the state lock"), "\(error)")
        #expect(error.holder?.id == taken.info.id)
        #expect(try await first.load()?.serial == 1)

        await held.unlock()
        #expect(try await redis.command(["GET", "ballast:shop:production:state:lock"]).string?.contains(taken.info.id) == true)
        try await second.save(Self.state(serial: 2))
        await taken.unlock()
    }

    @Test("an apply of 60 services with 10 at a time writes every serial in order to Redis")
    func executorWritesInOrder() async throws {
        let server = try await RedisServer()
        defer { server.stop() }
        let store = try Self.store(server)
        let sandbox = Sandbox(inMemory: SandboxOptions())
        let owner = try sandbox.defaultOwnerId()
        var desired = ResolvedEnvironment(project: "shop", environment: "production", owner: owner, region: "oregon", file: "shop.yaml")
        desired.services = (0..<60).map { index in
            var spec = ServiceSpec(name: "svc-\(index)", type: .worker, runtime: "node", plan: "starter", region: "oregon", instances: 1)
            spec.env = [EnvVarSpec(key: "API_KEY", value: .secret("API_KEY"))]
            return spec
        }
        let secrets = ["API_KEY": "sk-live-s3cret"]

        func plan(_ state: BallastState?) async throws -> Plan {
            let actual = try await ActualStateReader(provider: sandbox).read(desired: desired, state: state, ownerId: owner, secrets: secrets, mode: .normal)
            return Planner.plan(PlanInput(desired: desired, actual: actual, state: state, catalog: .builtin(), guardrails: [],
                                          secrets: secrets, options: PlanOptions(allowCostIncrease: true), now: Date()))
        }
        let lock = try await store.lock(operation: "apply", timeout: 0)
        let first = try await plan(nil)
        #expect(first.actionable.count == 60)
        let executor = PlanExecutor(provider: sandbox, ownerId: owner, parallelism: 10, secret: { secrets[$0] })
        let report = await executor.apply(first, state: BallastState(lineage: "lineage-1", project: "shop", environment: "production"),
                                          save: { try await store.save($0) })
        await lock.unlock()
        #expect(report.stateError == nil)
        let succeeded = report.succeeded
        #expect(succeeded)
        let state = try #require(try await store.load())
        #expect(state.resources.count == 60)
        #expect(state.serial == report.state.serial)
        #expect(state.serial >= 2)
        let again = try await plan(state)
        #expect(!again.hasChanges)
        let raw = try await RedisClient(url: server.url).command(["HGET", "ballast:shop:production:state", "document"]).string ?? ""
        #expect(!raw.contains("s3cret"))
    }
}
