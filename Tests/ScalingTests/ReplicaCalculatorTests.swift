import Blueprint
import Testing
@testable import Scaling

/// The numeric cases of Kubernetes' `replica_calculator_test.go`, translated to our readings.
/// Failed, deleted and pending pods are simply not listed (Kubernetes ignores them); "hot CPU"
/// pods inside the CPU initialization period are `ready: false`. Values are millicores against
/// requests of 1000m unless the case gives requests.
struct ReplicaCalculatorCase: CustomTestStringConvertible, Sendable {
    enum Target: Sendable {
        case utilization(Double)      // percent, over instances with limits
        case average(Double)          // plain target over instances (Pods metric)
        case value(Double)            // plain target over a total (Object/External Value)
        case perInstance(Double)      // AverageValue over a total
    }

    var name: String
    var current: Int
    var target: Target
    var metric: ObservedMetric
    var ready: Int? = nil
    var expected: Int

    var testDescription: String { name }

    var rule: ScaleRule {
        switch target {
        case .utilization(let p): return ScaleRule(name: "cpu", kind: .utilization(metric: "m", target: p / 100))
        case .average(let v): return ScaleRule(name: "qps", kind: .value(metric: "m", target: v))
        case .value(let v): return ScaleRule(name: "qps", kind: .value(metric: "m", target: v))
        case .perInstance(let v): return ScaleRule(name: "qps", kind: .perInstance(metric: "m", target: v))
        }
    }
}

