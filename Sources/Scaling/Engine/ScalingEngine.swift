import Blueprint
import Foundation

/// The scaling engine: a pure function from a ``DecisionInput`` to a ``Decision``.
///
/// The core is Kubernetes' horizontal pod autoscaler, step for step: one proposal per rule (the
/// replica calculator's formulas, tolerance and conservative recount), the largest wins, scale-down
/// blocked while a metric is unavailable, stabilization windows, rate policies, the clamp to the
/// bounds. Around it: schedules move the bounds, threshold rules with sustain, scale to zero with
/// activation, fallback after failed reads, and budget / connection / upstream caps on a scale-up.
///
/// ```swift
/// let decision = ScalingEngine.decide(input)
/// decision.desired          // 5
/// decision.reasonCodes      // ["Proposal", "ScaleUpLimit"]
/// history.record(decision, at: input.now)
/// ```
///
/// It performs no I/O, reads no clock and keeps no state; the same input gives the same decision.
public enum ScalingEngine {
    public static func decide(_ input: DecisionInput) -> Decision {
        var run = Run(input: input)
        return run.decide()
    }
}

/// One decision in progress.
private struct Run {
    let input: DecisionInput
    /// The input's policy, borrowed rather than copied (a copy retains every part of it).
    var policy: ScalePolicy { _read { yield input.policy } }
    let current: Int
    var lo: Int
    var hi: Int
    var floorSchedule: String?
    var ceilingSchedule: String?
    var reasons: [Decision.Reason] = []
    var proposals: [Decision.Proposal] = []
    var failures: [String: Int] = [:]
    var observation: MetricValues?
    /// This tick's service-wide reading of the look-ahead's metric (nil without one or when unavailable).
    var lookaheadReading: Double?
    /// This tick's summary per metric the policy reads (looked up by threshold rules).
    var summaries = MetricValues()
    /// This tick's reading of each target rule's metric, by rule index (nil for threshold rules,
    /// which read `summaries`): one dictionary look-up per rule per decision.
    var readings: [ObservedMetric?] = []

    init(input: DecisionInput) {
        self.input = input
        self.current = Swift.max(0, input.current)
        self.lo = Swift.max(0, input.min)
        self.hi = Swift.max(self.lo, input.max)
        reasons.reserveCapacity(4)
    }

