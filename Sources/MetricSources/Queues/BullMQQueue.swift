import Foundation
import RedisClient

/// A BullMQ queue: `<prefix>:<name>:wait`, `:paused`, `:prioritized`, `:active`, `:delayed`, and the
/// job hashes `<prefix>:<name>:<id>` whose `timestamp` field is the job's creation time in ms.
///
/// - depth: `wait` + `paused` + `prioritized` (what BullMQ's `getWaitingCount` plus
///   `getPrioritizedCount` report; the marker entries of BullMQ < 5 are not counted);
/// - active: `LLEN active`; delayed: `ZCARD delayed`;
/// - oldest: BullMQ LPUSHes FIFO jobs, so the oldest is at the tail of `wait`/`paused`; prioritized
///   jobs are ordered by priority, so their oldest is found by scanning at most the first 1,000.
///   LIFO jobs (RPUSHed) are not the oldest even though they sit at the tail; their age still counts.
///
/// One script call (`EVALSHA`) reads all of it.
public struct BullMQQueue: JobQueue {
    public static let defaultPrefix = "bull"

    public let redis: RedisClient
    public let name: String
    public let prefix: String

    public init(redis: RedisClient, name: String, prefix: String = BullMQQueue.defaultPrefix) {
        self.redis = redis
        self.name = name
        self.prefix = prefix
    }

    public var label: String { "bullmq \(prefix):\(name)" }

    static let script = RedisScript("""
    local function waiting(key)
      local n = redis.call('LLEN', key)
      local last = nil
      if n > 0 then
        last = redis.call('LINDEX', key, -1)
        if string.sub(last, 1, 2) == '0:' then
          n = n - 1
          last = nil
          if n > 0 then last = redis.call('LINDEX', key, -2) end
        end
      end
      return n, last
    end
    local jobPrefix = ARGV[1]
    local oldest = nil
    local function consider(id)
      if id then
        local ts = tonumber(redis.call('HGET', jobPrefix .. id, 'timestamp'))
        if ts and (oldest == nil or ts < oldest) then oldest = ts end
      end
    end
    local wait, waitTail = waiting(KEYS[1])
    local paused, pausedTail = waiting(KEYS[2])
    consider(waitTail)
    consider(pausedTail)
    local prioritized = redis.call('ZCARD', KEYS[3])
    if prioritized > 0 then
      for _, id in ipairs(redis.call('ZRANGE', KEYS[3], 0, 999)) do consider(id) end
    end
    local active = redis.call('LLEN', KEYS[4])
    local delayed = redis.call('ZCARD', KEYS[5])
    return {wait + paused + prioritized, active, delayed, oldest and string.format('%d', oldest) or ''}
    """)

    public func read(now: Date) async throws -> QueueSnapshot {
        let base = "\(prefix):\(name):"
        let keys = ["wait", "paused", "prioritized", "active", "delayed"].map { base + $0 }
        let reply = try await redis.run(Self.script, keys: keys, arguments: [base], retryOnConnectionLoss: true)
        let counts = try QueueScriptResult.counts(reply, command: "EVALSHA", endpoint: redis.configuration.endpoint)
        return QueueSnapshot(
            depth: counts.depth, active: counts.active, delayed: counts.delayed,
            oldestEnqueuedAt: counts.oldest.flatMap { QueueScriptResult.date(epoch: $0) }, observedAt: now)
    }
}
