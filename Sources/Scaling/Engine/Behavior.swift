import Blueprint
import Foundation

/// Kubernetes' behaviour normalization (`normalizeDesiredReplicasWithBehaviors`): stabilization
/// windows, then rate policies and the clamp to the bounds.
enum Behavior {
    /// `stabilizeRecommendationWithBehaviors`: scale-up takes the minimum of the recommendations in
    /// its window, scale-down the maximum; the current count is raised to the one, lowered to the other.
    static func stabilize(desired: Int, current: Int, recommendations: [ScalingHistory.Recommendation], now: Date,
                          up: ScalingRules, down: ScalingRules) -> (Int, Decision.Reason?) {
        let stabilized = stabilized(desired: desired, current: current, recommendations: recommendations, now: now,
                                    upWindow: up.stabilization, downWindow: down.stabilization)
        guard stabilized != desired else { return (stabilized, nil) }
        return (stabilized, stabilizedReason(desired: desired, current: current, stabilized: stabilized, up: up, down: down))
    }

    /// ``stabilize(desired:current:recommendations:now:up:down:)``'s count alone (the engine's hot path
    /// makes the reason in place, when there is one).
    @inline(__always)
    static func stabilized(desired: Int, current: Int, recommendations: [ScalingHistory.Recommendation], now: Date,
                           upWindow: Double, downWindow: Double) -> Int {
        var upRecommendation = desired, downRecommendation = desired
        let upCutoff = now.addingTimeInterval(-upWindow)
        let downCutoff = now.addingTimeInterval(-downWindow)
        for record in recommendations {
            if record.at > upCutoff { upRecommendation = Swift.min(upRecommendation, record.instances) }
            if record.at > downCutoff { downRecommendation = Swift.max(downRecommendation, record.instances) }
        }
        var recommendation = current
        if recommendation < upRecommendation { recommendation = upRecommendation }
        if recommendation > downRecommendation { recommendation = downRecommendation }
        return recommendation
    }

    /// Why `desired` became `stabilized` (they differ).
    static func stabilizedReason(desired: Int, current: Int, stabilized: Int, up: ScalingRules, down: ScalingRules) -> Decision.Reason {
        if desired >= current {
            return Decision.Reason(.scaleUpStabilized, .behavior(BehaviorNote(kind: .scaleUpStabilized, rules: up, desired: desired, applied: stabilized)))
        }
        return Decision.Reason(.scaleDownStabilized, .behavior(BehaviorNote(kind: .scaleDownStabilized, rules: down, desired: desired, applied: stabilized)))
    }

    /// `convertDesiredReplicasWithBehaviorRate`: the rate policies' limit (never past the current
    /// count), then the clamp to `[min, max]`, with HPA's condition reason.
    static func limit(desired: Int, current: Int, min: Int, max: Int, events: [ScalingHistory.ScaleEvent], now: Date,
                      up: ScalingRules, down: ScalingRules) -> (Int, Decision.Reason) {
        let (count, kind) = limited(desired: desired, current: current, min: min, max: max, events: events, now: now, up: up, down: down)
        return (count, limitReason(kind, desired: desired, count: count, min: min, max: max, up: up, down: down))
    }

    /// ``limit(desired:current:min:max:events:now:up:down:)``'s count and which condition applied
    /// (the engine's hot path makes the reason in place).
    @inline(__always)
    static func limited(desired: Int, current: Int, min: Int, max: Int, events: [ScalingHistory.ScaleEvent], now: Date,
                        up: borrowing ScalingRules, down: borrowing ScalingRules) -> (Int, BehaviorNote.Kind) {
        if desired > current {
            var scaleUpLimit = scaleUpLimit(current: current, events: events, now: now, rules: up)
            if scaleUpLimit < current { scaleUpLimit = current }
            if max > scaleUpLimit {
                if desired > scaleUpLimit { return (scaleUpLimit, .scaleUpLimit) }
            } else if desired > max {
                return (max, .tooManyReplicas)
            }
        } else if desired < current {
            var scaleDownLimit = scaleDownLimit(current: current, events: events, now: now, rules: down)
            if scaleDownLimit > current { scaleDownLimit = current }
            if min < scaleDownLimit {
                if desired < scaleDownLimit { return (scaleDownLimit, .scaleDownLimit) }
            } else if desired < min {
                return (min, .tooFewReplicas)
            }
        }
        return (desired, .desiredWithinRange)
    }

