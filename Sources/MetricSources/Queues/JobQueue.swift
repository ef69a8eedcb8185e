import Blueprint
import Foundation
import RedisClient

/// A job queue kept in Redis, read in one round trip.
///
/// Each queue system has its own reader: ``BullMQQueue``, ``SidekiqQueue``, ``CeleryQueue``,
/// ``RQQueue`` and ``RedisListQueue``. Readers that need the oldest job's record (BullMQ, RQ,
/// Sidekiq) run one read-only Lua script (`EVALSHA`, see ``RedisScript``), which reads every key and the oldest job in the
/// same round trip and sees them at one instant; the others send one pipeline.
///
/// ```swift
/// let queue = BullMQQueue(redis: redis, name: "documents")
/// let snapshot = try await queue.read(now: .now)   // depth, active, delayed, oldest age
/// ```
public protocol JobQueue: Sendable {
    /// `bullmq documents`, for messages.
    var label: String { get }
    /// Reads the queue. Throws ``RedisError`` when Redis cannot be reached or answers an error.
    func read(now: Date) async throws -> QueueSnapshot
}

/// Makes the reader for a blueprint's queue binding.
public func makeJobQueue(_ kind: QueueBinding.Kind, name: String, prefix: String? = nil, redis: RedisClient) -> any JobQueue {
    switch kind {
    case .bullmq: BullMQQueue(redis: redis, name: name, prefix: prefix ?? BullMQQueue.defaultPrefix)
    case .sidekiq: SidekiqQueue(redis: redis, name: name, namespace: prefix ?? "")
    case .celery: CeleryQueue(redis: redis, name: name)
    case .rq: RQQueue(redis: redis, name: name, prefix: prefix ?? RQQueue.defaultPrefix)
    case .list: RedisListQueue(redis: redis, key: (prefix ?? "") + name, type: .list)
    case .stream: RedisListQueue(redis: redis, key: (prefix ?? "") + name, type: .stream)
    }
}

/// Reading helpers shared by the readers.
enum QueueScriptResult {
    /// Reads the `{depth, active, delayed, oldest}` array the queue scripts return; -1 means unknown.
    static func counts(_ reply: RedisReply, command: String, endpoint: String) throws -> (depth: Int, active: Int?, delayed: Int?, oldest: String?) {
        guard let items = reply.array, items.count == 4, let depth = items[0].int, let active = items[1].int,
              let delayed = items[2].int else {
            throw RedisError(kind: .protocolError, command: command, endpoint: endpoint, message: "unexpected script reply \(reply)")
        }
        let oldest = items[3].string.flatMap { $0.isEmpty ? nil : $0 }
        return (depth, active < 0 ? nil : active, delayed < 0 ? nil : delayed, oldest)
    }

    /// A Unix time given in seconds or milliseconds (anything above 10^11 is taken as milliseconds).
    static func date(epoch text: String) -> Date? {
        guard let value = Double(text), value.isFinite, value > 0 else { return nil }
        return Date(timeIntervalSince1970: value > 1e11 ? value / 1000 : value)
    }
}