    mutating func decide() -> Decision {
        applySchedules()
        readMetrics()
        // Messages are closures formatted only when read; they capture these copies, not `self`.
        let current = self.current, lo = self.lo, hi = self.hi
        let ceilingSchedule = self.ceilingSchedule

        // Bounds first, as Kubernetes' reconcileAutoscaler does.
        if current == 0 {
            if hi == 0 {
                reasons.append(.init(.scheduleCeiling, "schedule '\(ceilingSchedule ?? "")' allows 0 instances now"))
                return finish(0, recommendation: nil)
            }
            if lo > 0 {
                if policy.scaleToZero != nil || !policy.schedules.isEmpty {
                    reasons.append(boundReason(floor: true, "0 running, below the minimum \(lo): resuming at \(lo)"))
                    let resumed = capped(lo)
                    return finish(resumed, recommendation: nil)
                }
                reasons.append(.init(.scalingDisabled, "0 running and the minimum is \(lo): a manual 0 switches autoscaling off (as in Kubernetes); scale to 1 or more to resume"))
                return finish(0, recommendation: nil)
            }
        } else if current > hi {
            reasons.append(boundReason(floor: false, "\(current) running, above the maximum \(hi)"))
            return finish(hi, recommendation: nil)
        } else if current < lo {
            reasons.append(boundReason(floor: true, "\(current) running, below the minimum \(lo)"))
            let raised = capped(lo)
            return finish(raised, recommendation: nil)
        }

        // One proposal per rule; the largest wins.
        var best: Int?
        var bestRule = ""
        var invalid = 0
        var firstInvalid: Decision.Message = { "" }
        var keptWithinTolerance = false
        let ready = readyCount()
        proposals.reserveCapacity(policy.rules.count)
        for (index, rule) in policy.rules.enumerated() {
            switch evaluate(rule, index: index, ready: ready) {
            case .propose(let n, let why):
                proposals.append(.init(rule: rule.name, instances: n, lazy: why))
                if best == nil || n > best! { best = n; bestRule = rule.name }
            case .keep(let n, let why):
                proposals.append(.init(rule: rule.name, instances: n, lazy: why))
                if best == nil || n > best! { best = n; bestRule = rule.name; keptWithinTolerance = true }
            case .abstain(let why):
                proposals.append(.init(rule: rule.name, instances: nil, lazy: why))
            case .invalid(let why):
                proposals.append(.init(rule: rule.name, instances: nil, lazy: why))
                if invalid == 0 {
                    let name = rule.name
                    firstInvalid = { "\(name): \(why())" }
                }
                invalid += 1
            }
        }

        // A seasonal forecast proposes next to the rules (see Forecast.swift).
        var forecastWins: Decision.Message?
        if let forecast = policy.forecast, let floor = Forecasting.floor(forecast, series: input.history.seasonal, now: input.now) {
            proposals.append(.init(rule: "forecast", instances: floor.instances, lazy: floor.why))
            if best == nil || floor.instances > best! { best = floor.instances; bestRule = "forecast"; keptWithinTolerance = false; forecastWins = floor.why }
        }
        // A trend look-ahead proposes next to them, only ever above the count (see Lookahead.swift).
        var lookaheadWins: Decision.Message?
        if let lookahead = policy.lookahead {
            let outcome = Lookahead.evaluate(lookahead, value: lookaheadReading, series: input.history.lookahead,
                                             now: input.now, current: current, upTolerance: policy.scaleUp.tolerance ?? Tolerance.hpaDefault.up)
            proposals.append(.init(rule: "lookahead", instances: outcome.instances, lazy: outcome.why))
            if let n = outcome.instances, best == nil || n > best! {
                best = n; bestRule = "lookahead"; keptWithinTolerance = false; forecastWins = nil; lookaheadWins = outcome.why
            }
        }

        let whyInvalid = firstInvalid, invalidCount = invalid, winner = bestRule
        // Fallback after repeated failed reads replaces the metrics' verdict.
        if let fallback = policy.fallback, let (metric, count) = failedLongEnough(fallback) {
            let target = fallback.target(current: current)
            reasons.append(.init(.fallback, "\(metric) failed \(count) reads in a row (fallback after \(fallback.after)): going to \(target) (\(fallback.behavior.rawValue))"))
            return normalize(raw: target, activating: false)
        }

        // From zero: scale to zero's activation threshold, or the plain scale-from-zero path.
        var activating = false
        if current == 0 {
            if let stz = policy.scaleToZero {
                guard let queued = input.metrics[stz.queueMetric]?.summaryValue else {
                    reasons.append(.init(.metricsUnavailable, "\(stz.queueMetric) is unavailable, so a suspended service stays at 0"))
                    return finish(0, recommendation: 0)
                }
                guard queued >= stz.activation, queued > 0 else {
                    reasons.append(.init(.scaledToZero, "\(stz.queueMetric) \(fmt(queued)) below the activation threshold \(fmt(stz.activation)): stays suspended"))
                    return finish(0, recommendation: 0)
                }
                reasons.append(.init(.activation, "\(stz.queueMetric) \(fmt(queued)) ≥ activation \(fmt(stz.activation)): resuming"))
                activating = true
                return normalize(raw: Swift.max(1, best ?? 1), activating: true)
            }
            guard let best, best > 0 else {
                reasons.append(.init(invalid > 0 ? .metricsUnavailable : .noRuleFired,
                                     invalidCount > 0 ? "no usable metric: \(whyInvalid())" : "no rule proposes instances; stays at 0"))
                return finish(0, recommendation: invalid > 0 ? nil : 0)
            }
        }

        // Scale to zero after an idle period, never while jobs are active.
        if current > 0, lo == 0, let stz = policy.scaleToZero, let idle = idleFor(stz), idle >= stz.idleAfter {
            let active = stz.activeMetric.map { " and no \($0)" } ?? ""
            reasons.append(.init(.scaleToZero, "\(stz.queueMetric) empty\(active) for \(ScalePolicy.formatDuration(idle.rounded())) (≥ \(ScalePolicy.formatDuration(stz.idleAfter))): suspending"))
            return finish(0, recommendation: 0)
        }

        // Missing data never causes a scale-down (HPA computeReplicasForMetrics).
        if !policy.rules.isEmpty && invalid == policy.rules.count {
            reasons.append(.init(.metricsUnavailable, "no rule has a usable metric, holding at \(current): \(whyInvalid())"))
            return finish(current, recommendation: nil)
        }
        let raw = best ?? current
        if invalid > 0 && raw < current {
            reasons.append(.init(.scaleDownBlocked, "the valid rules propose \(raw), but a scale-down waits for every metric (\(whyInvalid()))"))
            return finish(current, recommendation: nil)
        }
        if best == nil {
            let noRules = policy.rules.isEmpty
            reasons.append(.init(.noRuleFired, noRules ? "the policy has no rules" : "no rule fired; keeping \(current)"))
        } else if let lookaheadWins {
            reasons.append(.init(.trendLookahead, "the trend look-ahead proposes \(raw), above every rule: \(lookaheadWins())"))
        } else if let forecastWins {
            reasons.append(.init(.forecastFloor, "the forecast proposes \(raw), above every rule: \(forecastWins())"))
        } else if raw == current && keptWithinTolerance {
            reasons.append(.init(.withinTolerance, "'\(winner)' keeps \(current): within tolerance"))
        } else {
            let count = proposals.count { $0.instances != nil }
            reasons.append(.init(.proposal, "'\(winner)' proposes \(raw)" + (count > 1 ? " (the largest of \(count) proposals)" : "")))
        }
        return normalize(raw: raw, activating: activating)
    }

