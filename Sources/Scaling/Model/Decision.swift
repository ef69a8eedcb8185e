import Blueprint

/// What the engine decided for one service at one moment, with every reason.
///
/// `desired` is the count to run; `reasons` say, in order, what shaped it (HPA's vocabulary where
/// it applies: `ScaleUpLimit`, `TooManyReplicas`, `DesiredWithinRange`, `ScaleDownStabilized`, …;
/// ours beyond it: `BudgetLimited`, `ConnectionLimited`, `UpstreamLimited`, `ScheduleFloor`,
/// `ScaleToZero`, `Fallback`, `ScaleDownBlocked`, …). `proposals` list what every rule proposed.
///
/// - Important: the engine keeps no state. Store what the decision says to store with
///   ``ScalingHistory/record(_:at:applied:)`` (the controller in Redis, `simulate` in memory) and
///   hand the history back on the next call.
public struct Decision: Sendable, Equatable {
    public enum Action: String, Sendable, Equatable, Codable {
        case scaleUp = "scale_up"
        case scaleDown = "scale_down"
        case hold
    }

    /// One step of the explanation: a stable code and a sentence with the numbers.
    public struct Reason: Sendable, Equatable, Codable {
        public var code: String
        public var message: String

        public init(_ code: ReasonCode, _ message: String) {
            self.code = code.rawValue
            self.message = message
        }
    }

    /// What one rule proposed (`instances == nil`: it abstained or its metric was unavailable).
    public struct Proposal: Sendable, Equatable, Codable {
        public var rule: String
        public var instances: Int?
        public var reason: String

        public init(rule: String, instances: Int?, reason: String) {
            self.rule = rule
            self.instances = instances
            self.reason = reason
        }
    }

    public var desired: Int
    public var current: Int
    public var action: Action
    public var reasons: [Reason]
    public var proposals: [Proposal]

    /// The raw recommendation (largest proposal, before stabilization and limits) to remember for
    /// stabilization windows; nil when there is none to store (metrics unavailable, bounds forced).
    public var recommendation: Int?
    /// This tick's metric summaries to remember for sustained thresholds and idle periods; nil when
    /// the policy looks at no earlier readings.
    public var observation: [String: Double]?
    /// Consecutive failed reads per metric after this tick (only metrics with failures).
    public var failures: [String: Int]
    /// How far back the history must reach for this policy, in seconds.
    public var historyWindow: Double
    /// The bounds in force after schedules.
    public var min: Int
    public var max: Int

    public init(desired: Int, current: Int, reasons: [Reason], proposals: [Proposal], recommendation: Int?,
                observation: [String: Double]? = nil, failures: [String: Int] = [:], historyWindow: Double = 0,
                min: Int, max: Int) {
        self.desired = desired
        self.current = current
        self.action = desired > current ? .scaleUp : desired < current ? .scaleDown : .hold
        self.reasons = reasons
        self.proposals = proposals
        self.recommendation = recommendation
        self.observation = observation
        self.failures = failures
        self.historyWindow = historyWindow
        self.min = min
        self.max = max
    }

    /// The codes of ``reasons``, for tests and logs.
    public var reasonCodes: [String] { reasons.map(\.code) }

    public func hasReason(_ code: ReasonCode) -> Bool {
        reasons.contains { $0.code == code.rawValue }
    }
}

/// The codes a ``Decision/Reason`` can carry.
public enum ReasonCode: String, Sendable, CaseIterable {
    // Kubernetes HPA's vocabulary.
    case scaleUpLimit = "ScaleUpLimit"
    case scaleDownLimit = "ScaleDownLimit"
    case tooManyReplicas = "TooManyReplicas"
    case tooFewReplicas = "TooFewReplicas"
    case desiredWithinRange = "DesiredWithinRange"
    case scaleUpStabilized = "ScaleUpStabilized"
    case scaleDownStabilized = "ScaleDownStabilized"
    case withinTolerance = "WithinTolerance"
    case scalingDisabled = "ScalingDisabled"
    case currentAboveMax = "CurrentAboveMax"
    case currentBelowMin = "CurrentBelowMin"
    // Ours.
    case proposal = "Proposal"
    case noRuleFired = "NoRuleFired"
    case metricsUnavailable = "MetricsUnavailable"
    case scaleDownBlocked = "ScaleDownBlocked"
    case fallback = "Fallback"
    case budgetLimited = "BudgetLimited"
    case connectionLimited = "ConnectionLimited"
    case upstreamLimited = "UpstreamLimited"
    case scheduleFloor = "ScheduleFloor"
    case scheduleCeiling = "ScheduleCeiling"
    case scaleToZero = "ScaleToZero"
    case scaledToZero = "ScaledToZero"
    case activation = "Activation"
}
