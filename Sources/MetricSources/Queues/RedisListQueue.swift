import Foundation
import RedisClient

/// Any other queue kept as a plain Redis list or stream: depth is `LLEN` or `XLEN`.
///
/// For a stream the oldest entry's ID is its creation time in ms, so the oldest age is known
/// (`XRANGE key - + COUNT 1`, in the same pipeline); for a list it is `nil`. Active and delayed are `nil`.
public struct RedisListQueue: JobQueue {
    public enum KeyType: String, Sendable { case list, stream }

    public let redis: RedisClient
    public let key: String
    public let type: KeyType

    public init(redis: RedisClient, key: String, type: KeyType = .list) {
        self.redis = redis
        self.key = key
        self.type = type
    }

    public var label: String { "\(type.rawValue) \(key)" }

    public func read(now: Date) async throws -> QueueSnapshot {
        let endpoint = redis.configuration.endpoint
        switch type {
        case .list:
            let reply = try await redis.command(["LLEN", key], retryOnConnectionLoss: true)
            guard let depth = reply.int else {
                throw RedisError(kind: .protocolError, command: "LLEN", endpoint: endpoint, message: "unexpected reply \(reply)")
            }
            return QueueSnapshot(depth: depth, active: nil, delayed: nil, oldestEnqueuedAt: nil, observedAt: now)
        case .stream:
            let replies = try await redis.pipeline([["XLEN", key], ["XRANGE", key, "-", "+", "COUNT", "1"]], retryOnConnectionLoss: true)
            guard let depth = replies[0].int else {
                throw RedisError(kind: .server, command: "XLEN", endpoint: endpoint, message: replies[0].errorMessage ?? "unexpected reply \(replies[0])")
            }
            var oldest: Date?
            if let first = replies[1].array?.first?.array?.first?.string,
               let millis = first.split(separator: "-").first.flatMap({ Double($0) }) {
                oldest = Date(timeIntervalSince1970: millis / 1000)
            }
            return QueueSnapshot(depth: depth, active: nil, delayed: nil, oldestEnqueuedAt: oldest, observedAt: now)
        }
    }
}
