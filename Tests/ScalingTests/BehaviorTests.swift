import Blueprint
import Foundation
import Testing
@testable import Scaling

/// Kubernetes' `horizontal_test.go` behaviour cases: rate policies (TestScalingWithRules,
/// TestCalculateScale{Up,Down}Limit…), stabilization (TestNormalizeDesiredReplicasWithBehavior,
/// TestNormalizeDesiredReplicas) and whole decisions with an invalid metric.

/// `generateScalingRules(pods, podsPeriod, percent, percentPeriod, stabilization)`.
func rules(_ pods: Int, _ podsPeriod: Double, _ percent: Int, _ percentPeriod: Double, _ window: Double) -> ScalingRules {
    var policies: [RatePolicy] = []
    if pods != 0 { policies.append(RatePolicy(type: .instances, value: pods, period: podsPeriod)) }
    if percent != 0 { policies.append(RatePolicy(type: .percent, value: percent, period: percentPeriod)) }
    return ScalingRules(stabilization: window, policies: policies)
}

/// `generateEventsUniformDistribution`: events spread over the last `period` seconds, oldest first.
func uniformEvents(_ changes: [Int], period: Double, sign: Int) -> [ScalingHistory.ScaleEvent] {
    let segment = period / Double(changes.count)
    return changes.enumerated().map { index, change in
        let ago = period - segment * Double(index + 1) + segment / 2
        return ScalingHistory.ScaleEvent(at: t0.addingTimeInterval(-ago), change: sign * change)
    }
}

struct RateCase: CustomTestStringConvertible, Sendable {
    var name: String
    var up: [Int] = []
    var down: [Int] = []
    var min: Int
    var max: Int
    var upRules: ScalingRules? = nil
    var downRules: ScalingRules? = nil
    var current: Int
    var desired: Int
    var expected: Int
    var condition: String
    var testDescription: String { name }
}