let replicaCalculatorCases: [ReplicaCalculatorCase] = [
    // Resource utilisation (GetResourceReplicas).
    .init(name: "ScaleUp", current: 3, target: .utilization(30), metric: cpu([300, 500, 700]), expected: 5),
    .init(name: "ScaleUpUnreadyLessScale", current: 3, target: .utilization(30), metric: cpu([300, 500, 700], ready: [false, true, true]), expected: 4),
    .init(name: "ScaleUpHotCpuLessScale", current: 3, target: .utilization(30), metric: cpu([300, 500, 700], ready: [false, true, true]), expected: 4),
    .init(name: "ScaleUpUnreadyNoScale", current: 3, target: .utilization(30), metric: cpu([400, 500, 700], ready: [true, false, false]), expected: 3),
    .init(name: "ScaleHotCpuNoScale", current: 3, target: .utilization(30), metric: cpu([400, 500, 700], ready: [true, false, false]), expected: 3),
    .init(name: "ScaleUpIgnoresFailedPods", current: 2, target: .utilization(30), metric: cpu([500, 700]), expected: 4),
    .init(name: "ScaleUpIgnoresDeletionPods", current: 2, target: .utilization(30), metric: cpu([500, 700]), expected: 4),
    .init(name: "ScaleDown", current: 5, target: .utilization(50), metric: cpu([100, 300, 500, 250, 250]), expected: 3),
    .init(name: "ScaleDownIncludeUnreadyPods", current: 5, target: .utilization(50), metric: cpu([100, 300, 500, 250, 250], ready: [true, true, true, false, false]), expected: 2),
    .init(name: "ScaleDownExcludeUnscheduledPods", current: 5, target: .utilization(50), metric: cpu([100, nil, nil, nil, nil], ready: [true, false, false, false, false]), expected: 1),
    .init(name: "ScaleDownIgnoreHotCpuPods", current: 5, target: .utilization(50), metric: cpu([100, 300, 500, 250, 250], ready: [true, true, true, false, false]), expected: 2),
    .init(name: "ScaleDownIgnoresFailedPods", current: 5, target: .utilization(50), metric: cpu([100, 300, 500, 250, 250]), expected: 3),
    .init(name: "ScaleDownIgnoresDeletionPods", current: 5, target: .utilization(50), metric: cpu([100, 300, 500, 250, 250]), expected: 3),
    .init(name: "Tolerance", current: 3, target: .utilization(100), metric: cpu([1010, 1030, 1020], requests: [900, 1000, 1100]), expected: 3),
    .init(name: "SuperfluousMetrics", current: 4, target: .utilization(100), metric: cpu([4000, 9500, 3000, 7000]), expected: 24),
    .init(name: "MissingMetrics", current: 4, target: .utilization(100), metric: cpu([400, 95, nil, nil]), expected: 3),
    .init(name: "MissingMetricsNoChangeEq", current: 2, target: .utilization(100), metric: cpu([1000, nil]), expected: 2),
    .init(name: "MissingMetricsNoChangeGt", current: 2, target: .utilization(100), metric: cpu([1900, nil]), expected: 2),
    .init(name: "MissingMetricsNoChangeLt", current: 2, target: .utilization(100), metric: cpu([600, nil]), expected: 2),
    .init(name: "MissingMetricsUnreadyChange", current: 3, target: .utilization(50), metric: cpu([100, 450, nil], ready: [false, true, true]), expected: 3),
    .init(name: "MissingMetricsHotCpuNoChange", current: 3, target: .utilization(50), metric: cpu([100, 450, nil], ready: [false, true, true]), expected: 3),
    .init(name: "MissingMetricsUnreadyScaleUp", current: 3, target: .utilization(50), metric: cpu([100, 2000, nil], ready: [false, true, true]), expected: 4),
    .init(name: "MissingMetricsHotCpuScaleUp", current: 3, target: .utilization(50), metric: cpu([100, 2000, nil], ready: [false, true, true]), expected: 4),
    .init(name: "MissingMetricsUnreadyScaleDown", current: 4, target: .utilization(50), metric: cpu([100, 100, 100, nil], ready: [false, true, true, true]), expected: 3),
    .init(name: "DuringRollingUpdateWithMaxSurge", current: 2, target: .utilization(50), metric: cpu([100, 100, nil]), expected: 2),
    // Missing pods count at max(100 %, target) on a scale-down (the rule of ScaleDownTargetOver100).
    .init(name: "MissingMetricsScaleDownTargetOver100", current: 4, target: .utilization(300), metric: cpu([200, 100, nil, nil]), expected: 3),
    // TestReplicaCalcComputedToleranceAlgImplementation: 50 % used against targets just past and just inside 10 %.
    .init(name: "ComputedToleranceScales", current: 10, target: .utilization(56), metric: cpu(Array(repeating: 150, count: 10), requests: [400, 200, 310, 290, 302, 298, 301, 299, 300, 300]), expected: 9),
    .init(name: "ComputedToleranceHolds", current: 10, target: .utilization(55), metric: cpu(Array(repeating: 150, count: 10), requests: [400, 200, 310, 290, 302, 298, 301, 299, 300, 300]), expected: 10),

    // Pods metrics: a per-instance average (calcPlainMetricReplicas); readiness does not matter.
    .init(name: "ScaleUpCM", current: 3, target: .average(15000), metric: .instances([20000, 10000, 30000].map { InstanceSample($0) }), expected: 4),
    .init(name: "ScaleUpCMUnreadyHotCpuNoLessScale", current: 3, target: .average(15000), metric: .instances([InstanceSample(50000), InstanceSample(10000), InstanceSample(30000, ready: false)]), expected: 6),
    .init(name: "ScaleUpCMUnreadyHotCpuScaleWouldScaleDown", current: 3, target: .average(15000), metric: .instances([InstanceSample(50000, ready: false), InstanceSample(15000), InstanceSample(30000, ready: false)]), expected: 7),
    .init(name: "ScaleDownCM", current: 5, target: .average(20000), metric: .instances(Array(repeating: InstanceSample(12000), count: 5)), expected: 3),
    .init(name: "ToleranceCM", current: 3, target: .average(20000), metric: .instances([20000, 21000, 21000].map { InstanceSample($0) }), expected: 3),
    .init(name: "ScaleUpCMExternal", current: 1, target: .average(4400), metric: .instances([InstanceSample(8600)]), expected: 2),
    .init(name: "ScaleUpCMExternalNoLabels", current: 1, target: .average(4400), metric: .instances([InstanceSample(8600)]), expected: 2),

    // Object and External `Value` targets: ceil(value / target × ready instances).
    .init(name: "ScaleUpCMObject", current: 3, target: .value(15000), metric: .total(20000), expected: 4),
    .init(name: "ScaleUpCMObjectIgnoresUnreadyPods", current: 3, target: .value(10000), metric: .total(50000), ready: 1, expected: 5),
    .init(name: "ScaleUpCMExternalIgnoresUnreadyPods", current: 3, target: .value(4400), metric: .total(8600), ready: 1, expected: 2),
    .init(name: "ScaleDownCMObject", current: 5, target: .value(20000), metric: .total(12000), expected: 3),
    .init(name: "ScaleDownCMExternal", current: 5, target: .value(14334), metric: .total(8600), expected: 3),
    .init(name: "ToleranceCMObject", current: 3, target: .value(20000), metric: .total(20666), expected: 3),
    .init(name: "ToleranceCMExternal", current: 3, target: .value(8888), metric: .total(8600), expected: 3),

    // `AverageValue` (our perInstance): ceil(total / per instance) outside tolerance.
    .init(name: "ScaleUpCMPerPodObject", current: 3, target: .perInstance(5000), metric: .total(20000), expected: 4),
    .init(name: "ScaleUpPerPodCMExternal", current: 3, target: .perInstance(2150), metric: .total(8600), expected: 4),
    .init(name: "ScaleDownPerPodCMObject", current: 5, target: .perInstance(2000), metric: .total(6000), expected: 3),
    .init(name: "ScaleDownPerPodCMExternal", current: 5, target: .perInstance(2867), metric: .total(8600), expected: 3),
    .init(name: "TolerancePerPodCMObject", current: 4, target: .perInstance(5000), metric: .total(20166), expected: 4),
    .init(name: "TolerancePerPodCMExternal", current: 3, target: .perInstance(2900), metric: .total(8600), expected: 3),
    // KEDA's Redis list scaler as described in autoscalers.md §2: 23 jobs, listLength 5, 2 running.
    .init(name: "KEDARedisListLength", current: 2, target: .perInstance(5), metric: .total(23), expected: 5),
]

