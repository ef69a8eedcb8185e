import Foundation
import RedisClient

/// An RQ queue: the list `rq:queue:<name>` of job IDs, the job hashes `rq:job:<id>` with
/// `enqueued_at` (UTC, `%Y-%m-%dT%H:%M:%S.%fZ`), the started-job registry `rq:wip:<name>` and the
/// scheduled-job registry `rq:scheduled:<name>`.
///
/// - depth: `LLEN rq:queue:<name>`; oldest: RQ RPUSHes and workers pop from the head, so the oldest
///   job is at index 0;
/// - active: members of `rq:wip:<name>` whose expiry score is still ahead of `now` (RQ's own
///   `StartedJobRegistry.count` drops expired ones first);
/// - delayed: `ZCARD rq:scheduled:<name>`.
///
/// One script call (`EVALSHA`) reads all of it.
public struct RQQueue: JobQueue {
    public static let defaultPrefix = "rq"

    public let redis: RedisClient
    public let name: String
    public let prefix: String

    public init(redis: RedisClient, name: String, prefix: String = RQQueue.defaultPrefix) {
        self.redis = redis
        self.name = name
        self.prefix = prefix
    }

    public var label: String { "rq \(prefix):queue:\(name)" }

    static let script = RedisScript("""
    local depth = redis.call('LLEN', KEYS[1])
    local oldest = ''
    if depth > 0 then
      local id = redis.call('LINDEX', KEYS[1], 0)
      oldest = redis.call('HGET', ARGV[1] .. id, 'enqueued_at') or ''
    end
    local active = redis.call('ZCOUNT', KEYS[2], ARGV[2], '+inf')
    local delayed = redis.call('ZCARD', KEYS[3])
    return {depth, active, delayed, oldest}
    """)

    public func read(now: Date) async throws -> QueueSnapshot {
        let keys = ["\(prefix):queue:\(name)", "\(prefix):wip:\(name)", "\(prefix):scheduled:\(name)"]
        let arguments = ["\(prefix):job:", String(format: "%.6f", now.timeIntervalSince1970)]
        let reply = try await redis.run(Self.script, keys: keys, arguments: arguments, retryOnConnectionLoss: true)
        let counts = try QueueScriptResult.counts(reply, command: "EVALSHA", endpoint: redis.configuration.endpoint)
        return QueueSnapshot(
            depth: counts.depth, active: counts.active, delayed: counts.delayed,
            oldestEnqueuedAt: counts.oldest.flatMap(Self.parseTimestamp), observedAt: now)
    }

    /// Parses RQ's `utcformat` (`2026-11-30T01:02:03.456789Z`), with or without fractional seconds.
    static func parseTimestamp(_ text: String) -> Date? {
        let trimmed = text.hasSuffix("Z") ? String(text.dropLast()) : text
        let parts = trimmed.split(separator: ".", maxSplits: 1)
        guard let whole = parts.first else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        guard let date = formatter.date(from: String(whole)) else { return nil }
        guard parts.count == 2, let fraction = Double("0." + parts[1]) else { return date }
        return date.addingTimeInterval(fraction)
    }
}
