import Foundation
import RedisClient

/// The journal as a capped Redis stream: each entry has one field, `json`, holding the
/// ``DecisionRecord``'s object (`XADD <key> MAXLEN ~ <cap> * json <object>`); read back with `XRANGE`
/// from the stream ID of `since`.
///
/// ```swift
/// let journal = RedisStreamJournal(redis: redis, key: "ballast:qc-platform:production:journal", maxLength: 100_000)
/// ```
public struct RedisStreamJournal: DecisionJournal {
    public let redis: RedisClient
    public let key: String
    /// About how many entries the stream keeps (`MAXLEN ~`).
    public let maxLength: Int

    public init(redis: RedisClient, key: String, maxLength: Int = 100_000) {
        self.redis = redis
        self.key = key
        self.maxLength = maxLength
    }

    public var location: String { "redis stream \(key)" }

    public func append(_ records: [DecisionRecord]) async throws {
        guard !records.isEmpty else { return }
        let commands = records.map { ["XADD", key, "MAXLEN", "~", String(maxLength), "*", "json", $0.encodedLine()] }
        for start in stride(from: 0, to: commands.count, by: 500) {
            let replies = try await redis.pipeline(Array(commands[start..<min(start + 500, commands.count)]))
            if let message = replies.compactMap(\.errorMessage).first {
                throw RedisError(kind: .server, command: "XADD", endpoint: redis.configuration.endpoint, message: message)
            }
        }
    }

    /// Reads backwards from the newest entry (`XREVRANGE`, pages of 1,000) until entries are older than
    /// `since`, so the stream's own IDs (Redis's clock) need not agree with the controller's clock.
    public func read(since: Date?, service: String?) async throws -> [DecisionRecord] {
        var end = "+"
        var records: [DecisionRecord] = []
        pages: while true {
            let reply = try await redis.command(["XREVRANGE", key, end, "-", "COUNT", "1000"], retryOnConnectionLoss: true)
            let items = reply.array ?? []
            var lastID: String?
            var olderSeen = 0
            for item in items {
                guard let pair = item.array, pair.count == 2, let id = pair[0].string else { continue }
                lastID = id
                let fields = pair[1].array ?? []
                var json: String?
                for index in stride(from: 0, to: fields.count - 1, by: 2) where fields[index].string == "json" {
                    json = fields[index + 1].string
                }
                guard let json, let record = try? DecisionRecord.decode(json) else { continue }
                if let since, record.entry.at < since {
                    olderSeen += 1
                    continue
                }
                if let service, record.entry.service != service { continue }
                records.append(record)
            }
            // A whole page older than `since`: the rest is older still.
            if items.count < 1000 || lastID == nil || (since != nil && olderSeen == items.count) { break pages }
            end = "(" + lastID!
        }
        return records.reversed()
    }
}