    // MARK: Steps

    /// Schedules raise the floor and lower the ceiling; a ceiling wins over a floor.
    mutating func applySchedules() {
        for schedule in policy.schedules where schedule.isActive(at: input.now) {
            if let floor = schedule.min, floor > lo { lo = floor; floorSchedule = schedule.name }
            if let ceiling = schedule.max, ceiling < hi { hi = ceiling; ceilingSchedule = schedule.name }
        }
        if lo > hi { lo = hi }
    }

    /// Failure counts and this tick's summaries for every metric the policy reads.
    mutating func readMetrics() {
        readings.reserveCapacity(policy.rules.count)
        for rule in policy.rules {
            switch rule.kind {
            case .utilization(let metric, _), .value(let metric, _), .perInstance(let metric, _):
                let reading = input.metrics[metric]
                readings.append(reading)
                if summaries[metric] == nil { note(metric, reading) }
            case .threshold(let threshold):
                readings.append(nil)
                noteAll(threshold.condition)
            }
        }
        if let stz = policy.scaleToZero {
            note(stz.queueMetric)
            if let active = stz.activeMetric { note(active) }
        }
        if policy.needsObservations { observation = summaries }
        if let lookahead = policy.lookahead { lookaheadReading = Lookahead.reading(lookahead, metrics: input.metrics) }
    }

    mutating func noteAll(_ condition: ScaleCondition) {
        switch condition {
        case .above(let metric, _), .below(let metric, _): note(metric)
        case .all(let list), .any(let list): for c in list { noteAll(c) }
        }
    }

    mutating func note(_ metric: String) {
        if summaries[metric] != nil { return }
        note(metric, input.metrics[metric])
    }

    /// Records `reading`'s summary, or one more failed read.
    mutating func note(_ metric: String, _ reading: ObservedMetric?) {
        if let value = reading?.summaryValue {
            summaries[metric] = value
        } else if failures[metric] == nil {
            failures[metric] = (input.history.failures[metric] ?? 0) + 1
        }
    }

