import Foundation
import RedisClient

/// A Sidekiq queue: the list `queue:<name>` of job JSON with `enqueued_at`, the `schedule` sorted set,
/// and the `processes` set whose `<identity>:work` hashes hold the jobs being worked on.
///
/// - depth: `LLEN queue:<name>`;
/// - oldest: Sidekiq LPUSHes and workers BRPOP, so the oldest job is at the tail; its `enqueued_at`
///   is seconds (Sidekiq < 8) or milliseconds (Sidekiq 8) since the epoch; both are read;
/// - active: entries in every live process's `work` hash whose `queue` is this one;
/// - delayed: members of `schedule` whose `queue` is this one (scanned; `nil` above 10,000 scheduled
///   jobs rather than a long script). Jobs waiting in `retry` are not counted as delayed.
///
/// `namespace` is a key prefix such as `myapp:` for apps using redis-namespace. One script call (`EVALSHA`) reads all.
public struct SidekiqQueue: JobQueue {
    public let redis: RedisClient
    public let name: String
    public let namespace: String

    public init(redis: RedisClient, name: String, namespace: String = "") {
        self.redis = redis
        self.name = name
        self.namespace = namespace
    }

    public var label: String { "sidekiq \(namespace)queue:\(name)" }

    static let script = RedisScript("""
    local queue = ARGV[1]
    local ns = ARGV[2]
    local depth = redis.call('LLEN', KEYS[1])
    local oldest = ''
    if depth > 0 then
      local ok, job = pcall(cjson.decode, redis.call('LINDEX', KEYS[1], -1))
      if ok and type(job) == 'table' and job['enqueued_at'] then
        oldest = string.format('%.6f', tonumber(job['enqueued_at']))
      end
    end
    local active = 0
    for _, identity in ipairs(redis.call('SMEMBERS', KEYS[3])) do
      for _, value in ipairs(redis.call('HVALS', ns .. identity .. ':work')) do
        local ok, work = pcall(cjson.decode, value)
        if ok and type(work) == 'table' and work['queue'] == queue then active = active + 1 end
      end
    end
    local delayed = -1
    if redis.call('ZCARD', KEYS[2]) <= 10000 then
      delayed = 0
      for _, value in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
        local ok, job = pcall(cjson.decode, value)
        if ok and type(job) == 'table' and job['queue'] == queue then delayed = delayed + 1 end
      end
    end
    return {depth, active, delayed, oldest}
    """)

    public func read(now: Date) async throws -> QueueSnapshot {
        let keys = ["\(namespace)queue:\(name)", "\(namespace)schedule", "\(namespace)processes"]
        let reply = try await redis.run(Self.script, keys: keys, arguments: [name, namespace], retryOnConnectionLoss: true)
        let counts = try QueueScriptResult.counts(reply, command: "EVALSHA", endpoint: redis.configuration.endpoint)
        return QueueSnapshot(
            depth: counts.depth, active: counts.active, delayed: counts.delayed,
            oldestEnqueuedAt: counts.oldest.flatMap { QueueScriptResult.date(epoch: $0) }, observedAt: now)
    }
}