let rateCases: [RateCase] = [
    .init(name: "prenormalized desired replicas within range", min: 3, max: 8, current: 5, desired: 7, expected: 7, condition: "DesiredWithinRange"),
    .init(name: "prenormalized desired replicas < minReplicas", min: 2, max: 8, current: 3, desired: 1, expected: 2, condition: "TooFewReplicas"),
    .init(name: "desired replicas within range when minReplicas is 0", min: 0, max: 10, current: 1, desired: 0, expected: 0, condition: "DesiredWithinRange"),
    .init(name: "maxReplicas is the limit because maxReplicas < scaleUpLimit", min: 1, max: 10, current: 20, desired: 1000, expected: 10, condition: "TooManyReplicas"),
    .init(name: "desired replica count is more than the maximum replica count", min: 100, max: 150, current: 100, desired: 1000, expected: 150, condition: "TooManyReplicas"),
    .init(name: "scaleUpLimit with user policies", min: 1, max: 2000, upRules: rules(0, 0, 1, 60, 0), current: 3, desired: 1000, expected: 4, condition: "ScaleUpLimit"),
    .init(name: "scaleDownLimit with user defined policies", min: 3, max: 2000, downRules: rules(20, 60, 0, 0, 0), current: 1000, desired: 3, expected: 980, condition: "ScaleDownLimit"),
    .init(name: "scaleUp with default behavior", min: 1, max: 1000, current: 10, desired: 50, expected: 20, condition: "ScaleUpLimit"),
    .init(name: "scaleUp with pods policy larger than percent policy", min: 1, max: 1000, upRules: rules(100, 60, 100, 60, 0), current: 10, desired: 500, expected: 110, condition: "ScaleUpLimit"),
    .init(name: "scaleUp with percent policy larger than pods policy", min: 1, max: 1000, upRules: rules(2, 60, 100, 60, 0), current: 10, desired: 500, expected: 20, condition: "ScaleUpLimit"),
    .init(name: "scaleUp with spec MaxReplicas limitation with large pod policy", min: 1, max: 1000, upRules: rules(100, 60, 0, 0, 0), current: 10, desired: 50, expected: 50, condition: "DesiredWithinRange"),
    .init(name: "scaleUp with spec MaxReplicas limitation with large percent policy", min: 1, max: 1000, upRules: rules(10000, 60, 0, 0, 0), current: 10, desired: 50, expected: 50, condition: "DesiredWithinRange"),
    .init(name: "scaleUp with pod policy limitation", min: 1, max: 1000, upRules: rules(30, 60, 0, 0, 0), current: 10, desired: 50, expected: 40, condition: "ScaleUpLimit"),
    .init(name: "scaleUp with percent policy limitation", min: 1, max: 1000, upRules: rules(0, 0, 200, 60, 0), current: 10, desired: 50, expected: 30, condition: "ScaleUpLimit"),
    .init(name: "scaleDown with percent policy larger than pod policy", min: 1, max: 1000, downRules: rules(20, 60, 1, 60, 300), current: 100, desired: 2, expected: 80, condition: "ScaleDownLimit"),
    .init(name: "scaleDown with pod policy larger than percent policy", min: 1, max: 1000, downRules: rules(2, 60, 1, 60, 300), current: 100, desired: 2, expected: 98, condition: "ScaleDownLimit"),
    .init(name: "scaleDown with spec MinReplicas=nil limitation with large pod policy", min: 1, max: 1000, downRules: rules(100, 60, 0, 0, 300), current: 10, desired: 0, expected: 1, condition: "TooFewReplicas"),
    .init(name: "scaleDown with spec MinReplicas limitation with large percent policy", min: 5, max: 1000, downRules: rules(0, 0, 100, 60, 300), current: 10, desired: 2, expected: 5, condition: "TooFewReplicas"),
    .init(name: "scaleDown with pod policy limitation", min: 1, max: 1000, downRules: rules(5, 60, 0, 0, 300), current: 10, desired: 2, expected: 5, condition: "ScaleDownLimit"),
    .init(name: "scaleDown with percent policy limitation", min: 1, max: 1000, downRules: rules(0, 0, 50, 60, 300), current: 10, desired: 5, expected: 5, condition: "DesiredWithinRange"),
    .init(name: "scaleUp MaxReplicas limitation with large pod policy and events", up: [1, 5, 9], min: 1, max: 200, upRules: rules(300, 60, 0, 0, 0), current: 100, desired: 500, expected: 200, condition: "TooManyReplicas"),
    .init(name: "scaleUp MaxReplicas limitation with large percent policy and events", up: [1, 5, 9], min: 1, max: 200, upRules: rules(0, 0, 10000, 60, 0), current: 100, desired: 500, expected: 200, condition: "TooManyReplicas"),
    .init(name: "scaleUp limited to current after a lot of recent scale up events", up: [1, 5, 9], min: 1, max: 1000, upRules: rules(5, 120, 0, 0, 0), current: 100, desired: 500, expected: 100, condition: "ScaleUpLimit"),
    .init(name: "scaleUp with pod policy and previous scale up events", up: [1, 5, 9], min: 1, max: 1000, upRules: rules(150, 120, 0, 0, 0), current: 100, desired: 500, expected: 235, condition: "ScaleUpLimit"),
    .init(name: "scaleUp with percent policy and previous scale up events", up: [1, 5, 9], min: 1, max: 1000, upRules: rules(0, 0, 200, 120, 0), current: 100, desired: 500, expected: 255, condition: "ScaleUpLimit"),
    .init(name: "scaleUp with percent policy and previous scale up and down events", up: [4], down: [2], min: 1, max: 1000, upRules: rules(0, 0, 300, 300, 0), current: 6, desired: 24, expected: 16, condition: "ScaleUpLimit"),
    .init(name: "scaleDown with default policy and previous events", down: [1, 5, 9], min: 1, max: 1000, current: 10, desired: 5, expected: 5, condition: "DesiredWithinRange"),
    .init(name: "scaleDown MinReplicas=nil limitation with large pod policy and previous events", down: [1, 5, 9], min: 1, max: 1000, downRules: rules(115, 120, 0, 0, 300), current: 100, desired: 0, expected: 1, condition: "TooFewReplicas"),
    .init(name: "scaleDown MinReplicas limitation with large pod policy and previous events", down: [1, 5, 9], min: 5, max: 1000, downRules: rules(130, 120, 0, 0, 300), current: 100, desired: 0, expected: 5, condition: "TooFewReplicas"),
    .init(name: "scaleDown MinReplicas limitation with large percent policy and previous events", down: [1, 5, 9], min: 5, max: 1000, downRules: rules(0, 0, 100, 120, 300), current: 100, desired: 2, expected: 5, condition: "TooFewReplicas"),
    .init(name: "scaleDown with pod policy limitation and previous events", down: [1, 5, 9], min: 1, max: 1000, downRules: rules(5, 120, 0, 0, 300), current: 100, desired: 2, expected: 100, condition: "ScaleDownLimit"),
    .init(name: "scaleDown with percent policy limitation and previous events", down: [2, 4, 6], min: 1, max: 1000, downRules: rules(0, 0, 50, 120, 300), current: 100, desired: 0, expected: 56, condition: "ScaleDownLimit"),
    .init(name: "scaleDown with percent policy and previous scale up and down events", up: [2], down: [4], min: 1, max: 1000, downRules: rules(0, 0, 50, 180, 0), current: 10, desired: 1, expected: 6, condition: "ScaleDownLimit"),
    .init(name: "scaleDown with previous events preventing further scale down", down: [10, 10, 10], min: 1, max: 1000, downRules: rules(0, 0, 10, 120, 300), current: 100, desired: 0, expected: 100, condition: "ScaleDownLimit"),
    .init(name: "scaleDown with previous events still allowing more scale down", down: [10, 10, 10], min: 1, max: 1000, downRules: rules(0, 0, 1000, 120, 300), current: 10, desired: 5, expected: 5, condition: "DesiredWithinRange"),
    .init(name: "'outdated' events for one behavior for up", up: [8, 12, 9, 11], min: 1, max: 1000, upRules: rules(1000, 60, 0, 0, 0), current: 100, desired: 200, expected: 200, condition: "DesiredWithinRange"),
    .init(name: "events not 'outdated' for two policies for up", up: [8, 12, 9, 11], min: 1, max: 1000, upRules: rules(1000, 120, 100, 60, 0), current: 100, desired: 200, expected: 200, condition: "DesiredWithinRange"),
    .init(name: "events 'outdated' for two policies for up", up: [8, 12, 9, 11], min: 1, max: 1000, upRules: rules(1000, 30, 100, 60, 0), current: 100, desired: 200, expected: 200, condition: "DesiredWithinRange"),
    .init(name: "'outdated' events for one behavior for down", down: [8, 12, 9, 11], min: 1, max: 1000, downRules: rules(1000, 60, 0, 0, 300), current: 100, desired: 5, expected: 5, condition: "DesiredWithinRange"),
    .init(name: "events not 'outdated' for two policies for down", down: [8, 12, 9, 11], min: 1, max: 1000, downRules: rules(1000, 120, 100, 60, 300), current: 100, desired: 5, expected: 5, condition: "DesiredWithinRange"),
    .init(name: "events 'outdated' for two policies for down", down: [8, 12, 9, 11], min: 1, max: 1000, downRules: rules(1000, 30, 100, 60, 300), current: 100, desired: 5, expected: 5, condition: "DesiredWithinRange"),
]