    func failedLongEnough(_ fallback: ScaleFallback) -> (String, Int)? {
        var worst: (String, Int)?
        for (metric, count) in failures where count >= fallback.after {
            if worst == nil || count > worst!.1 || (count == worst!.1 && metric < worst!.0) { worst = (metric, count) }
        }
        return worst
    }

    func readyCount() -> Int {
        if let ready = input.readyInstances { return ready }
        for (index, rule) in policy.rules.enumerated() {
            if case .utilization = rule.kind, case .instances(let samples)? = readings[index] {
                return samples.count { $0.ready }
            }
        }
        return current
    }

    func tolerance(for rule: ScaleRule) -> Tolerance {
        if let own = rule.tolerance { return own }
        return Tolerance(up: policy.scaleUp.tolerance ?? Tolerance.hpaDefault.up, down: policy.scaleDown.tolerance ?? Tolerance.hpaDefault.down)
    }

    func evaluate(_ rule: ScaleRule, index: Int, ready: Int) -> ReplicaCalculator.Outcome {
        switch rule.kind {
        case .utilization(let metric, let target):
            switch readings[index] {
            case .instances(let samples)?:
                return ReplicaCalculator.utilization(samples, target: target, current: current, tolerance: tolerance(for: rule), metric: metric)
            case .total(let average)?:
                // A service-wide average utilisation (what Render reports): HPA's formula on the average.
                return ReplicaCalculator.totalValue(average, target: target, current: current, ready: ready, tolerance: tolerance(for: rule), metric: metric, percent: true)
            case .unavailable(let reason)?: return .invalid({ "\(metric) unavailable: \(reason)" })
            case nil: return .invalid({ "\(metric) unavailable: no reading" })
            }
        case .value(let metric, let target):
            switch readings[index] {
            case .instances(let samples)?:
                return ReplicaCalculator.averageValue(samples, target: target, current: current, tolerance: tolerance(for: rule), metric: metric)
            case .total(let total)?:
                return ReplicaCalculator.totalValue(total, target: target, current: current, ready: ready, tolerance: tolerance(for: rule), metric: metric)
            case .unavailable(let reason)?: return .invalid({ "\(metric) unavailable: \(reason)" })
            case nil: return .invalid({ "\(metric) unavailable: no reading" })
            }
        case .perInstance(let metric, let target):
            switch readings[index] {
            case .total(let total)?:
                return ReplicaCalculator.perInstance(total, target: target, current: current, tolerance: tolerance(for: rule), metric: metric)
            case .instances(let samples)?:
                var total = 0.0
                for sample in samples { total += sample.value ?? 0 }
                return ReplicaCalculator.perInstance(total, target: target, current: current, tolerance: tolerance(for: rule), metric: metric)
            case .unavailable(let reason)?: return .invalid({ "\(metric) unavailable: \(reason)" })
            case nil: return .invalid({ "\(metric) unavailable: no reading" })
            }
        case .threshold(let threshold):
            return Thresholds.evaluate(threshold, summaries: summaries, metrics: input.metrics, history: input.history, now: input.now, current: current)
        }
    }

    /// Seconds the queue has been empty with no active job, or nil when not idle now (or unknown).
    func idleFor(_ stz: ScaleToZero) -> Double? {
        guard let queued = input.metrics[stz.queueMetric]?.summaryValue, queued <= 0 else { return nil }
        if let activeMetric = stz.activeMetric {
            guard let active = input.metrics[activeMetric]?.summaryValue, active <= 0 else { return nil }
        }
        let since = Thresholds.heldSince(now: input.now, observations: input.history.observations) { values in
            guard let q = values[stz.queueMetric], q <= 0 else { return false }
            if let activeMetric = stz.activeMetric {
                guard let a = values[activeMetric], a <= 0 else { return false }
            }
            return true
        }
        return input.now.timeIntervalSince(since)
    }

