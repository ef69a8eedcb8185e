import Blueprint

extension Decision {
    /// The sentence of a reason or a proposal, made when it is read.
    ///
    /// The messages of the hot path (what every target rule, threshold and behaviour step says on
    /// an ordinary tick) are kept as their numbers and the plan they refer to (``RuleNote``,
    /// ``BehaviorNote``): storing one is a few plain stores and a retain, where a closure capturing
    /// the same numbers is an allocation. Rarer messages are closures (``lazy``).
    enum Text: Sendable {
        case lazy(Message)
        case rule(RuleNote)
        case behavior(BehaviorNote)
        case lookahead(LookaheadNote, PolicyPlan)

        func render() -> String {
            switch self {
            case .lazy(let message): return message()
            case .rule(let note): return note.render()
            case .behavior(let note): return note.render()
            case .lookahead(let note, let plan): return plan.lookahead.map(note.render) ?? ""
            }
        }
    }
}

/// Which sentence a rule's message is, and the numbers it shows.
struct NoteNumbers: Sendable {
    var kind: RuleNote.Kind
    var x = 0.0, y = 0.0, z = 0.0
    var m = 0, n = 0

    /// No sentence of its own (the outcome's closure says it).
    static let none = NoteNumbers(kind: .proposal)
}

/// A rule's message as numbers: which rule (an index into its ``PolicyPlan``), which sentence, and
/// the numbers the sentence shows.
struct RuleNote: Sendable {
    enum Kind: UInt8, Sendable {
        // Target rules (ReplicaCalculator): x = reading (utilisation %, average, total), y = target, z = ratio.
        case utilizationKeep, utilizationPropose
        case averageKeep, averagePropose
        case totalFromZero, totalKeep, totalPropose
        case perInstanceKeep, perInstancePropose
        // Threshold rules: values = this tick's summaries, x = seconds held, m = the step's target.
        case thresholdNotMet, thresholdStep, thresholdHeld, thresholdSoFar
        // The engine's own reasons: rule = the winner (``winnerForecast`` …), m = raw / current, n = proposals.
        case proposal, withinTolerance
    }

    /// The winner of a proposal that is not one of the plan's rules.
    static let winnerForecast = -1, winnerLookahead = -2, winnerQueueing = -3

    /// The sentence and its numbers: plain values, copied without retains.
    let numbers: NoteNumbers
    let plan: PolicyPlan
    /// Index into ``PolicyPlan/rules`` (or a `winner…` constant).
    let rule: Int
    /// This tick's summaries (threshold rules).
    let values: MetricValues?

    init(_ numbers: NoteNumbers, plan: PolicyPlan, rule: Int, values: MetricValues? = nil) {
        self.numbers = numbers
        self.plan = plan
        self.rule = rule
        self.values = values
    }

