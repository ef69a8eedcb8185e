import Blueprint
import Foundation

/// A reproducible controller tick for benchmarks: `services` inputs with five rules each (CPU
/// utilisation over instances, backlog per instance, a sustained latency threshold, an `all`
/// scale-down condition, a queue-age rule), 5 minutes of 15-second history, schedules and caps.
///
/// ```swift
/// let tick = ScalingBenchmark.tick(services: 1000)
/// let start = ContinuousClock.now
/// var context = ScalingEngine.Context()   // one per tick, as the controller keeps it
/// for input in tick { _ = context.decide(input) }
/// print(ContinuousClock.now - start)   // the number DESIGN §10 bounds at 5 ms
/// ```
public enum ScalingBenchmark {
    public static let policy: ScalePolicy = {
        var policy = ScalePolicy(name: "benchmark", rules: [
            ScaleRule(name: "cpu target 70%", kind: .utilization(metric: "cpu", target: 0.7)),
            ScaleRule(name: "queue_depth per instance 100", kind: .perInstance(metric: "queue_depth", target: 100)),
            ScaleRule(name: "latency_p95 > 2s for 3m", kind: .threshold(ThresholdRule(
                condition: .above(metric: "latency_p95", ThresholdValue(2, unit: .seconds)), sustain: 180, step: .instances(1)))),
            ScaleRule(name: "quiet", kind: .threshold(ThresholdRule(
                condition: .all([.below(metric: "cpu", ThresholdValue(0.3, unit: .percent)), .below(metric: "memory", ThresholdValue(0.5, unit: .percent))]),
                sustain: 300, step: .instances(-1)))),
            ScaleRule(name: "queue_age above 1m", kind: .threshold(ThresholdRule(
                condition: .above(metric: "queue_age", ThresholdValue(60, unit: .seconds)), sustain: 0, step: .instances(1)))),
        ])
        policy.schedules = [ScaleSchedule(name: "business-hours", timeZone: TimeZone(identifier: "Europe/Berlin") ?? .gmt, days: 0b011_1110, from: 480, to: 1200, min: 2)]
        return policy
    }()

    /// One tick's inputs at `now`, deterministic for a given `services` count.
    public static func tick(services: Int, now: Date = Date(timeIntervalSince1970: 1_767_268_800)) -> [DecisionInput] {
        var inputs: [DecisionInput] = []
        inputs.reserveCapacity(services)
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Double {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(seed >> 11) / Double(1 << 53)
        }
        let sustained = policy.rules.compactMap { rule -> ScaleCondition? in
            if case .threshold(let threshold) = rule.kind, threshold.sustain > 0 { return threshold.condition }
            return nil
        }
        for _ in 0..<services {
            let current = 2 + Int(next() * 6)
            let load = next()
            var samples: [InstanceSample] = []
            for i in 0..<current {
                samples.append(InstanceSample(i == 0 && next() < 0.1 ? nil : load * (0.8 + 0.4 * next()), limit: 1, ready: next() > 0.05))
            }
            let latency = 0.5 + 3 * load
            let metrics: ObservedMetrics = [
                "cpu": .instances(samples),
                "memory": .total(0.3 + 0.5 * next()),
                "queue_depth": .total((load * 800).rounded()),
                "latency_p95": next() < 0.02 ? .unavailable("timeout") : .total(latency),
                "queue_age": .total(load * 90),
            ]
            var history = ScalingHistory()
            for k in stride(from: 300.0, to: 0, by: -15) {
                let at = now.addingTimeInterval(-k)
                history.recommendations.append(.init(at: at, instances: current + Int(next() * 3) - 1))
                history.observations.append(.init(at: at, values: ["cpu": load, "memory": 0.4, "latency_p95": latency * (0.9 + 0.2 * next()), "queue_age": load * 90]))
            }
            history.events = [.init(at: now.addingTimeInterval(-100), change: 1)]
            // As `ScalingHistory.record` leaves it: each sustained rule's run kept (see `SustainedRun`).
            history.trackRuns(of: sustained)
            let constraints = ScalingConstraints(
                budget: BudgetConstraint(monthlyLimit: 2000, pricePerInstance: 25, otherServices: 1700),
                connections: [ConnectionConstraint(datastore: "postgres", maxConnections: 200, perInstance: 10, otherServices: 60)])
            inputs.append(DecisionInput(now: now, current: current, min: 1, max: 20, policy: policy, metrics: metrics,
                                        history: history, constraints: constraints))
        }
        return inputs
    }
}