@Test(arguments: rateCases)
func scalingWithRules(_ c: RateCase) {
    let events = (uniformEvents(c.up, period: 120, sign: 1) + uniformEvents(c.down, period: 120, sign: -1)).sorted { $0.at < $1.at }
    let (replicas, reason) = Behavior.limit(desired: c.desired, current: c.current, min: c.min, max: c.max, events: events, now: t0,
                                            up: c.upRules ?? .defaultScaleUp, down: c.downRules ?? .defaultScaleDown)
    #expect(replicas == c.expected)
    #expect(reason.code == c.condition)
}

@Test func scaleLimitsWithSelectMin() {
    var up = rules(2, 60, 50, 60, 300)
    up.select = .min
    #expect(Behavior.scaleUpLimit(current: 1, events: [], now: t0, rules: up) == 2)
    var down = rules(2, 60, 50, 60, 300)
    down.select = .min
    #expect(Behavior.scaleDownLimit(current: 5, events: [], now: t0, rules: down) == 3)
}

@Test func disabledDirectionHolds() {
    var down = ScalingRules.defaultScaleDown
    down.select = .disabled
    let (replicas, reason) = Behavior.limit(desired: 2, current: 5, min: 1, max: 10, events: [], now: t0, up: .defaultScaleUp, down: down)
    #expect(replicas == 5)
    #expect(reason.code == "ScaleDownLimit")
    #expect(reason.message.contains("disabled"))
}