    /// Stabilization, rate policies and the clamp (HPA's behaviour), then the caps.
    mutating func normalize(raw: Int, activating: Bool) -> Decision {
        let (stabilized, stabilizedReason) = Behavior.stabilize(
            desired: raw, current: current, recommendations: input.history.recommendations, now: input.now,
            up: policy.scaleUp, down: policy.scaleDown)
        if let stabilizedReason { reasons.append(stabilizedReason) }
        let lo = self.lo, hi = self.hi, floorSchedule = self.floorSchedule, ceilingSchedule = self.ceilingSchedule
        let floor = Swift.max(lo, hi > 0 ? 1 : 0)
        var (desired, limitReason) = Behavior.limit(
            desired: stabilized, current: current, min: floor, max: hi, events: input.history.events, now: input.now,
            up: policy.scaleUp, down: policy.scaleDown)
        if limitReason.code == ReasonCode.tooFewReplicas.rawValue, let floorSchedule, desired == lo {
            limitReason = .init(.scheduleFloor, "wanted \(stabilized), below the floor \(lo) of schedule '\(floorSchedule)'")
        } else if limitReason.code == ReasonCode.tooManyReplicas.rawValue, let ceilingSchedule {
            limitReason = .init(.scheduleCeiling, "wanted \(stabilized), above the ceiling \(hi) of schedule '\(ceilingSchedule)'")
        } else if limitReason.code == ReasonCode.tooFewReplicas.rawValue, lo == 0 {
            limitReason = .init(.tooFewReplicas, "wanted \(stabilized); at least 1 instance runs unless scaleToZero suspends the service")
        }
        reasons.append(limitReason)
        if activating && desired < 1 { desired = Swift.min(1, hi) }
        // (Evaluated first: `capped` appends reasons that `finish` must see.)
        let final = capped(desired)
        return finish(final, recommendation: raw)
    }

    /// Budget, connection and upstream caps on a scale-up, each with its reason; never below current.
    mutating func capped(_ desired: Int) -> Int {
        guard desired > current else { return desired }
        var result = desired
        let constraints = input.constraints
        if let budget = constraints.budget, let most = budget.maxInstances, most < desired {
            let allowed = Swift.max(current, most)
            reasons.append(.init(.budgetLimited, "\(desired) instances at $\(fmt(budget.pricePerInstance))/month would bring the environment to $\(fmt(budget.otherServices + Double(desired) * budget.pricePerInstance)), over the $\(fmt(budget.monthlyLimit)) budget; \(most) fit"))
            result = Swift.min(result, allowed)
        }
        for connection in constraints.connections {
            guard let most = connection.maxInstances, most < desired else { continue }
            reasons.append(.init(.connectionLimited, "\(desired) × \(connection.perInstance) connections + \(connection.otherServices) from other services exceeds \(connection.datastore)'s \(connection.maxConnections); \(most) fit"))
            result = Swift.min(result, Swift.max(current, most))
        }
        if let upstream = constraints.upstream, upstream.maxInstances < desired {
            reasons.append(.init(.upstreamLimited, "\(upstream.name)'s rate limit feeds at most \(upstream.maxInstances) instances; more add cost, not throughput"))
            result = Swift.min(result, Swift.max(current, upstream.maxInstances))
        }
        return result
    }

    func boundReason(floor: Bool, _ message: @autoclosure @escaping Decision.Message) -> Decision.Reason {
        if floor {
            if let floorSchedule { return .init(.scheduleFloor, "\(message()) (schedule '\(floorSchedule)')") }
            return .init(.currentBelowMin, message())
        }
        if let ceilingSchedule { return .init(.scheduleCeiling, "\(message()) (schedule '\(ceilingSchedule)')") }
        return .init(.currentAboveMax, message())
    }

    func finish(_ desired: Int, recommendation: Int?) -> Decision {
        var decision = Decision(desired: desired, current: current, reasons: reasons, proposals: proposals, recommendation: recommendation,
                                observation: observation, failures: failures, historyWindow: policy.longestWindow, min: lo, max: hi)
        if let forecast = policy.forecast { decision.forecastSample = Forecasting.sample(forecast, metrics: input.metrics) }
        if let lookahead = policy.lookahead { decision.lookaheadSample = LookaheadSample(metric: lookahead.metric, value: lookaheadReading, window: lookahead.window) }
        decision.rules = policy.rules
        return decision
    }
}
