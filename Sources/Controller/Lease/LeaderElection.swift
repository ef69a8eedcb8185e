import Foundation

/// Who may act this tick, as one replica of the controller sees it.
public enum LeaseState: Sendable, Equatable, CustomStringConvertible {
    /// This replica holds the lease; `token` is the fencing token every write is checked against.
    case leader(token: Int)
    /// Another replica holds the lease (`holder` is its identity, when known).
    case standby(holder: String?)
    /// The lease store cannot be reached: nobody can be proven leader, so nothing is done.
    case unknown(reason: String)

    public var isLeader: Bool {
        if case .leader = self { return true }
        return false
    }

    public var token: Int? {
        if case .leader(let token) = self { return token }
        return nil
    }

    public var description: String {
        switch self {
        case .leader(let token): "leader (fencing token \(token))"
        case .standby(let holder): "standby (leader: \(holder ?? "unknown"))"
        case .unknown(let reason): "no leader can be proven: \(reason)"
        }
    }
}

/// The one-leader rule between replicas of the controller: a lease taken and renewed each tick, and a
/// fencing check before every write.
///
/// ```swift
/// let election: any LeaderElection = RedisLease(redis: redis, key: "ballast:qc:production:lease", identity: me, ttl: 30)
/// guard case .leader(let token) = await election.acquireOrRenew() else { return }
/// if try await election.stillLeader(token: token) { try await provider.scale(...) }
/// ```
///
/// - Important: a replica that cannot renew stops acting at once: `stillLeader` answers false as soon
///   as the lease may have expired by the local clock, even before the store says so.
public protocol LeaderElection: Sendable {
    /// Takes the lease if it is free, renews it if held, or reports who holds it.
    func acquireOrRenew() async -> LeaseState
    /// True when `token` is still the current lease (checked against the store) and the lease has
    /// not expired locally. Throws when the store cannot answer (treat as "not leader").
    func stillLeader(token: Int) async throws -> Bool
    /// Gives the lease up (graceful shutdown), so a standby takes over at its next tick.
    func release() async
}

/// The election of a controller that runs alone (no Redis configured): always the leader.
public struct SoleLeader: LeaderElection {
    public init() {}
    public func acquireOrRenew() async -> LeaseState { .leader(token: 1) }
    public func stillLeader(token: Int) async throws -> Bool { true }
    public func release() async {}
}