@Test(arguments: replicaCalculatorCases)
func replicaCalculator(_ c: ReplicaCalculatorCase) {
    let policy = ScalePolicy(name: "t", rules: [c.rule])
    let decision = decide(policy, current: c.current, metrics: ["m": c.metric], ready: c.ready)
    #expect(decision.proposals.count == 1)
    #expect(decision.proposals.first?.instances == c.expected, "\(decision.proposals.first?.reason ?? "")")
}

@Test func withinToleranceIsAReason() {
    let policy = ScalePolicy(name: "t", rules: [ScaleRule(name: "cpu", kind: .utilization(metric: "cpu", target: 1.0))])
    let decision = decide(policy, current: 3, metrics: ["cpu": cpu([1010, 1030, 1020], requests: [900, 1000, 1100])])
    #expect(decision.desired == 3)
    #expect(decision.action == .hold)
    #expect(decision.reasonCodes.first == "WithinTolerance")
    #expect(decision.proposals[0].reason.contains("102% of limit vs target 100%"))
}

@Test func unreadyInstancesAreExplained() {
    let policy = ScalePolicy(name: "t", rules: [ScaleRule(name: "cpu", kind: .utilization(metric: "cpu", target: 0.3))])
    let decision = decide(policy, current: 3, metrics: ["cpu": cpu([300, 500, 700], ready: [false, true, true])])
    #expect(decision.desired == 4)
    #expect(decision.proposals[0].reason.contains("1 unready counted at 0"))
    #expect(decision.reasonCodes == ["Proposal", "DesiredWithinRange"])
}

@Test func customToleranceAddsAnInstanceKubernetesWouldNot() {
    // kubernetes/kubernetes#116984: 4 tasks per pod, 41 tasks on 10 pods is within 10 %, not within 1 %.
    let loose = ScalePolicy(name: "t", rules: [ScaleRule(name: "tasks", kind: .perInstance(metric: "tasks", target: 4))])
    #expect(decide(loose, current: 10, metrics: ["tasks": .total(41)]).desired == 10)
    let tight = ScalePolicy(name: "t", rules: [ScaleRule(name: "tasks", kind: .perInstance(metric: "tasks", target: 4), tolerance: Tolerance(up: 0.01, down: 0.1))])
    #expect(decide(tight, current: 10, metrics: ["tasks": .total(41)]).desired == 11)
}

@Test func valueTargetFromZeroUsesCeilOfRatio() {
    let policy = ScalePolicy(name: "t", rules: [ScaleRule(name: "qps", kind: .value(metric: "qps", target: 100))])
    let decision = decide(policy, current: 0, min: 0, metrics: ["qps": .total(230)])
    #expect(decision.proposals.first?.instances == 3)
    #expect(decision.desired == 3)
}
