import Blueprint
import Foundation

/// Threshold rules with sustain: a condition over metric summaries that must have held, reading
/// after reading, for the rule's `for:` duration before it moves the count by its step.
enum Thresholds {
    /// True/false, or nil when a metric it needs has no value.
    static func holds(_ condition: ScaleCondition, _ value: (String) -> Double?) -> Bool? {
        switch condition {
        case .above(let metric, let threshold):
            guard let v = value(metric) else { return nil }
            return v > threshold.value
        case .below(let metric, let threshold):
            guard let v = value(metric) else { return nil }
            return v < threshold.value
        case .all(let conditions):
            var unknown = false
            for condition in conditions {
                switch holds(condition, value) {
                case .some(false): return false
                case nil: unknown = true
                case .some(true): break
                }
            }
            return unknown ? nil : true
        case .any(let conditions):
            var unknown = false
            for condition in conditions {
                switch holds(condition, value) {
                case .some(true): return true
                case nil: unknown = true
                case .some(false): break
                }
            }
            return unknown ? nil : false
        }
    }

    /// When the current unbroken run of readings satisfying `predicate` began: `now` if only the
    /// current reading is known to satisfy it, earlier as older observations agree. Observations
    /// are oldest first; one where the predicate fails or is unknown ends the run.
    static func heldSince(now: Date, observations: [ScalingHistory.Observation], _ predicate: ([String: Double]) -> Bool) -> Date {
        var since = now
        for observation in observations.reversed() {
            if observation.at > now { continue }
            guard predicate(observation.values) else { break }
            since = observation.at
        }
        return since
    }

    static func evaluate(_ rule: ThresholdRule, input: DecisionInput, current: Int) -> ReplicaCalculator.Outcome {
        let metrics = input.metrics
        let now: (String) -> Double? = { metrics[$0]?.summaryValue }
        switch holds(rule.condition, now) {
        case nil:
            return .invalid(unavailableDetail(rule.condition, metrics))
        case .some(false):
            return .abstain("\(readings(rule.condition, now)): \(rule.condition.summary) not met")
        case .some(true):
            let target = Swift.max(0, rule.step.apply(to: current))
            let seen = readings(rule.condition, now)
            if rule.sustain <= 0 {
                return .propose(target, "\(seen): \(rule.condition.summary), step \(rule.step) → \(target)")
            }
            let since = heldSince(now: input.now, observations: input.history.observations) { values in
                holds(rule.condition, { values[$0] }) == true
            }
            let held = input.now.timeIntervalSince(since)
            if held >= rule.sustain {
                return .propose(target, "\(seen): \(rule.condition.summary) for \(ScalePolicy.formatDuration(held.rounded())) (≥ \(ScalePolicy.formatDuration(rule.sustain))), step \(rule.step) → \(target)")
            }
            return .abstain("\(seen): \(rule.condition.summary) for \(ScalePolicy.formatDuration(held.rounded())) of \(ScalePolicy.formatDuration(rule.sustain)) so far")
        }
    }

    /// `cpu 82%, memory 40%`: the current readings of a condition's metrics in its thresholds' units.
    static func readings(_ condition: ScaleCondition, _ value: (String) -> Double?) -> String {
        var parts: [String] = []
        func visit(_ c: ScaleCondition) {
            switch c {
            case .above(let metric, let threshold), .below(let metric, let threshold):
                let shown = value(metric).map { format($0, like: threshold) } ?? "n/a"
                let part = "\(metric) \(shown)"
                if !parts.contains(part) { parts.append(part) }
            case .all(let list), .any(let list):
                list.forEach(visit)
            }
        }
        visit(condition)
        return parts.joined(separator: ", ")
    }

    static func format(_ value: Double, like threshold: ThresholdValue) -> String {
        switch threshold.unit {
        case .percent: return pct(value)
        case .seconds: return fmt(value) + "s"
        case .plain: return fmt(value)
        }
    }

    static func unavailableDetail(_ condition: ScaleCondition, _ metrics: [String: ObservedMetric]) -> String {
        for metric in condition.metricNames {
            switch metrics[metric] {
            case nil: return "\(metric) unavailable: no reading"
            case .unavailable(let reason)?: return "\(metric) unavailable: \(reason)"
            case let reading? where reading.summaryValue == nil: return "\(metric) unavailable: no instance reported"
            default: continue
            }
        }
        return "a metric is unavailable"
    }
}