struct StabilizationCase: CustomTestStringConvertible, Sendable {
    var name: String
    var recommendations: [(Int, Double)]   // instances, minutes ago
    var current: Int
    var desired: Int
    var expected: Int
    var upWindow: Double = 0
    var downWindow: Double = 0
    var testDescription: String { name }
}

let stabilizationCases: [StabilizationCase] = [
    .init(name: "empty recommendations for scaling down", recommendations: [], current: 100, desired: 5, expected: 5),
    .init(name: "simple scale down stabilization", recommendations: [(4, 2), (5, 1)], current: 100, desired: 3, expected: 5, downWindow: 180),
    .init(name: "simple scale up stabilization", recommendations: [(4, 2), (5, 1)], current: 1, desired: 7, expected: 4, upWindow: 300),
    .init(name: "no scale down stabilization", recommendations: [(1, 2), (2, 1)], current: 100, desired: 3, expected: 3, upWindow: 300),
    .init(name: "no scale up stabilization", recommendations: [(4, 2), (5, 1)], current: 1, desired: 3, expected: 3, downWindow: 300),
    .init(name: "no scale down stabilization, old recommendations", recommendations: [(10, 10), (9, 9)], current: 100, desired: 3, expected: 3),
    .init(name: "no scale up stabilization, old recommendations", recommendations: [(10, 10), (9, 9)], current: 1, desired: 100, expected: 100),
    .init(name: "scale down stabilization among obsolete recommendations", recommendations: [(10, 10), (4, 1), (5, 2), (9, 9)], current: 100, desired: 3, expected: 5, downWindow: 180),
    .init(name: "scale up stabilization among obsolete recommendations", recommendations: [(10, 100), (6, 1), (5, 2), (9, 3)], current: 1, desired: 100, expected: 5, upWindow: 300),
    .init(name: "do not scale up when prenormalized rec goes down", recommendations: [(2, 100), (3, 3)], current: 2, desired: 1, expected: 2, upWindow: 300, downWindow: 300),
    .init(name: "do not scale down when prenormalized rec goes up", recommendations: [(2, 100), (1, 3)], current: 2, desired: 3, expected: 2, upWindow: 300, downWindow: 300),
    // TestNormalizeDesiredReplicas (no behaviour: a 5-minute downscale window only).
    .init(name: "legacy stabilize", recommendations: [(4, 2), (5, 1)], current: 100, desired: 3, expected: 5, downWindow: 300),
    .init(name: "legacy no stabilize", recommendations: [(1, 2), (2, 1)], current: 100, desired: 3, expected: 3, downWindow: 300),
    .init(name: "legacy no stabilize, old recommendations", recommendations: [(10, 10), (9, 9)], current: 100, desired: 3, expected: 3, downWindow: 300),
    .init(name: "legacy stabilize, old recommendations", recommendations: [(10, 10), (4, 1), (5, 2), (9, 9)], current: 100, desired: 3, expected: 5, downWindow: 300),
]

