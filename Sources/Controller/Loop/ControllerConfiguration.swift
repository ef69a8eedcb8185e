import Blueprint
import Foundation

/// What one controller manages and how: the resolved environment, the scale policies its services
/// name, the price catalog, and the knobs of the loop.
///
/// ```swift
/// let configuration = try ControllerConfiguration(environment: production, policies: workspace.policies.scale,
///                                                 catalog: .builtin(), identity: ControllerConfiguration.defaultIdentity())
/// configuration.managed.map(\.spec.name)   // ["backend-api", "ai-service", "worker"]
/// ```
public struct ControllerConfiguration: Sendable {
    /// A service the controller scales, with its policy.
    public struct Managed: Sendable {
        public var spec: ServiceSpec
        public var policy: ScalePolicy
    }

    public var environment: ResolvedEnvironment
    public var catalog: Catalog
    /// The services whose count the controller moves (scaling with a policy other than `render-native`).
    public var managed: [Managed]
    /// Services with `scaling:` that the controller leaves alone, and why (render-native, unknown policy).
    public var skipped: [(service: String, reason: String)]
    /// This replica's name in the lease and the journal (`host-pid-random`).
    public var identity: String
    /// Decide, log and journal; change nothing.
    public var dryRun: Bool
    public var limits: ActuationScheduler.Limits
    /// Seconds between ticks (the lease lasts three of them, at least 5 s).
    public var interval: Double
    /// Journal holds whose reasons changed since the last entry for the service (not only changes).
    public var journalHolds: Bool

    public init(environment: ResolvedEnvironment, policies: [String: ScalePolicy], catalog: Catalog, identity: String,
                dryRun: Bool = false, limits: ActuationScheduler.Limits = .render, interval: Double = 15, journalHolds: Bool = true) {
        self.environment = environment
        self.catalog = catalog
        self.identity = identity
        self.dryRun = dryRun
        self.limits = limits
        self.interval = interval
        self.journalHolds = journalHolds
        var managed: [Managed] = []
        var skipped: [(String, String)] = []
        for service in environment.services {
            guard let scaling = service.scaling, service.type.isScalable else { continue }
            if scaling.isRenderNative {
                skipped.append((service.name, "render-native: Render's own autoscaler moves it"))
            } else if let policy = policies[scaling.policy] {
                managed.append(Managed(spec: service, policy: policy))
            } else {
                skipped.append((service.name, "scale policy '\(scaling.policy)' was not found"))
            }
        }
        self.managed = managed
        self.skipped = skipped
    }

    /// Redis keys of this environment: `ballast:<project>:<environment>:<what>`.
    public func redisKey(_ what: String) -> String {
        "ballast:\(environment.project):\(environment.environment):\(what)"
    }

    /// Seconds the leader lease lasts: three intervals, at least 5 s.
    public var leaseTTL: Double { max(5, interval * 3) }

    /// `hostname-pid-random`, unique per process.
    public static func defaultIdentity() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(random)"
    }
}
