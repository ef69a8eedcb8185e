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
    static func heldSince(now: Date, observations: [ScalingHistory.Observation], _ predicate: (borrowing MetricValues) -> Bool) -> Date {
        var since = now
        var index = observations.count - 1
        while index >= 0 {
            let at = observations[index].at
            if at <= now {
                guard predicate(observations[index].values) else { break }
                since = at
            }
            index -= 1
        }
        return since
    }

    /// `summaries` holds this tick's value of every metric that has one (``ObservedMetric/summaryValue``).
    static func evaluate(_ rule: ThresholdRule, summaries: MetricValues, metrics: [String: ObservedMetric], observations: [ScalingHistory.Observation], now: Date, current: Int) -> ReplicaCalculator.Outcome {
        let condition = rule.condition, step = rule.step, sustain = rule.sustain
        // Formatted only when read.
        let seen: Decision.Message = { readings(condition, { summaries[$0] }) }
        switch holds(condition, { summaries[$0] }) {
        case nil:
            return .invalid({ unavailableDetail(condition, metrics) })
        case .some(false):
            return .abstain({ "\(seen()): \(condition.summary) not met" })
        case .some(true):
            let target = Swift.max(0, step.apply(to: current))
            if sustain <= 0 {
                return .propose(target, { "\(seen()): \(condition.summary), step \(step) → \(target)" })
            }
            let since = heldSince(now: now, observations: observations) { values in
                holds(condition, { values[$0] }) == true
            }
            let exact = now.timeIntervalSince(since)
            let held = exact.rounded()
            if exact >= sustain {
                return .propose(target, { "\(seen()): \(condition.summary) for \(ScalePolicy.formatDuration(held)) (≥ \(ScalePolicy.formatDuration(sustain))), step \(step) → \(target)" })
            }
            return .abstain({ "\(seen()): \(condition.summary) for \(ScalePolicy.formatDuration(held)) of \(ScalePolicy.formatDuration(sustain)) so far" })
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
