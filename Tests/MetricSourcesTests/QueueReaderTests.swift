import TestSupport
import Blueprint
import Foundation
@testable import MetricSources
import RedisClient
import Testing

/// Queue readers against a real redis-server filled by the queue systems' own client libraries.
@Suite("Queue readers")
struct QueueReaderTests {
    /// Calls of each command the server has run (`INFO commandstats`), commands run by scripts included.
    static func commandCalls(_ redis: RedisClient) async throws -> [String: Int] {
        let info = try #require(try await redis.command(["INFO", "commandstats"]).string)
        var calls: [String: Int] = [:]
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("cmdstat_") {
            let parts = line.dropFirst("cmdstat_".count).split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let field = parts[1].split(separator: ",").first, field.hasPrefix("calls=") else { continue }
            calls[String(parts[0])] = Int(field.dropFirst("calls=".count))
        }
        return calls
    }

    @Test func bullMQAsTheLibraryCountsIt() async throws {
        try requirePython(modules: ["bullmq"])
        let server = try await RedisServer()
        defer { server.stop() }
        // 250 jobs, 3 of them delayed, 5 taken by a real BullMQ Worker that holds them.
        let enqueuer = try ChildProcess.python("bullmq_enqueue.py", [server.url, "documents", "bull", "250", "3", "5"])
        defer { enqueuer.finish() }
        let expected = try jsonObject(try await enqueuer.readLine())
        let counts = try #require(expected["counts"] as? [String: Int])
        let oldestMillis = try #require(expected["oldest_timestamp_ms"] as? Int)

        let redis = try RedisClient(url: server.url)
        let queue = BullMQQueue(redis: redis, name: "documents")
        let now = Date()
        let snapshot = try await queue.read(now: now)

        #expect(snapshot.depth == 242)
        #expect(snapshot.active == 5)
        #expect(snapshot.delayed == 3)
        #expect(snapshot.depth == counts["wait"]! + counts["paused"]! + counts["prioritized"]!)
        #expect(snapshot.active == counts["active"])
        #expect(snapshot.delayed == counts["delayed"])
        #expect(snapshot.oldestEnqueuedAt == Date(timeIntervalSince1970: Double(oldestMillis) / 1000))
        let age = try #require(snapshot.oldestAgeSeconds)
        #expect(abs(age - (now.timeIntervalSince1970 - Double(oldestMillis) / 1000)) < 0.001)
    }

    @Test func bullMQWithAPrefixAndPrioritizedJobs() async throws {
        try requirePython(modules: ["bullmq"])
        let server = try await RedisServer()
        defer { server.stop() }
        // 20 jobs: 4 prioritized, 2 delayed, none active; keys under `myapp:`.
        let enqueuer = try ChildProcess.python("bullmq_enqueue.py", [server.url, "emails", "myapp", "20", "2", "0", "4"])
        defer { enqueuer.finish() }
        let expected = try jsonObject(try await enqueuer.readLine())
        let counts = try #require(expected["counts"] as? [String: Int])
        let oldestMillis = try #require(expected["oldest_timestamp_ms"] as? Int)

        enqueuer.finish()
        let redis = try RedisClient(url: server.url)
        // No other client is connected now: the server's counts show what a read sends. The first
        // loads the script and runs it in one pipeline; later reads send only EVALSHA.
        let queue = makeJobQueue(.bullmq, name: "emails", prefix: "myapp", redis: redis)
        let before = try await Self.commandCalls(redis)
        let snapshot = try await queue.read(now: Date())
        let middle = try await Self.commandCalls(redis)
        _ = try await queue.read(now: Date())
        let after = try await Self.commandCalls(redis)
        func delta(_ from: [String: Int], _ to: [String: Int], _ name: String) -> Int { to[name, default: 0] - from[name, default: 0] }
        #expect(delta(before, middle, "script|load") == 1 && delta(before, middle, "eval") == 1 && delta(before, middle, "evalsha") == 0)
        #expect(delta(middle, after, "evalsha") == 1 && delta(middle, after, "eval") == 0 && delta(middle, after, "script|load") == 0)
        #expect(delta(before, after, "info") == 2, "nothing else but the INFOs was sent")
        #expect(counts["prioritized"] == 4)
        #expect(snapshot.depth == 18)
        #expect(snapshot.active == 0)
        #expect(snapshot.delayed == 2)
        #expect(snapshot.oldestEnqueuedAt == Date(timeIntervalSince1970: Double(oldestMillis) / 1000))
        // The default prefix sees nothing.
        let other = try await BullMQQueue(redis: redis, name: "emails").read(now: Date())
        #expect(other.depth == 0 && other.oldestEnqueuedAt == nil && other.oldestAgeSeconds == nil)
    }

    @Test func rqAsTheLibraryCountsIt() async throws {
        try requirePython(modules: ["rq", "redis"])
        let server = try await RedisServer()
        defer { server.stop() }
        // 30 jobs, one started by a real RQ worker, 4 scheduled for later.
        let enqueuer = try ChildProcess.python("rq_enqueue.py", [String(server.port), "default", "30", "4"])
        defer { enqueuer.finish() }
        let expected = try jsonObject(try await enqueuer.readLine())
        let oldest = try #require(expected["oldest_enqueued_at"] as? Double)

        let redis = try RedisClient(url: server.url)
        let snapshot = try await RQQueue(redis: redis, name: "default").read(now: Date())
        #expect(expected["started"] as? Int == 1)
        #expect(snapshot.depth == 29)
        #expect(snapshot.depth == expected["count"] as? Int)
        #expect(snapshot.active == 1)
        #expect(snapshot.delayed == 4)
        #expect(snapshot.delayed == expected["scheduled"] as? Int)
        let enqueuedAt = try #require(snapshot.oldestEnqueuedAt)
        #expect(abs(enqueuedAt.timeIntervalSince1970 - oldest) < 0.000_01)
    }

