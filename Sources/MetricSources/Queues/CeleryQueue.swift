import Foundation
import RedisClient

/// A Celery queue on the Redis broker (kombu's Redis transport): a list named after the queue, plus
/// one sub-list per priority step, `<name>\u{06}\u{16}<step>` (steps 3, 6, 9 by default; step 0 is
/// the list itself).
///
/// - depth: the sum of the lengths of the queue's lists, in one pipeline;
/// - active, delayed: `nil`. Celery keeps no per-queue record of either in Redis: running and
///   ETA/countdown tasks sit in the broker-wide `unacked` hash only until acknowledged (early by
///   default), and in the workers' memory;
/// - oldest: `nil`. Celery's message protocol carries no enqueue time.
public struct CeleryQueue: JobQueue {
    /// kombu's `PRIORITY_STEPS`.
    public static let defaultPrioritySteps = [0, 3, 6, 9]
    /// kombu's separator between a queue name and its priority step.
    public static let separator = "\u{06}\u{16}"

    public let redis: RedisClient
    public let name: String
    public let prioritySteps: [Int]

    public init(redis: RedisClient, name: String, prioritySteps: [Int] = CeleryQueue.defaultPrioritySteps) {
        self.redis = redis
        self.name = name
        self.prioritySteps = prioritySteps
    }

    public var label: String { "celery \(name)" }

    /// The broker's list keys for this queue, highest priority first.
    public var keys: [String] {
        prioritySteps.map { $0 == 0 ? name : name + Self.separator + String($0) }
    }

    public func read(now: Date) async throws -> QueueSnapshot {
        let replies = try await redis.pipeline(keys.map { ["LLEN", $0] }, retryOnConnectionLoss: true)
        var depth = 0
        for reply in replies {
            guard let count = reply.int else {
                throw RedisError(kind: .server, command: "LLEN", endpoint: redis.configuration.endpoint,
                                 message: reply.errorMessage ?? "unexpected reply \(reply)")
            }
            depth += count
        }
        return QueueSnapshot(depth: depth, active: nil, delayed: nil, oldestEnqueuedAt: nil, observedAt: now)
    }
}
