import Blueprint
import Foundation

/// A scale policy's rules laid out for the engine's hot path, built once per policy (and kept by a
/// ``ScalingEngine/Context`` across the decisions of a tick): the metrics the rules and scale to
/// zero read as one list, each rule as its kind, the index of its metric in that list, its target
/// and its resolved tolerance.
///
/// A decision then looks each metric up in the input once, by index, instead of copying every
/// ``ScaleRule`` (its name, its kind's strings) out of the policy's array for every step. The plan
/// depends only on what ``fits(_:)`` compares: the rules, the directions' tolerances and scale to
/// zero's metric names; the engine reads everything else from the input's policy.
final class PolicyPlan: Sendable {
    enum Kind: Sendable { case utilization, value, perInstance, threshold }

    struct Rule: Sendable {
        var kind: Kind
        /// Index into ``PolicyPlan/metrics`` (target rules; -1 for threshold rules).
        var metric: Int
        var target: Double
        var tolerance: Tolerance
        var name: String
        var metricName: String
        var threshold: ThresholdRule?
    }

    /// What the plan was made from (see ``fits(_:)``).
    let policyName: String
    let sourceRules: [ScaleRule]
    let upTolerance: Double?
    let downTolerance: Double?
    let queueMetricName: String?
    let activeMetricName: String?
    /// Every metric the rules and scale to zero read, each once, in the order the rules first read
    /// them (the order of a decision's summaries and so of its observation).
    let metrics: [String]
    let rules: [Rule]
    /// Index in ``metrics`` of scale to zero's queue and active metrics (-1 without).
    let queueMetric: Int
    let activeMetric: Int
    /// The utilisation rules' metric indices in rule order: the first whose reading lists instances
    /// gives the ready count whole-value rules use.
    let utilizationMetrics: [Int]
    /// The `for:` of every threshold rule, in rule order (for the history's window).
    let sustains: [Double]
    /// Whether some threshold rule has a `for:` above zero (it needs earlier observations).
    let hasSustained: Bool

    init(_ policy: borrowing ScalePolicy) {
        policyName = policy.name
        sourceRules = policy.rules
        upTolerance = policy.scaleUp.tolerance
        downTolerance = policy.scaleDown.tolerance
        queueMetricName = policy.scaleToZero?.queueMetric
        activeMetricName = policy.scaleToZero?.activeMetric
        var metrics: [String] = []
        metrics.reserveCapacity(policy.rules.count + 2)
        let defaultTolerance = Tolerance(up: policy.scaleUp.tolerance ?? Tolerance.hpaDefault.up,
                                         down: policy.scaleDown.tolerance ?? Tolerance.hpaDefault.down)
        var rules: [Rule] = []
        var utilization: [Int] = []
        var sustains: [Double] = []
        rules.reserveCapacity(policy.rules.count)
        let source = policy.rules
        for at in source.indices {
            let tolerance = source[at].tolerance ?? defaultTolerance
            let name = source[at].name
            switch source[at].kind {
            case .utilization(let metric, let target):
                let index = Self.index(metric, in: &metrics)
                utilization.append(index)
                rules.append(Rule(kind: .utilization, metric: index, target: target, tolerance: tolerance, name: name, metricName: metric))
            case .value(let metric, let target):
                rules.append(Rule(kind: .value, metric: Self.index(metric, in: &metrics), target: target, tolerance: tolerance, name: name, metricName: metric))
            case .perInstance(let metric, let target):
                rules.append(Rule(kind: .perInstance, metric: Self.index(metric, in: &metrics), target: target, tolerance: tolerance, name: name, metricName: metric))
            case .threshold(let threshold):
                Self.visit(threshold.condition, in: &metrics)
                sustains.append(threshold.sustain)
                rules.append(Rule(kind: .threshold, metric: -1, target: 0, tolerance: tolerance, name: name, metricName: "", threshold: threshold))
            }
        }
        if let stz = policy.scaleToZero {
            queueMetric = Self.index(stz.queueMetric, in: &metrics)
            activeMetric = stz.activeMetric.map { Self.index($0, in: &metrics) } ?? -1
        } else {
            queueMetric = -1
            activeMetric = -1
        }
        self.metrics = metrics
        self.rules = rules
        self.utilizationMetrics = utilization
        self.sustains = sustains
        self.hasSustained = sustains.contains { $0 > 0 }
    }

    /// `name`'s index in `metrics`, added at the end when new.
    private static func index(_ name: String, in metrics: inout [String]) -> Int {
        if let found = metrics.firstIndex(of: name) { return found }
        metrics.append(name)
        return metrics.count - 1
    }

    /// Adds the metrics of `condition` (in order) to `metrics`.
    private static func visit(_ condition: ScaleCondition, in metrics: inout [String]) {
        switch condition {
        case .above(let metric, _), .below(let metric, _): _ = index(metric, in: &metrics)
        case .all(let list), .any(let list): for item in list { visit(item, in: &metrics) }
        }
    }

    /// Whether this plan is `policy`'s: the same rules (the same array, the usual case when a fleet
    /// shares a policy, or equal ones), tolerances and scale-to-zero metrics.
    func fits(_ policy: borrowing ScalePolicy) -> Bool {
        guard policy.scaleUp.tolerance == upTolerance, policy.scaleDown.tolerance == downTolerance else { return false }
        if let stz = policy.scaleToZero {
            guard stz.queueMetric == queueMetricName, stz.activeMetric == activeMetricName else { return false }
        } else if queueMetricName != nil {
            return false
        }
        let same = policy.rules.withUnsafeBufferPointer { given in
            sourceRules.withUnsafeBufferPointer { own in given.count == own.count && given.baseAddress == own.baseAddress }
        }
        return same || policy.rules == sourceRules
    }

    /// Initializes `readings` (room for ``metrics``) with each metric's reading in `metrics`, nil
    /// when absent. A handful of readings are walked once and matched by name, which is cheaper than
    /// hashing every name; a large dictionary is looked up name by name. (Either finds the same:
    /// keys are unique under `==`, which is what a look-up compares too.)
    func read(_ metrics: [String: ObservedMetric], into readings: UnsafeMutableBufferPointer<ObservedMetric?>) {
        guard let base = readings.baseAddress else { return }
        if metrics.count > 8 {
            for index in self.metrics.indices { (base + index).initialize(to: metrics[self.metrics[index]]) }
            return
        }
        base.initialize(repeating: nil, count: self.metrics.count)
        for (name, reading) in metrics {
            // Names of another length are told apart without comparing them.
            let length = name.utf8.count
            for index in self.metrics.indices where self.metrics[index].utf8.count == length && self.metrics[index] == name {
                base[index] = reading
                break
            }
        }
    }

    /// ``ScalePolicy/needsObservations`` of a policy this plan fits.
    func needsObservations(_ policy: borrowing ScalePolicy) -> Bool {
        if let stz = policy.scaleToZero, stz.idleAfter > 0 { return true }
        return hasSustained
    }

    /// ``ScalePolicy/longestWindow`` of a policy this plan fits, in the same order of `max`.
    func longestWindow(_ policy: borrowing ScalePolicy) -> Double {
        var window = max(policy.scaleUp.stabilization, policy.scaleDown.stabilization)
        for rate in policy.scaleUp.policies { window = max(window, rate.period) }
        for rate in policy.scaleDown.policies { window = max(window, rate.period) }
        for sustain in sustains { window = max(window, sustain) }
        if let stz = policy.scaleToZero { window = max(window, stz.idleAfter) }
        return window
    }
}