    @Test func celeryCountsPrioritySubQueues() async throws {
        try requirePython(modules: ["celery", "redis"])
        let server = try await RedisServer()
        defer { server.stop() }
        let enqueuer = try ChildProcess.python("celery_enqueue.py", [server.url, "reports", "10", "7"])
        defer { enqueuer.finish() }
        let expected = try jsonObject(try await enqueuer.readLine())

        let redis = try RedisClient(url: server.url)
        let snapshot = try await CeleryQueue(redis: redis, name: "reports").read(now: Date())
        #expect(snapshot.depth == 17)
        #expect(snapshot.depth == expected["message_count"] as? Int)
        #expect(try await redis.command(["LLEN", "reports"]).int == 10, "the rest sit in the priority sub-queues")
        #expect(snapshot.active == nil && snapshot.delayed == nil && snapshot.oldestEnqueuedAt == nil)
        let reading = RedisQueueSource.reading(.queueOldestAge, from: snapshot, kind: .celery)
        #expect(reading.unavailableReason?.contains("records no enqueue time") == true)
    }

    @Test(arguments: ["seconds", "millis"])
    func sidekiqFromItsDocumentedFormat(_ unit: String) async throws {
        try requirePython(modules: ["redis"])
        let server = try await RedisServer()
        defer { server.stop() }
        let enqueuer = try ChildProcess.python("sidekiq_enqueue.py", [String(server.port), "default", "12", "3", "2", unit])
        defer { enqueuer.finish() }
        let expected = try jsonObject(try await enqueuer.readLine())
        let oldest = try #require(expected["oldest_enqueued_at"] as? Double)

        let redis = try RedisClient(url: server.url)
        let snapshot = try await SidekiqQueue(redis: redis, name: "default").read(now: Date())
        #expect(snapshot.depth == 12)
        #expect(snapshot.active == 2)
        #expect(snapshot.delayed == 3)
        let seconds = unit == "millis" ? oldest / 1000 : oldest
        let enqueuedAt = try #require(snapshot.oldestEnqueuedAt)
        #expect(abs(enqueuedAt.timeIntervalSince1970 - seconds) < 0.001)
        let age = try #require(snapshot.oldestAgeSeconds)
        #expect(age > 29 && age < 60)
    }

    @Test func plainListsAndStreams() async throws {
        let server = try await RedisServer()
        defer { server.stop() }
        let redis = try RedisClient(url: server.url)
        try await redis.pipeline((0..<7).map { ["LPUSH", "jobs", String($0)] })
        let list = try await makeJobQueue(.list, name: "jobs", redis: redis).read(now: Date())
        #expect(list.depth == 7 && list.oldestEnqueuedAt == nil && list.active == nil)

        try await redis.command(["XADD", "events", "1700000000000-0", "k", "v"])
        try await redis.command(["XADD", "events", "1700000005000-0", "k", "v"])
        let stream = try await makeJobQueue(.stream, name: "events", redis: redis).read(now: Date(timeIntervalSince1970: 1_700_000_010))
        #expect(stream.depth == 2)
        #expect(stream.oldestAgeSeconds == 10)

        let empty = try await RedisListQueue(redis: redis, key: "nothing", type: .stream).read(now: Date())
        #expect(empty.depth == 0 && empty.oldestEnqueuedAt == nil)
    }

    @Test func theSourceAnswersUnavailableNotZero() async throws {
        let server = try await RedisServer()
        let redis = RedisClient(RedisConfiguration(port: server.port, connectTimeout: .milliseconds(300), connectAttempts: 1))
        let source = RedisQueueSource(clients: ["redis": redis])
        let worker = MetricTarget(service: "worker", queue: QueueBinding(redis: "redis", kind: .bullmq, name: "documents"))

        // An empty queue is a real zero, and an empty queue's oldest age is zero.
        #expect(await source.read(.queueDepth, for: worker, now: Date(timeIntervalSince1970: 100)) == .value(0, at: Date(timeIntervalSince1970: 100)))
        #expect(await source.read(.queueOldestAge, for: worker, now: Date()).value == 0)

        // No binding, an unknown datastore, a metric it does not serve.
        #expect(await source.read(.queueDepth, for: MetricTarget(service: "web"), now: Date()).unavailableReason?.contains("no queue binding") == true)
        let elsewhere = MetricTarget(service: "w", queue: QueueBinding(redis: "other", kind: .rq, name: "q"))
        #expect(await source.read(.queueDepth, for: elsewhere, now: Date()).unavailableReason?.contains("datastore other") == true)
        #expect(await source.read(.cpuUtilization, for: worker, now: Date()).unavailableReason != nil)

        // Redis down: unavailable, with the reason.
        server.stop()
        let down = await source.read(.queueDepth, for: worker, now: Date())
        let reason = try #require(down.unavailableReason)
        #expect(reason.contains("bullmq bull:documents"))
        #expect(reason.contains("127.0.0.1:\(server.port)"))
    }
}
