import Foundation

/// What `/healthz` and `/readyz` report, updated by every tick.
///
/// Ready means: the last tick finished recently, this replica knows whether it leads (leader or
/// standby, not "no leader can be proven"), and every metric source answered.
public final class ControllerStatus: @unchecked Sendable {
    public struct Snapshot: Sendable, Equatable, Codable {
        public var role: String
        public var leaseToken: Int?
        public var ticks: Int
        public var lastTickAt: Date?
        public var lastTickSeconds: Double?
        public var failedSources: [String]
        public var lastError: String?
        public var managedServices: Int

        enum CodingKeys: String, CodingKey {
            case role, ticks
            case leaseToken = "lease_token"
            case lastTickAt = "last_tick_at"
            case lastTickSeconds = "last_tick_seconds"
            case failedSources = "failed_sources"
            case lastError = "last_error"
            case managedServices = "managed_services"
        }
    }

    private let lock = NSLock()
    private var snapshot = Snapshot(role: "starting", ticks: 0, failedSources: [], managedServices: 0)

    public init() {}

    public var current: Snapshot { lock.withLock { snapshot } }

    func update(_ body: (inout Snapshot) -> Void) {
        lock.withLock { body(&snapshot) }
    }

    /// Ready when the role is known and no source failed in the last tick.
    public var isReady: Bool {
        let s = current
        return (s.role == "leader" || s.role == "standby") && s.failedSources.isEmpty && s.ticks > 0
    }
}
