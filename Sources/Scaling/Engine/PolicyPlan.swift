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

    /// A rule's numbers: plain values, read without retaining anything (its strings are in
    /// ``PolicyPlan/texts``).
    struct Rule: Sendable {
        var kind: Kind
        /// Index into ``PolicyPlan/metrics`` (target rules) or ``PolicyPlan/thresholds`` (threshold rules).
        var metric: Int
        var target: Double
        var tolerance: Tolerance
    }

    /// What the plan was made from (see ``fits(_:)``).
    /// The policy planned (a reference to its parts): a copy of it fits without a comparison.
    let source: ScalePolicy
    var policyName: String { source.name }
    var sourceRules: [ScaleRule] { source.rules }
    let upTolerance: Double?
    let downTolerance: Double?
    /// The policy's behaviour in each direction (stabilization, rate limits), which the engine
    /// reads from here: a copy out of the input's policy retains its parts.
    let scaleUp: ScalingRules
    let scaleDown: ScalingRules
    /// The longest of the behaviours' windows and the sustained rules' `for:` (``longestWindow(_:scaleToZero:)``
    /// without scale to zero's idle period).
    let behaviorWindow: Double
    let queueMetricName: String?
    let activeMetricName: String?
    /// What a decision hands the history's series (``QueueingTarget/seriesSample(lookahead:queueing:lookaheadReading:queueingReading:)``
    /// of the policy): its metric (nil when the policy keeps none), how long it is kept, and whether
    /// it is the look-ahead's reading (else the queueing target's). It depends on the metrics below
    /// and the look-ahead's window and the queueing target's retention, which ``fits(_:)`` compares.
    let seriesMetric: String?
    let seriesWindow: Double
    let seriesFromLookahead: Bool
    /// The policy's look-ahead (its sentences show its parameters: ``LookaheadNote``).
    let lookahead: ScaleLookahead?
    private let queueingRetention: Double?
    /// The metrics of the queueing target and the forecast (nil without one).
    let queueingMetricName: String?
    let forecastMetricName: String?
    /// Every metric the rules and scale to zero read, each once, in the order the rules first read
    /// them (the order of a decision's summaries and so of its observation).
    let metrics: [String]
    /// ``metrics``, then the queueing target's, the look-ahead's and the forecast's metrics when
    /// they are not among them: every metric a decision reads, each read once (``read(_:into:)``).
    let readNames: [String]
    /// The key of each of ``readNames`` (names whose keys differ are told apart without comparing them).
    let readKeys: [ObservedMetrics.NameKey]
    /// Index in ``readNames`` of the queueing target's, the look-ahead's and the forecast's metric (-1 without).
    let queueingMetric: Int
    let lookaheadMetric: Int
    let forecastMetric: Int
    let rules: [Rule]
    /// Each rule's strings, in rule order.
    struct RuleText: Sendable {
        var name: String
        /// The metric of a target rule ("" for threshold rules).
        var metric: String
    }
    let texts: [RuleText]
    /// Index in ``metrics`` of scale to zero's queue and active metrics (-1 without).
    let queueMetric: Int
    let activeMetric: Int
    /// The utilisation rules' metric indices in rule order: the first whose reading lists instances
    /// gives the ready count whole-value rules use.
    let utilizationMetrics: [Int]
    /// Every threshold rule, in rule order (read in place: a copy out of ``Rule/threshold`` retains its parts).
    let thresholds: [ThresholdRule]
    /// A threshold rule's condition over ``metrics`` indices, flattened in pre-order: `above` and
    /// `below` compare one metric's summary with `value`; `all` and `any` combine the subtrees
    /// that follow them, up to `size` nodes from themselves. Evaluating it reads plain numbers
    /// (the condition itself finds each metric by name and retains its parts).
    struct Test: Sendable {
        enum Op: UInt8, Sendable { case above, below, all, any }
        var op: Op
        var metric: Int
        var value: Double
        /// Nodes in this subtree, itself included.
        var size: Int
    }
    /// Every threshold rule's condition as ``Test``s, one after the other, in rule order.
    let tests: [Test]
    /// The `for:` of every threshold rule, in rule order (for the history's window).
    let sustains: [Double]
    /// Whether some threshold rule has a `for:` above zero (it needs earlier observations).
    let hasSustained: Bool

    init(_ policy: borrowing ScalePolicy) {
        source = copy policy
        upTolerance = policy.scaleUp.tolerance
        downTolerance = policy.scaleDown.tolerance
        scaleUp = policy.scaleUp
        scaleDown = policy.scaleDown
        queueMetricName = policy.scaleToZero?.queueMetric
        activeMetricName = policy.scaleToZero?.activeMetric
        let series = QueueingTarget.seriesSample(lookahead: policy.lookahead, queueing: policy.queueing, lookaheadReading: nil, queueingReading: { _ in nil })
        seriesMetric = series?.metric
        seriesWindow = series?.window ?? 0
        seriesFromLookahead = policy.lookahead != nil
        lookahead = policy.lookahead
        queueingRetention = policy.queueing?.retention
        queueingMetricName = policy.queueing?.metric
        forecastMetricName = policy.forecast?.metric
        var metrics: [String] = []
        metrics.reserveCapacity(policy.rules.count + 2)
        let defaultTolerance = Tolerance(up: policy.scaleUp.tolerance ?? Tolerance.hpaDefault.up,
                                         down: policy.scaleDown.tolerance ?? Tolerance.hpaDefault.down)
        let source = policy.rules
        // Each array is allocated once, at its size (a plan is made per call without a context).
        var rules: [Rule] = [], texts: [RuleText] = []
        rules.reserveCapacity(source.count)
        texts.reserveCapacity(source.count)
        var utilization: [Int] = []
        var sustains: [Double] = []
        var thresholds: [ThresholdRule] = []
        var tests: [Test] = []
        let thresholdCount = source.count { if case .threshold = $0.kind { true } else { false } }
        if thresholdCount > 0 {
            sustains.reserveCapacity(thresholdCount)
            thresholds.reserveCapacity(thresholdCount)
            var nodes = 0
            for rule in source { if case .threshold(let threshold) = rule.kind { nodes += Self.nodes(threshold.condition) } }
            tests.reserveCapacity(nodes)
        }
        for at in source.indices {
            let tolerance = source[at].tolerance ?? defaultTolerance
            switch source[at].kind {
            case .utilization(let metric, let target):
                let index = Self.index(metric, in: &metrics)
                utilization.append(index)
                rules.append(Rule(kind: .utilization, metric: index, target: target, tolerance: tolerance))
                texts.append(RuleText(name: source[at].name, metric: metric))
            case .value(let metric, let target):
                rules.append(Rule(kind: .value, metric: Self.index(metric, in: &metrics), target: target, tolerance: tolerance))
                texts.append(RuleText(name: source[at].name, metric: metric))
            case .perInstance(let metric, let target):
                rules.append(Rule(kind: .perInstance, metric: Self.index(metric, in: &metrics), target: target, tolerance: tolerance))
                texts.append(RuleText(name: source[at].name, metric: metric))
            case .threshold(let threshold):
                Self.flatten(threshold.condition, metrics: &metrics, into: &tests)
                sustains.append(threshold.sustain)
                rules.append(Rule(kind: .threshold, metric: thresholds.count, target: 0, tolerance: tolerance))
                texts.append(RuleText(name: source[at].name, metric: ""))
                thresholds.append(threshold)
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
        var readNames = metrics
        queueingMetric = queueingMetricName.map { Self.index($0, in: &readNames) } ?? -1
        lookaheadMetric = lookahead.map { Self.index($0.metric, in: &readNames) } ?? -1
        forecastMetric = forecastMetricName.map { Self.index($0, in: &readNames) } ?? -1
        self.readNames = readNames
        self.readKeys = readNames.map(ObservedMetrics.NameKey.init)
        self.rules = rules
        self.texts = texts
        self.utilizationMetrics = utilization
        self.sustains = sustains
        self.thresholds = thresholds
        self.tests = tests
        self.hasSustained = sustains.contains { $0 > 0 }
        var window = max(policy.scaleUp.stabilization, policy.scaleDown.stabilization)
        for rate in policy.scaleUp.policies { window = max(window, rate.period) }
        for rate in policy.scaleDown.policies { window = max(window, rate.period) }
        for sustain in sustains { window = max(window, sustain) }
        self.behaviorWindow = window
    }

    /// `name`'s index in `metrics`, added at the end when new.
    private static func index(_ name: String, in metrics: inout [String]) -> Int {
        if let found = metrics.firstIndex(of: name) { return found }
        metrics.append(name)
        return metrics.count - 1
    }

    /// Where threshold rule `threshold`'s condition starts in ``tests`` (each condition follows the
    /// previous one's nodes; a policy has a handful).
    func testRoot(_ threshold: Int) -> Int {
        var root = 0
        for _ in 0..<threshold { root += tests[root].size }
        return root
    }

    /// The nodes ``flatten(_:metrics:into:)`` makes of `condition`.
    private static func nodes(_ condition: ScaleCondition) -> Int {
        switch condition {
        case .above, .below: return 1
        case .all(let list), .any(let list): return list.reduce(1) { $0 + nodes($1) }
        }
    }

    /// Appends `condition` to `tests` in pre-order, and each metric it reads to `metrics` when new.
    private static func flatten(_ condition: ScaleCondition, metrics: inout [String], into tests: inout [Test]) {
        switch condition {
        case .above(let metric, let threshold):
            tests.append(Test(op: .above, metric: index(metric, in: &metrics), value: threshold.value, size: 1))
        case .below(let metric, let threshold):
            tests.append(Test(op: .below, metric: index(metric, in: &metrics), value: threshold.value, size: 1))
        case .all(let list), .any(let list):
            let at = tests.count
            let op: Test.Op
            if case .all = condition { op = .all } else { op = .any }
            tests.append(Test(op: op, metric: -1, value: 0, size: 1))
            for item in list { flatten(item, metrics: &metrics, into: &tests) }
            tests[at].size = tests.count - at
        }
    }

    /// Whether this plan is `policy`'s: the same rules (the same array, the usual case when a fleet
    /// shares a policy, or equal ones), behaviours, look-ahead, and the metrics of scale to zero, the
    /// queueing target and the forecast, and the queueing target's retention.
    func fits(_ policy: borrowing ScalePolicy) -> Bool {
        if policy.isCopy(of: source) { return true }
        guard Self.same(policy.scaleUp, scaleUp), Self.same(policy.scaleDown, scaleDown) else { return false }
        if let stz = policy.scaleToZero {
            guard stz.queueMetric == queueMetricName, stz.activeMetric == activeMetricName else { return false }
        } else if queueMetricName != nil {
            return false
        }
        guard policy.queueing?.metric == queueingMetricName, Self.same(policy.lookahead, lookahead),
              policy.forecast?.metric == forecastMetricName,
              policy.queueing?.retention == queueingRetention else { return false }
        let same = policy.rules.withUnsafeBufferPointer { given in
            sourceRules.withUnsafeBufferPointer { own in given.count == own.count && given.baseAddress == own.baseAddress }
        }
        return same || policy.rules == sourceRules
    }

    /// `a == b`, shared rate policies told equal without comparing them (the usual case: a
    /// fleet's services hold one policy's arrays).
    private static func same(_ a: borrowing ScalingRules, _ b: borrowing ScalingRules) -> Bool {
        guard a.stabilization == b.stabilization, a.select == b.select, a.tolerance == b.tolerance else { return false }
        let shared = a.policies.withUnsafeBufferPointer { x in
            b.policies.withUnsafeBufferPointer { y in x.count == y.count && x.baseAddress == y.baseAddress }
        }
        return shared || a.policies == b.policies
    }

    /// `a == b`, field by field (the derived `==` of two optionals copies both first).
    private static func same(_ a: borrowing ScaleLookahead?, _ b: borrowing ScaleLookahead?) -> Bool {
        switch (copy a, copy b) {
        case (nil, nil): return true
        case let (a?, b?): return a.metric == b.metric && a.perInstance == b.perInstance && a.horizon == b.horizon && a.window == b.window
        default: return false
        }
    }

    /// Fills `readings` (room for ``readNames``, every one absent: ``Reading/withBuffer(count:_:)``)
    /// with each metric's reading in `metrics`, summed once. Producers usually list the metrics in
    /// the order the policy reads them, so the entry at the same place is tried first.
    func read(_ metrics: borrowing ObservedMetrics, into readings: UnsafeMutableBufferPointer<Reading>) {
        guard let base = readings.baseAddress else { return }
        let names = readNames, keys = readKeys
        metrics.entries.withUnsafeBufferPointer { entries in
            metrics.samples.withUnsafeBufferPointer { samples in
                for index in names.indices {
                    if let found = ObservedMetrics.index(of: names[index], keys[index], in: entries, from: index) {
                        base[index] = Reading(entries.baseAddress! + found, samples: samples)
                    }
                }
            }
        }
    }

    /// ``ScalePolicy/needsObservations`` of a policy this plan fits.
    func needsObservations(_ policy: borrowing ScalePolicy) -> Bool {
        if let stz = policy.scaleToZero, stz.idleAfter > 0 { return true }
        return hasSustained
    }

    /// ``ScalePolicy/longestWindow`` of a policy this plan fits (the same `max`es, in the same order).
    func longestWindow(_ policy: borrowing ScalePolicy, scaleToZero: Bool = true) -> Double {
        if scaleToZero, let stz = policy.scaleToZero { return max(behaviorWindow, stz.idleAfter) }
        return behaviorWindow
    }
}