    /// The same sentences the engine's closures used to format, byte for byte.
    func render() -> String {
        let x = numbers.x, y = numbers.y, z = numbers.z, m = numbers.m, n = numbers.n
        switch numbers.kind {
        case .utilizationKeep:
            return "\(ReplicaCalculator.utilizationHead(metric, x, y)): ratio \(fmt(z)) within tolerance, keep \(m)"
        case .utilizationPropose:
            return "\(ReplicaCalculator.utilizationHead(metric, x, y)): ceil(\(fmt(z)) × \(m) ready) = \(n)"
        case .averageKeep:
            return "\(ReplicaCalculator.averageHead(metric, x, y)): ratio \(fmt(z)) within tolerance, keep \(m)"
        case .averagePropose:
            return "\(ReplicaCalculator.averageHead(metric, x, y)): ceil(\(fmt(z)) × \(m)) = \(n)"
        case .totalFromZero:
            return "\(ReplicaCalculator.totalHead(metric, x, y, percent: percent)) from zero: ceil(\(fmt(z))) = \(n)"
        case .totalKeep:
            return "\(ReplicaCalculator.totalHead(metric, x, y, percent: percent)): ratio \(fmt(z)) within tolerance, keep \(m)"
        case .totalPropose:
            return "\(ReplicaCalculator.totalHead(metric, x, y, percent: percent)): ceil(\(fmt(z)) × \(m) ready) = \(n)"
        case .perInstanceKeep:
            return "\(ReplicaCalculator.perInstanceHead(metric, x, y)): ratio \(fmt(z)) within tolerance, keep \(m)"
        case .perInstancePropose:
            return "\(ReplicaCalculator.perInstanceHead(metric, x, y)): ceil(\(fmt(x)) / \(fmt(y))) = \(n)"
        case .thresholdNotMet:
            return "\(thresholdReadings): \(threshold.condition.summary) not met"
        case .thresholdStep:
            return "\(thresholdReadings): \(threshold.condition.summary), step \(threshold.step) → \(m)"
        case .thresholdHeld:
            return "\(thresholdReadings): \(threshold.condition.summary) for \(ScalePolicy.formatDuration(x.rounded())) (≥ \(ScalePolicy.formatDuration(threshold.sustain))), step \(threshold.step) → \(m)"
        case .thresholdSoFar:
            return "\(thresholdReadings): \(threshold.condition.summary) for \(ScalePolicy.formatDuration(x.rounded())) of \(ScalePolicy.formatDuration(threshold.sustain)) so far"
        case .proposal:
            return "'\(winner)' proposes \(m)" + (n > 1 ? " (the largest of \(n) proposals)" : "")
        case .withinTolerance:
            return "'\(winner)' keeps \(m): within tolerance"
        }
    }

    private var metric: String { plan.texts[rule].metric }
    /// A utilisation rule's service-wide reading is shown as a percentage.
    private var percent: Bool { plan.rules[rule].kind == .utilization }

    /// The threshold rule a threshold sentence is about.
    private var threshold: ThresholdRule { plan.thresholds[plan.rules[rule].metric] }

    private var thresholdReadings: String {
        let summaries = values ?? MetricValues()
        return Thresholds.readings(threshold.condition, { summaries[$0] })
    }

    private var winner: String {
        switch rule {
        case Self.winnerForecast: return "forecast"
        case Self.winnerLookahead: return "lookahead"
        case Self.winnerQueueing: return "queueing"
        default: return plan.texts[rule].name
        }
    }
}

/// A behaviour step's message (stabilization, rate limits, the clamp) as numbers and the direction's rules.
struct BehaviorNote: Sendable {
    enum Kind: UInt8, Sendable {
        case scaleUpStabilized, scaleDownStabilized, scaleUpLimit, scaleDownLimit, tooManyReplicas, tooFewReplicas, desiredWithinRange
    }

    var kind: Kind
    /// The direction's rules (stabilization and rate limits only).
    var rules: ScalingRules?
    /// What was wanted, and the stabilized count, the limit or the bound that applied.
    var desired: Int
    var applied: Int
    /// The other bound (``Kind/desiredWithinRange``: the maximum).
    var upper = 0

    func render() -> String {
        switch kind {
        case .scaleUpStabilized:
            return "recommendations in the last \(ScalePolicy.formatDuration(rules!.stabilization)) were lower; applying the lowest, \(applied) instead of \(desired)"
        case .scaleDownStabilized:
            return "recommendations in the last \(ScalePolicy.formatDuration(rules!.stabilization)) were higher; applying the highest, \(applied) instead of \(desired)"
        case .scaleUpLimit:
            return "wanted \(desired) but " + (rules!.select == .disabled ? "scale-up is disabled (select: disabled)"
                : "the scale-up rate policies allow \(applied) now (\(Behavior.describe(rules!)))")
        case .scaleDownLimit:
            return "wanted \(desired) but " + (rules!.select == .disabled ? "scale-down is disabled (select: disabled)"
                : "the scale-down rate policies allow \(applied) now (\(Behavior.describe(rules!)))")
        case .tooManyReplicas:
            return "wanted \(desired), more than the maximum \(applied)"
        case .tooFewReplicas:
            return "wanted \(desired), fewer than the minimum \(applied)"
        case .desiredWithinRange:
            return "\(desired) is within [\(applied), \(upper)] and the rate limits"
        }
    }
}
