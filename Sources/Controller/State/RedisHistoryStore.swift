import Foundation
import RedisClient
import Scaling

/// Histories in one Redis hash (`<prefix>:history`, a field per service, JSON values), read with one
/// `HMGET` and written with one fenced script per tick, so a restarted or failed-over controller keeps
/// every stabilization window and sustain timer.
///
/// ```swift
/// let store = RedisHistoryStore(redis: redis, key: "ballast:qc-platform:production:history",
///                               leaseKey: lease.key, identity: lease.identity)
/// ```
public struct RedisHistoryStore: HistoryStore {
    public let redis: RedisClient
    public let key: String
    /// The lease whose value must be `"<identity>#<token>"` for a write to happen; nil: unfenced.
    public let leaseKey: String?
    public let identity: String

    public init(redis: RedisClient, key: String, leaseKey: String?, identity: String) {
        self.redis = redis
        self.key = key
        self.leaseKey = leaseKey
        self.identity = identity
    }

    static let fencedWrite = """
    if KEYS[2] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
    for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
    return 1
    """

    public func load(services: [String]) async throws -> [String: ScalingHistory] {
        guard !services.isEmpty else { return [:] }
        let reply = try await redis.command(["HMGET", key] + services, retryOnConnectionLoss: true)
        var found: [String: ScalingHistory] = [:]
        for (name, value) in zip(services, reply.array ?? []) {
            if let text = value.string, let history = HistoryCoding.decode(text) { found[name] = history }
        }
        return found
    }

    public func save(_ histories: [String: ScalingHistory], token: Int) async throws -> Bool {
        guard !histories.isEmpty else { return true }
        var arguments = ["\(identity)#\(token)"]
        arguments.reserveCapacity(1 + histories.count * 2)
        for (name, history) in histories.sorted(by: { $0.key < $1.key }) {
            arguments.append(name)
            arguments.append(HistoryCoding.encode(history))
        }
        let reply = try await redis.eval(Self.fencedWrite, keys: [key, leaseKey ?? ""], arguments: arguments)
        return reply.int == 1
    }
}
