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

    /// A sentence made when it is read: the engine captures the numbers and formats nothing on the
    /// hot path (a tick of 1,000 services must stay well under 5 ms).
    public typealias Message = @Sendable () -> String

    /// One step of the explanation: a stable code and a sentence with the numbers.
    public struct Reason: Sendable, Equatable, Codable, CustomStringConvertible {
        public var code: String { didSet { known = nil } }
        private var text: Text
        /// `code` as the engine made it (nil for a reason decoded, built from a string or changed).
        private var known: ReasonCode?

        public init(_ code: ReasonCode, _ message: @autoclosure @escaping Message) {
            self.code = code.rawValue
            self.text = .lazy(message)
            self.known = code
        }

        public init(code: String, message: String) {
            self.code = code
            self.text = .lazy({ message })
            self.known = nil
        }

        /// A reason whose sentence is made from its numbers when read (the hot path: no allocation).
        init(_ code: ReasonCode, _ text: Text) {
            self.code = code.rawValue
            self.text = text
            self.known = code
        }

        public var message: String { text.render() }
        public var description: String { "\(code): \(message)" }

        /// `code == code.rawValue` (for the engine's own reasons, without comparing strings).
        func has(_ code: ReasonCode) -> Bool {
            if let known { return known == code }
            return self.code == code.rawValue
        }

        public static func == (a: Reason, b: Reason) -> Bool { a.code == b.code && a.message == b.message }

        enum CodingKeys: String, CodingKey { case code, message }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(code: try c.decode(String.self, forKey: .code), message: try c.decode(String.self, forKey: .message))
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(code, forKey: .code)
            try c.encode(message, forKey: .message)
        }
    }

    /// What one rule proposed (`instances == nil`: it abstained or its metric was unavailable).
    public struct Proposal: Sendable, Equatable, Codable, CustomStringConvertible {
        public var rule: String
        public var instances: Int?
        private var text: Text

        public init(rule: String, instances: Int?, reason: @autoclosure @escaping Message) {
            self.rule = rule
            self.instances = instances
            self.text = .lazy(reason)
        }

        init(rule: String, instances: Int?, lazy: @escaping Message) {
            self.rule = rule
            self.instances = instances
            self.text = .lazy(lazy)
        }

        init(rule: String, instances: Int?, text: Text) {
            self.rule = rule
            self.instances = instances
            self.text = text
        }

        public var reason: String { text.render() }
        public var description: String { "\(rule): \(instances.map(String.init) ?? "-") (\(reason))" }

        public static func == (a: Proposal, b: Proposal) -> Bool { a.rule == b.rule && a.instances == b.instances && a.reason == b.reason }

        enum CodingKeys: String, CodingKey { case rule, instances, reason }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let reason = try c.decode(String.self, forKey: .reason)
            self.init(rule: try c.decode(String.self, forKey: .rule), instances: try c.decodeIfPresent(Int.self, forKey: .instances), lazy: { reason })
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(rule, forKey: .rule)
            try c.encode(instances, forKey: .instances)
            try c.encode(reason, forKey: .reason)
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
    public var observation: MetricValues?
    /// Consecutive failed reads per metric after this tick (only metrics with failures).
    public var failures: [String: Int]
    /// How far back the history must reach for this policy, in seconds.
    public var historyWindow: Double
    /// How far back the recommendations must reach, when less than ``historyWindow``: the longer of
    /// the stabilization windows, the only ones that read them (nil: ``historyWindow``).
    var recommendationWindow: Double? = nil
    /// The bounds in force after schedules.
    public var min: Int
    public var max: Int
    /// This tick's reading for the policy's `forecast` to remember; nil when the policy has none.
    public var forecastSample: ForecastSample?
    /// This tick's reading for the policy's `lookahead` to remember; nil when the policy has none.
    public var lookaheadSample: LookaheadSample?
    /// The conditions of the policy's sustained threshold rules, whose runs
    /// ``ScalingHistory/record(_:at:applied:)`` keeps (``ScalingHistory/runs``).
    public var sustainedConditions: [ScaleCondition] { Array(Self.sustainedConditions(of: rules)) }
    /// The policy's rules (a reference to its array, not a copy): where ``sustainedConditions`` come from.
    var rules: [ScaleRule]

    static func sustainedConditions(of rules: [ScaleRule]) -> some Collection<ScaleCondition> {
        rules.lazy.compactMap { rule -> ThresholdRule? in
            if case .threshold(let threshold) = rule.kind, threshold.sustain > 0 { return threshold }
            return nil
        }.map(\.condition)
    }

    /// The codes of ``reasons``, for tests and logs.
    public var reasonCodes: [String] { reasons.map(\.code) }

    public func hasReason(_ code: ReasonCode) -> Bool {
        reasons.contains { $0.code == code.rawValue }
    }
}

// The initializers live in an extension so that the struct keeps its memberwise initializer, which
// the engine's `finish` uses: it stores each field straight into the result (an initializer
// written out builds the value aside, then copies it, retaining every part, and destroys the original).
extension Decision {
    public init(desired: Int, current: Int, reasons: [Reason], proposals: [Proposal], recommendation: Int?,
                observation: MetricValues? = nil, failures: [String: Int] = [:], historyWindow: Double = 0,
                min: Int, max: Int) {
        self.init(desired: desired, current: current, action: Action(desired: desired, current: current), reasons: reasons,
                  proposals: proposals, recommendation: recommendation, observation: observation, failures: failures,
                  historyWindow: historyWindow, min: min, max: max, forecastSample: nil, lookaheadSample: nil, rules: [])
    }
}

extension Decision.Action {
    /// The direction from `current` to `desired`.
    init(desired: Int, current: Int) {
        self = desired > current ? .scaleUp : desired < current ? .scaleDown : .hold
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
    /// The policy's seasonal forecast proposed the winning count.
    case forecastFloor = "ForecastFloor"
    /// The policy's trend look-ahead proposed the winning count.
    case trendLookahead = "TrendLookahead"
    case scheduleCeiling = "ScheduleCeiling"
    case scaleToZero = "ScaleToZero"
    case scaledToZero = "ScaledToZero"
    case activation = "Activation"
}
