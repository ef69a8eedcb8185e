import Foundation
import RedisClient

/// A leader lease in Redis with a fencing token.
///
/// - take: `SET <key> "<identity>#<token>" NX PX <ttl>`, where the token comes from `INCR <key>:fence`
///   (so every new holder has a larger token than all before it);
/// - renew, each tick: a Lua check-and-extend (`PEXPIRE` only if the value is still ours);
/// - fence, before every write: a Lua check that the value is still exactly ours.
///
/// ```swift
/// let lease = RedisLease(redis: redis, key: "ballast:qc-platform:production:lease", identity: "host-1234", ttl: 30)
/// let state = await lease.acquireOrRenew()      // .leader(token: 7)
/// try await lease.stillLeader(token: 7)         // true until another replica takes over
/// ```
///
/// - Important: the lease is also bounded locally: once `ttl` (less a safety margin) has passed since
///   the last successful renewal, ``stillLeader(token:)`` answers false without asking Redis, so a
///   leader cut off from Redis stops acting before a standby can take over.
public final class RedisLease: LeaderElection, @unchecked Sendable {
    public let redis: RedisClient
    public let key: String
    public let identity: String
    /// Seconds the lease lasts without renewal.
    public let ttl: Double

    private let lock = NSLock()
    private var held: (token: Int, validUntil: ContinuousClock.Instant)?

    public init(redis: RedisClient, key: String, identity: String, ttl: Double) {
        self.redis = redis
        self.key = key
        self.identity = identity
        self.ttl = max(1, ttl)
    }

    private var fenceKey: String { key + ":fence" }
    private var milliseconds: String { String(Int(ttl * 1000)) }

    /// Extends the lease if it is still ours; returns the stored value either way.
    static let renewScript = """
    local v = redis.call('GET', KEYS[1])
    if v == ARGV[1] then
      redis.call('PEXPIRE', KEYS[1], ARGV[2])
      return {1, v}
    end
    if v == false then return {0, ''} end
    return {0, v}
    """

    static let checkScript = """
    if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
    return 0
    """

    static let releaseScript = """
    if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
    return 0
    """

    func value(token: Int) -> String { "\(identity)#\(token)" }

    public func acquireOrRenew() async -> LeaseState {
        let started = ContinuousClock.now
        do {
            if let token = lock.withLock({ held?.token }) {
                let reply = try await redis.eval(Self.renewScript, keys: [key], arguments: [value(token: token), milliseconds])
                if reply.array?.first?.int == 1 {
                    remember(token: token, since: started)
                    return .leader(token: token)
                }
                forget()
                let holder = reply.array?.dropFirst().first?.string
                if let holder, !holder.isEmpty { return .standby(holder: Self.identity(of: holder)) }
            }
            // Held by someone else: no new token is spent.
            if let holder = try await redis.command(["GET", key]).string {
                return .standby(holder: Self.identity(of: holder))
            }
            // Free: try to take it with a fresh token.
            let token = try await redis.command(["INCR", fenceKey]).int ?? 0
            let set = try await redis.command(["SET", key, value(token: token), "NX", "PX", milliseconds])
            if set.string == "OK" {
                remember(token: token, since: started)
                return .leader(token: token)
            }
            let holder = try await redis.command(["GET", key]).string
            return .standby(holder: holder.map(Self.identity(of:)))
        } catch {
            forget()
            return .unknown(reason: "\(error)")
        }
    }

    public func stillLeader(token: Int) async throws -> Bool {
        let locallyValid = lock.withLock { () -> Bool in
            guard let held, held.token == token else { return false }
            return ContinuousClock.now < held.validUntil
        }
        guard locallyValid else { return false }
        let reply = try await redis.eval(Self.checkScript, keys: [key], arguments: [value(token: token)])
        if reply.int == 1 { return true }
        forget()
        return false
    }

    public func release() async {
        guard let token = lock.withLock({ held?.token }) else { return }
        forget()
        _ = try? await redis.eval(Self.releaseScript, keys: [key], arguments: [value(token: token)])
    }

    /// Valid locally until `ttl` minus a 10 % margin (at least 200 ms) after the request started.
    private func remember(token: Int, since start: ContinuousClock.Instant) {
        let margin = max(0.2, ttl * 0.1)
        let valid = start.advanced(by: .milliseconds(Int((ttl - margin) * 1000)))
        lock.withLock { held = (token, valid) }
    }

    private func forget() {
        lock.withLock { held = nil }
    }

    static func identity(of value: String) -> String {
        guard let hash = value.lastIndex(of: "#") else { return value }
        return String(value[..<hash])
    }
}
