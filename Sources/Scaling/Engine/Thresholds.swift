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

    /// ``holds(_:_:)`` over one set of remembered values, without a closure: what the walk back
    /// through a sustained rule's observations calls once per reading.
    static func holds(_ condition: ScaleCondition, in values: borrowing MetricValues) -> Bool? {
        switch condition {
        case .above(let metric, let threshold):
            guard let v = values[metric] else { return nil }
            return v > threshold.value
        case .below(let metric, let threshold):
            guard let v = values[metric] else { return nil }
            return v < threshold.value
        case .all(let conditions):
            var unknown = false
            for condition in conditions {
                switch holds(condition, in: values) {
                case .some(false): return false
                case nil: unknown = true
                case .some(true): break
                }
            }
            return unknown ? nil : true
        case .any(let conditions):
            var unknown = false
            for condition in conditions {
                switch holds(condition, in: values) {
                case .some(true): return true
                case nil: unknown = true
                case .some(false): break
                }
            }
            return unknown ? nil : false
        }
    }

    /// ``holds(_:in:)`` of a plan's flattened condition starting at `root` (``PolicyPlan/Test``),
    /// on the summaries of this tick's readings of the plan's metrics: the same answers, from numbers.
    static func holds(_ tests: UnsafeBufferPointer<PolicyPlan.Test>, at root: Int, readings: UnsafeBufferPointer<Reading>) -> Bool? {
        let test = tests[root]
        switch test.op {
        case .above:
            guard let v = readings[test.metric].summary else { return nil }
            return v > test.value
        case .below:
            guard let v = readings[test.metric].summary else { return nil }
            return v < test.value
        case .all, .any:
            let all = test.op == .all
            var unknown = false
            var child = root + 1
            let end = root + test.size
            while child < end {
                switch holds(tests, at: child, readings: readings) {
                case .some(let held) where held != all: return held
                case nil: unknown = true
                case .some: break
                }
                child += tests[child].size
            }
            return unknown ? nil : all
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

    /// ``heldSince(now:observations:_:)`` for a condition, stopping as soon as the run is known to
    /// cover `sustain` seconds (`reached`): further back cannot change whether the rule fires, only
    /// how long the message says it has held, which is measured when the message is read.
    static func heldSince(now: Date, observations: [ScalingHistory.Observation], condition: ScaleCondition, sustain: Double) -> (since: Date, reached: Bool) {
        var since = now
        var index = observations.count - 1
        while index >= 0 {
            let at = observations[index].at
            if at <= now {
                guard holds(condition, in: observations[index].values) == true else { break }
                since = at
                if now.timeIntervalSince(at) >= sustain { return (since, true) }
            }
            index -= 1
        }
        return (since, false)
    }

    /// `summaries` holds this tick's value of every metric that has one (``ObservedMetric/summaryValue``).
    /// `observations` and `runs` are the history's (``ScalingHistory/observations``, ``ScalingHistory/runs``).
    /// The usual messages are numbers (the engine adds the rule and the summaries); the rest closures.
    /// `holding` is whether the rule's condition holds on this tick's summaries (``holds(_:in:)``).
    static func evaluate(_ rule: borrowing ThresholdRule, holding: Bool?, summaries: MetricValues, metrics: ObservedMetrics, observations: [ScalingHistory.Observation],
                         runs: [SustainedRun]?, now: Date, current: Int) -> ReplicaCalculator.Outcome {
        switch holding {
        case nil:
            let condition = rule.condition
            return .invalid({ unavailableDetail(condition, metrics) })
        case .some(false):
            return .abstain(NoteNumbers(kind: .thresholdNotMet))
        case .some(true):
            let target = Swift.max(0, rule.step.apply(to: current))
            let sustain = rule.sustain
            if sustain <= 0 {
                return .propose(target, NoteNumbers(kind: .thresholdStep, m: target))
            }
            if let run = keptRun(rule.condition, observations: observations, runs: runs, now: now) {
                // The history kept the run's start: one comparison, and the same dates the walk
                // finds (its oldest kept observation bounds a run that began before it).
                let since = run.since.map { Swift.max($0, observations[0].at) } ?? now
                let held = now.timeIntervalSince(since)
                if held >= sustain {
                    return .propose(target, NoteNumbers(kind: .thresholdHeld, x: held, m: target))
                }
                return .abstain(NoteNumbers(kind: .thresholdSoFar, x: held, m: target))
            }
            let (since, reached) = heldSince(now: now, observations: observations, condition: rule.condition, sustain: sustain)
            if reached {
                // The walk stopped once the run covered `sustain`; the message says how long it has
                // really held, so it walks the whole run, if it is ever read.
                let condition = rule.condition, step = rule.step
                return .propose(target, {
                    let whole = heldSince(now: now, observations: observations) { values in holds(condition, in: values) == true }
                    let held = now.timeIntervalSince(whole).rounded()
                    return "\(readings(condition, { summaries[$0] })): \(condition.summary) for \(ScalePolicy.formatDuration(held)) (≥ \(ScalePolicy.formatDuration(sustain))), step \(step) → \(target)"
                })
            }
            return .abstain(NoteNumbers(kind: .thresholdSoFar, x: now.timeIntervalSince(since).rounded(), m: target))
        }
    }

    /// The history's run for `condition` when it still describes the observations as of `now`: it
    /// covers the newest one, and that one is not after `now` (observations are oldest first).
    static func keptRun(_ condition: ScaleCondition, observations: [ScalingHistory.Observation], runs: [SustainedRun]?, now: Date) -> SustainedRun? {
        guard let runs, let newest = observations.last?.at, newest <= now else { return nil }
        for run in runs where run.through == newest && run.condition == condition { return run }
        return nil
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

    static func unavailableDetail(_ condition: ScaleCondition, _ metrics: ObservedMetrics) -> String {
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