@Test(arguments: stabilizationCases)
func stabilization(_ c: StabilizationCase) {
    let history = c.recommendations.map { ScalingHistory.Recommendation(at: t0.addingTimeInterval(-$0.1 * 60), instances: $0.0) }
        .sorted { $0.at < $1.at }
    let (replicas, _) = Behavior.stabilize(desired: c.desired, current: c.current, recommendations: history, now: t0,
                                           up: ScalingRules(stabilization: c.upWindow, policies: []),
                                           down: ScalingRules(stabilization: c.downWindow, policies: []))
    #expect(replicas == c.expected)
}

// TestScaleUpOneMetricEmpty / TestNoScaleDownOneMetricEmpty / TestNoScaleDownOneMetricInvalid.
let cpuAndQPS = mustPolicy("""
    name: two-metrics
    rules:
      - { metric: cpu, target: 30% }
      - { metric: qps, target: 100 }
    """)

@Test func scaleUpWithOneMetricUnavailable() {
    let d = decide(cpuAndQPS, current: 3, min: 2, max: 6, metrics: ["cpu": cpu([300, 400, 500]), "qps": .unavailable("something went wrong")])
    #expect(d.desired == 4)
    #expect(d.action == .scaleUp)
    #expect(d.proposals[1].instances == nil)
    #expect(d.proposals[1].reason == "qps unavailable: something went wrong")
}

@Test func noScaleDownWithOneMetricUnavailable() {
    let policy = mustPolicy("""
        name: two-metrics
        rules:
          - { metric: cpu, target: 50% }
          - { metric: qps, target: 1 }
        """)
    let d = decide(policy, current: 5, min: 2, max: 6, metrics: ["cpu": cpu([100, 300, 500, 250, 250])])
    #expect(d.proposals[0].instances == 3)
    #expect(d.desired == 5)
    #expect(d.action == .hold)
    #expect(d.reasonCodes == ["ScaleDownBlocked"])
    #expect(d.recommendation == nil, "nothing is stored for stabilization when metrics fail, as in Kubernetes")
}

@Test func stabilizationThroughTheEngine() {
    let policy = mustPolicy("name: cpu\nrules: [ { metric: cpu, target: 50% } ]")
    var history = ScalingHistory.starting(current: 5, at: at(-120))
    let d = decide(policy, current: 5, metrics: ["cpu": cpu([100, 300, 500, 250, 250])], history: history)
    #expect(d.desired == 5)
    #expect(d.reasonCodes == ["Proposal", "ScaleDownStabilized", "DesiredWithinRange"])
    history.record(d, at: t0)
    #expect(history.recommendations.map(\.instances) == [5, 3])
    // 301 s after the initial recommendation of 5, only the 3 recorded at t0 is left in the window.
    let later = decide(policy, current: 5, metrics: ["cpu": cpu([100, 300, 500, 250, 250])], now: at(181), history: history)
    #expect(later.desired == 3)
    #expect(later.action == .scaleDown)
}

@Test func rateLimitThroughTheEngineCountsStoredEvents() {
    let policy = mustPolicy("name: cpu\nrules: [ { metric: cpu, target: 30% } ]")
    let history = ScalingHistory(events: [.init(at: at(-10), change: 2)])
    let d = decide(policy, current: 3, metrics: ["cpu": cpu([900, 900, 900])], history: history)
    // Wanted ceil(3 × 3) = 9; 15 s ago there was 1: 1 + 4 = 5, or 100 % = 2; the larger is 5.
    #expect(d.proposals[0].instances == 9)
    #expect(d.desired == 5)
    #expect(d.reasonCodes.last == "ScaleUpLimit")
}