    /// The reason of ``limited(desired:current:min:max:events:now:up:down:)``'s answer.
    static func limitReason(_ kind: BehaviorNote.Kind, desired: Int, count: Int, min: Int, max: Int, up: ScalingRules, down: ScalingRules) -> Decision.Reason {
        switch kind {
        case .scaleUpLimit:
            return Decision.Reason(.scaleUpLimit, .behavior(BehaviorNote(kind: .scaleUpLimit, rules: up, desired: desired, applied: count)))
        case .scaleDownLimit:
            return Decision.Reason(.scaleDownLimit, .behavior(BehaviorNote(kind: .scaleDownLimit, rules: down, desired: desired, applied: count)))
        case .tooManyReplicas:
            return Decision.Reason(.tooManyReplicas, .behavior(BehaviorNote(kind: .tooManyReplicas, desired: desired, applied: max)))
        case .tooFewReplicas:
            return Decision.Reason(.tooFewReplicas, .behavior(BehaviorNote(kind: .tooFewReplicas, desired: desired, applied: min)))
        case .desiredWithinRange, .scaleUpStabilized, .scaleDownStabilized:
            return Decision.Reason(.desiredWithinRange, .behavior(BehaviorNote(kind: .desiredWithinRange, desired: desired, applied: min, upper: max)))
        }
    }

    /// `calculateScaleUpLimitWithScalingRules`.
    static func scaleUpLimit(current: Int, events: [ScalingHistory.ScaleEvent], now: Date, rules: borrowing ScalingRules) -> Int {
        if rules.select == .disabled { return current }
        let useMin = rules.select == .min
        var result = useMin ? Int.max : Int.min
        for policy in rules.policies {
            let periodStart = current - netChange(in: policy.period, events: events, now: now)
            let proposed: Int
            switch policy.type {
            case .instances: proposed = periodStart + policy.value
            case .percent: proposed = Int((Double(periodStart) * (1 + Double(policy.value) / 100)).rounded(.up))
            }
            result = useMin ? Swift.min(result, proposed) : Swift.max(result, proposed)
        }
        return rules.policies.isEmpty ? Int.max : result
    }

    /// `calculateScaleDownLimitWithBehaviors` (percent rounds down, as `int32(…)` truncates).
    static func scaleDownLimit(current: Int, events: [ScalingHistory.ScaleEvent], now: Date, rules: borrowing ScalingRules) -> Int {
        if rules.select == .disabled { return current }
        let useMin = rules.select == .min
        var result = useMin ? Int.min : Int.max
        for policy in rules.policies {
            let periodStart = current - netChange(in: policy.period, events: events, now: now)
            let proposed: Int
            switch policy.type {
            case .instances: proposed = periodStart - policy.value
            case .percent: proposed = Int(Double(periodStart) * (1 - Double(policy.value) / 100))
            }
            result = useMin ? Swift.max(result, proposed) : Swift.min(result, proposed)
        }
        return rules.policies.isEmpty ? Int.min : result
    }

    /// Instances added minus instances removed by the events younger than `period`
    /// (`getReplicasChangePerPeriod` over both event lists).
    @inline(__always)
    static func netChange(in period: Double, events: [ScalingHistory.ScaleEvent], now: Date) -> Int {
        let cutoff = now.addingTimeInterval(-period)
        var change = 0
        for event in events.reversed() {
            guard event.at > cutoff else { break }
            change += event.change
        }
        return change
    }

    static func describe(_ rules: ScalingRules) -> String {
        let parts = rules.policies.map { policy -> String in
            let amount = policy.type == .percent ? "\(policy.value)%" : "\(policy.value) instance\(policy.value == 1 ? "" : "s")"
            return "\(amount) per \(ScalePolicy.formatDuration(policy.period))"
        }
        return parts.joined(separator: rules.select == .min ? " and " : " or ") + (rules.policies.count > 1 ? ", select \(rules.select.rawValue)" : "")
    }
}
