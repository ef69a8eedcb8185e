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
        decide(input, plan: PolicyPlan(input.policy)) { zone in zone.secondsFromGMT(for: input.now) }
    }

    /// One decision with `plan` (the input policy's) and each schedule's zone offset at `input.now`.
    static func decide(_ input: DecisionInput, plan: PolicyPlan, offset: (TimeZone) -> Int) -> Decision {
        var lo = Swift.max(0, input.min), hi = Swift.max(lo, input.max)
        var floorSchedule: String?, ceilingSchedule: String?
        // Schedules raise the floor and lower the ceiling; a ceiling wins over a floor.
        let schedules = input.policy.schedules
        if !schedules.isEmpty {
            for index in schedules.indices where schedules[index].isActive(at: input.now, secondsFromGMT: offset(schedules[index].timeZone)) {
                if let floor = schedules[index].min, floor > lo { lo = floor; floorSchedule = schedules[index].name }
                if let ceiling = schedules[index].max, ceiling < hi { hi = ceiling; ceilingSchedule = schedules[index].name }
            }
            if lo > hi { lo = hi }
        }
        // The run is handed the input (borrowed: a copy would retain every part of it) and each
        // metric's reading, looked up and summed once, in a buffer of plain numbers on the stack.
        return Reading.withBuffer(count: plan.readNames.count) { readings in
            plan.read(input.metrics, into: readings)
            var run = Run(input, plan: plan, readings: UnsafeBufferPointer(readings))
            run.lo = lo
            run.hi = hi
            run.floorSchedule = floorSchedule
            run.ceilingSchedule = ceilingSchedule
            return run.decide(input, plan)
        }
    }

    /// What a caller keeps across many decisions, so that each does only its own service's work:
    /// every policy laid out once for the hot path (``PolicyPlan``) and each schedule's time-zone
    /// offset computed once per `now`. A decision through a context is the same as without one (the
    /// context only remembers what it derived from earlier inputs' policies and times; nothing
    /// of a service's state), so the engine stays pure.
    ///
    /// ```swift
    /// var context = ScalingEngine.Context()
    /// for input in tick { decisions.append(context.decide(input)) }   // one `now`, 1,000 services
    /// ```
    public struct Context: Sendable {
        private var last: PolicyPlan?
        private var plans: [String: [PolicyPlan]] = [:]
        private var offsetsAt: Date?
        private var offsets: [(zone: TimeZone, seconds: Int)] = []

        public init() {}

        public mutating func decide(_ input: DecisionInput) -> Decision {
            let plan = plan(for: input.policy)
            let now = input.now
            return ScalingEngine.decide(input, plan: plan) { zone in offset(zone, at: now) }
        }

        /// Every input's decision, in order: the same decisions as ``decide(_:)`` one by one, for a
        /// tick whose inputs are known before the first decision (`ballast bench engine`; the
        /// controller uses ``decide(all:preparing:decided:)``), with two savings:
        ///
        /// - the memory of the inputs ahead is asked for while the current one is decided
        ///   (``Prefetch``), so that the tick waits less on memory;
        /// - each input is lent to its decision as it lies in the array, not copied: a copy of an
        ///   input retains its every part (about 25 references) and releases them after.
        ///
        /// `inputs` is `inout` only for the second: each input is moved out of the array while it
        /// is decided and moved back, so the array holds the same inputs afterwards.
        ///
        /// ```swift
        /// var context = ScalingEngine.Context()
        /// let decisions = context.decide(all: &tick)   // decisions[i] is tick[i]'s
        /// ```
        public mutating func decide(all inputs: inout [DecisionInput]) -> [Decision] {
            decide(all: &inputs, preparing: { _, _ in }, decided: { _, _ in })
        }

        /// ``decide(all:)`` for a tick whose inputs depend on the decisions before them (the
        /// controller's: each service's caps see the counts decided so far in the tick). Just
        /// before input `index` is decided, `prepare(index, &input)` may change it (the array keeps
        /// the change); `decided(index, decision)` sees each decision as soon as it is made. The
        /// same decisions as preparing and deciding each input in turn with ``decide(_:)``.
        ///
        /// ```swift
        /// let decisions = context.decide(all: &inputs, preparing: { index, input in
        ///     input.constraints = caps(for: index, counts)        // the counts decided so far
        /// }, decided: { index, decision in counts[index] = decision.desired })
        /// ```
        @inline(__always)
        public mutating func decide(all inputs: inout [DecisionInput], preparing prepare: (Int, inout DecisionInput) -> Void,
                                    decided: (Int, borrowing Decision) -> Void) -> [Decision] {
            var made: [Decision] = []
            made.reserveCapacity(inputs.count)
            let layout = Prefetch.layout
            inputs.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                for index in buffer.indices {
                    if index + Self.lookahead < buffer.count {
                        Prefetch.input(at: UnsafeRawPointer(base + index + Self.lookahead), layout)
                    }
                    if index + 1 < buffer.count {
                        Prefetch.newest(of: base[index + 1].history.observations)
                        Prefetch.readings(of: base[index + 1].history.lookahead)
                    }
                    var input = (base + index).move()
                    prepare(index, &input)
                    let decision = decide(input)
                    decided(index, decision)
                    made.append(decision)
                    (base + index).initialize(to: consume input)
                }
            }
            return made
        }

        /// How many inputs ahead ``decide(all:)`` hints: far enough for the lines to arrive during
        /// the decisions in between, near enough that they are still in the cache when used.
        static let lookahead = 2

        /// The plan of `policy`: the previous decision's when it fits (the usual case in a tick: the
        /// services of a policy share its rules array, so the check is short), else one by name.
        private mutating func plan(for policy: ScalePolicy) -> PolicyPlan {
            if let last, last.fits(policy) { return last }
            if let found = plans[policy.name]?.first(where: { $0.fits(policy) }) {
                last = found
                return found
            }
            let made = PolicyPlan(policy)
            // The dictionary holds every plan once a second one is made (a context of one policy needs none).
            if let last, plans.isEmpty { plans[last.policyName, default: []].append(last) }
            if last != nil { plans[policy.name, default: []].append(made) }
            last = made
            return made
        }

        /// `zone`'s offset from GMT at `now`, asked of the zone once per `now`.
        private mutating func offset(_ zone: TimeZone, at now: Date) -> Int {
            if offsetsAt != now {
                offsetsAt = now
                offsets.removeAll(keepingCapacity: true)
            }
            for entry in offsets where entry.zone == zone { return entry.seconds }
            let seconds = zone.secondsFromGMT(for: now)
            offsets.append((zone, seconds))
            return seconds
        }
    }
}

/// One decision in progress, valid only inside ``ScalingEngine/Context/decide(_:)`` (it points at
/// the readings buffer). Every step is handed the input and the plan as borrowed parameters: read
/// through a stored pointer, each part of the input passed on would be copied (retained) first, and
/// a stored plan is a retain and a release a decision. Messages capture copies of values, never the run.
private struct Run {
    let current: Int
    var lo: Int
    var hi: Int
    var floorSchedule: String?
    var ceilingSchedule: String?
    var reasons: [Decision.Reason] = []
    var proposals: [Decision.Proposal] = []
    var failures = [String: Int]()
    /// This tick's service-wide reading of the look-ahead's metric (nil without one or when unavailable).
    var lookaheadReading: Double?
    /// This tick's summary per metric the policy reads (threshold sentences show them; the decision
    /// keeps them as its observation when the policy looks back).
    var summaries: MetricValues
    /// This tick's reading of each of the plan's metrics, by index (the input's, looked up and summed once).
    let readings: UnsafeBufferPointer<Reading>

    /// The optional parts the policy has, asked once (an `if let` on the input's policy copies the
    /// whole optional before it looks; a decision asks about a dozen times).
    struct Parts: OptionSet {
        let rawValue: UInt8
        static let forecast = Parts(rawValue: 1), lookahead = Parts(rawValue: 2), queueing = Parts(rawValue: 4)
        static let fallback = Parts(rawValue: 8), scaleToZero = Parts(rawValue: 16)

        init(rawValue: UInt8) { self.rawValue = rawValue }

        init(_ policy: borrowing ScalePolicy) {
            var parts: Parts = []
            if case .some = policy.forecast { parts.insert(.forecast) }
            if case .some = policy.lookahead { parts.insert(.lookahead) }
            if case .some = policy.queueing { parts.insert(.queueing) }
            if case .some = policy.fallback { parts.insert(.fallback) }
            if case .some = policy.scaleToZero { parts.insert(.scaleToZero) }
            self = parts
        }
    }
    let has: Parts

    init(_ input: borrowing DecisionInput, plan: PolicyPlan, readings: UnsafeBufferPointer<Reading>) {
        self.has = Parts(input.policy)
        self.readings = readings
        self.current = Swift.max(0, input.current)
        self.lo = 0
        self.hi = 0
        self.summaries = MetricValues(reservingCapacity: plan.metrics.count)
        reasons.reserveCapacity(4)
        proposals.reserveCapacity(plan.rules.count + (has.contains(.forecast) ? 1 : 0) + (has.contains(.lookahead) ? 1 : 0) + (has.contains(.queueing) ? 1 : 0))
        // Fresh allocations, not in the cache: their lines are asked for now and arrive while the
        // metrics are read, instead of one at a time as the decision is written into them.
        Prefetch.forWriting(summaries.entries)
        Prefetch.forWriting(reasons)
        Prefetch.forWriting(proposals)
    }

    mutating func decide(_ input: DecisionInput, _ plan: PolicyPlan) -> Decision {
        readMetrics(input, plan)
        // Messages are closures formatted only when read; they capture these copies, not `self`.
        let current = self.current, lo = self.lo, hi = self.hi
        let ceilingSchedule = self.ceilingSchedule

        // Bounds first, as Kubernetes' reconcileAutoscaler does.
        if current == 0 {
            if hi == 0 {
                reasons.append(.init(.scheduleCeiling, "schedule '\(ceilingSchedule ?? "")' allows 0 instances now"))
                return finish(input, plan, 0, recommendation: nil)
            }
            if lo > 0 {
                if has.contains(.scaleToZero) || !input.policy.schedules.isEmpty {
                    reasons.append(boundReason(floor: true, "0 running, below the minimum \(lo): resuming at \(lo)"))
                    let resumed = capped(input, plan, lo)
                    return finish(input, plan, resumed, recommendation: nil)
                }
                reasons.append(.init(.scalingDisabled, "0 running and the minimum is \(lo): a manual 0 switches autoscaling off (as in Kubernetes); scale to 1 or more to resume"))
                return finish(input, plan, 0, recommendation: nil)
            }
        } else if current > hi {
            reasons.append(boundReason(floor: false, "\(current) running, above the maximum \(hi)"))
            return finish(input, plan, hi, recommendation: nil)
        } else if current < lo {
            reasons.append(boundReason(floor: true, "\(current) running, below the minimum \(lo)"))
            let raised = capped(input, plan, lo)
            return finish(input, plan, raised, recommendation: nil)
        }

        // One proposal per rule; the largest wins.
        var best: Int?
        // The winner: an index into the plan's rules, or RuleNote.winnerForecast and its kin.
        var bestRule = 0
        var invalid = 0
        var firstInvalid: Decision.Message = { "" }
        var keptWithinTolerance = false
        let ready = readyCount(input, plan)
        let rules = plan.rules
        for index in rules.indices {
            var outcome = evaluate(input, plan, index, ready: ready)
            // The message is made here, once, and moved into the proposal (copies of it retain).
            let why: Decision.Text
            if let lazy = outcome.lazy.take() {
                why = .lazy(lazy)
            } else {
                why = .rule(RuleNote(outcome.numbers, plan: plan, rule: index, values: rules[index].kind == .threshold ? summaries : nil))
            }
            switch outcome.verdict {
            case .propose:
                let n = outcome.instances!
                if best == nil || n > best! { best = n; bestRule = index }
            case .keep:
                let n = outcome.instances!
                if best == nil || n > best! { best = n; bestRule = index; keptWithinTolerance = true }
            case .abstain:
                break
            case .invalid:
                if invalid == 0 {
                    let name = plan.texts[index].name, message = why
                    firstInvalid = { "\(name): \(message.render())" }
                }
                invalid += 1
            }
            proposals.append(.init(rule: plan.texts[index].name, instances: outcome.instances, text: consume why))
        }

        // A seasonal forecast proposes next to the rules (see Forecast.swift).
        var forecastWins: Decision.Message?
        if has.contains(.forecast), let forecast = input.policy.forecast, let floor = Forecasting.floor(forecast, series: input.history.seasonal, now: input.now) {
            proposals.append(.init(rule: "forecast", instances: floor.instances, lazy: floor.why))
            if best == nil || floor.instances > best! { best = floor.instances; bestRule = RuleNote.winnerForecast; keptWithinTolerance = false; forecastWins = floor.why }
        }
        // A look-ahead and a queueing target on one metric (web-default's request_rate) gather their
        // sums in one walk over the series (see SeriesSums.swift).
        var shared: (trend: SeriesSums.Trend, design: SeriesSums.Design)?
        if plan.lookaheadMetric >= 0, plan.lookaheadMetric == plan.queueingMetric, let value = lookaheadReading,
           let lookahead = input.policy.lookahead, let queueing = input.policy.queueing {
            let now = input.now
            let (smoothFrom, windowFrom) = QueueingTarget.designFrom(queueing, now: now)
            shared = SeriesSums.both(value: value, readings: SeriesSums.readings(of: lookahead.metric, in: input.history.lookahead), now: now,
                                     from: now.addingTimeInterval(-lookahead.window), smoothFrom: smoothFrom, windowFrom: windowFrom)
        }
        // A trend look-ahead proposes next to them, only ever above the count (see Lookahead.swift).
        var lookaheadWins: Decision.Message?
        if has.contains(.lookahead), let lookahead = input.policy.lookahead {
            let upTolerance = input.policy.scaleUp.tolerance ?? Tolerance.hpaDefault.up
            let outcome = Lookahead.evaluate(lookahead, value: lookaheadReading, current: current, upTolerance: upTolerance, plan: plan) { value in
                if let shared { return Lookahead.trend(lookahead, shared.trend) }
                return Lookahead.trend(lookahead, value: value, series: input.history.lookahead, now: input.now)
            }
            if let n = outcome.instances, best == nil || n > best! {
                best = n; bestRule = RuleNote.winnerLookahead; keptWithinTolerance = false; forecastWins = nil; lookaheadWins = outcome.why
            }
            proposals.append(.init(rule: "lookahead", instances: outcome.instances, text: outcome.text))
        }
        // A queueing target proposes as a rule does (see QueueingTarget.swift).
        if has.contains(.queueing), let queueing = input.policy.queueing {
            let tolerance = Tolerance(up: input.policy.scaleUp.tolerance ?? Tolerance.hpaDefault.up, down: input.policy.scaleDown.tolerance ?? Tolerance.hpaDefault.down)
            let value = readings[plan.queueingMetric].serviceValue
            let outcome = QueueingTarget.evaluate(queueing, value: value, current: current, tolerance: tolerance) { value in
                if let shared { return QueueingTarget.designRate(queueing, shared.design) }
                return QueueingTarget.designRate(queueing, value: value, series: input.history.lookahead, now: input.now)
            }
            proposals.append(.init(rule: "queueing", instances: outcome.instances, lazy: outcome.why))
            if let n = outcome.instances {
                if best == nil || n > best! { best = n; bestRule = RuleNote.winnerQueueing; keptWithinTolerance = outcome.kept; forecastWins = nil; lookaheadWins = nil }
            } else {
                if invalid == 0 { let why = outcome.why; firstInvalid = { "queueing: \(why())" } }
                invalid += 1
            }
        }

        let whyInvalid = firstInvalid, invalidCount = invalid, winner = bestRule
        // Fallback after repeated failed reads replaces the metrics' verdict.
        if has.contains(.fallback), let fallback = input.policy.fallback, let (metric, count) = failedLongEnough(fallback) {
            let target = fallback.target(current: current)
            reasons.append(.init(.fallback, "\(metric) failed \(count) reads in a row (fallback after \(fallback.after)): going to \(target) (\(fallback.behavior.rawValue))"))
            return normalize(input, plan, raw: target, activating: false)
        }

        // From zero: scale to zero's activation threshold, or the plain scale-from-zero path.
        var activating = false
        if current == 0 {
            if let stz = input.policy.scaleToZero {
                guard let queued = readings[plan.queueMetric].summary else {
                    reasons.append(.init(.metricsUnavailable, "\(stz.queueMetric) is unavailable, so a suspended service stays at 0"))
                    return finish(input, plan, 0, recommendation: 0)
                }
                guard queued >= stz.activation, queued > 0 else {
                    reasons.append(.init(.scaledToZero, "\(stz.queueMetric) \(fmt(queued)) below the activation threshold \(fmt(stz.activation)): stays suspended"))
                    return finish(input, plan, 0, recommendation: 0)
                }
                reasons.append(.init(.activation, "\(stz.queueMetric) \(fmt(queued)) ≥ activation \(fmt(stz.activation)): resuming"))
                activating = true
                return normalize(input, plan, raw: Swift.max(1, best ?? 1), activating: true)
            }
            guard let best, best > 0 else {
                reasons.append(.init(invalid > 0 ? .metricsUnavailable : .noRuleFired,
                                     invalidCount > 0 ? "no usable metric: \(whyInvalid())" : "no rule proposes instances; stays at 0"))
                return finish(input, plan, 0, recommendation: invalid > 0 ? nil : 0)
            }
        }

        // Scale to zero after an idle period, never while jobs are active.
        if current > 0, lo == 0, has.contains(.scaleToZero), let stz = input.policy.scaleToZero, let idle = idleFor(input, plan, stz), idle >= stz.idleAfter {
            let active = stz.activeMetric.map { " and no \($0)" } ?? ""
            reasons.append(.init(.scaleToZero, "\(stz.queueMetric) empty\(active) for \(ScalePolicy.formatDuration(idle.rounded())) (≥ \(ScalePolicy.formatDuration(stz.idleAfter))): suspending"))
            return finish(input, plan, 0, recommendation: 0)
        }

        // Missing data never causes a scale-down (HPA computeReplicasForMetrics).
        if !input.policy.rules.isEmpty && invalid == input.policy.rules.count + (has.contains(.queueing) ? 1 : 0) {
            reasons.append(.init(.metricsUnavailable, "no rule has a usable metric, holding at \(current): \(whyInvalid())"))
            return finish(input, plan, current, recommendation: nil)
        }
        let raw = best ?? current
        if invalid > 0 && raw < current {
            reasons.append(.init(.scaleDownBlocked, "the valid rules propose \(raw), but a scale-down waits for every metric (\(whyInvalid()))"))
            return finish(input, plan, current, recommendation: nil)
        }
        if best == nil {
            let noRules = input.policy.rules.isEmpty
            reasons.append(.init(.noRuleFired, noRules ? "the policy has no rules" : "no rule fired; keeping \(current)"))
        } else if let lookaheadWins {
            reasons.append(.init(.trendLookahead, "the trend look-ahead proposes \(raw), above every rule: \(lookaheadWins())"))
        } else if let forecastWins {
            reasons.append(.init(.forecastFloor, "the forecast proposes \(raw), above every rule: \(forecastWins())"))
        } else if raw == current && keptWithinTolerance {
            reasons.append(.init(.withinTolerance, .rule(RuleNote(NoteNumbers(kind: .withinTolerance, m: current), plan: plan, rule: winner))))
        } else {
            let count = proposals.count { $0.instances != nil }
            reasons.append(.init(.proposal, .rule(RuleNote(NoteNumbers(kind: .proposal, m: raw, n: count), plan: plan, rule: winner))))
        }
        return normalize(input, plan, raw: raw, activating: activating)
    }

    // MARK: Steps

    /// Failure counts and this tick's summaries for every metric the policy reads, in the order the
    /// rules first read them (each metric once: the plan lists them).
    mutating func readMetrics(_ input: DecisionInput, _ plan: PolicyPlan) {
        let names = plan.metrics
        for index in names.indices {
            if let value = readings[index].summary {
                summaries.appendNew(names[index], value)
            } else {
                failures[names[index]] = (input.history.failures[names[index]] ?? 0) + 1
            }
        }
        // The queueing target proposes as a rule does, so its failed reads count toward `fallback` too.
        if plan.queueingMetric >= names.count, readings[plan.queueingMetric].summary == nil {
            let metric = plan.readNames[plan.queueingMetric]
            failures[metric] = (input.history.failures[metric] ?? 0) + 1
        }
        if plan.lookaheadMetric >= 0 { lookaheadReading = readings[plan.lookaheadMetric].serviceValue }
    }

    func failedLongEnough(_ fallback: ScaleFallback) -> (String, Int)? {
        var worst: (String, Int)?
        for (metric, count) in failures where count >= fallback.after {
            if worst == nil || count > worst!.1 || (count == worst!.1 && metric < worst!.0) { worst = (metric, count) }
        }
        return worst
    }

    /// The ready count whole-value rules use: the input's, else the ready instances of the first
    /// utilisation rule whose reading lists instances, else the current count.
    func readyCount(_ input: DecisionInput, _ plan: PolicyPlan) -> Int {
        if let ready = input.readyInstances { return ready }
        for metric in plan.utilizationMetrics where readings[metric].form == .instances {
            return readings[metric].ready
        }
        return current
    }

    /// Rule `index`'s outcome, reading its fields in place from the plan. (`mutating` though it
    /// changes nothing: the run is then passed by reference; a non-mutating call copies it first.)
    mutating func evaluate(_ input: DecisionInput, _ plan: PolicyPlan, _ index: Int, ready: Int) -> ReplicaCalculator.Outcome {
        let rules = plan.rules
        let target = rules[index].target, tolerance = rules[index].tolerance
        if rules[index].kind == .threshold {
            let threshold = rules[index].metric
            let readings = self.readings
            let holding = plan.tests.withUnsafeBufferPointer { tests in
                Thresholds.holds(tests, at: plan.testRoot(threshold), readings: readings)
            }
            // (Said here, as Thresholds.evaluate would: handing it the history retains every part.)
            if holding == false { return .abstain(NoteNumbers(kind: .thresholdNotMet)) }
            return Thresholds.evaluate(plan.thresholds[threshold], holding: holding, summaries: summaries, metrics: input.metrics, observations: input.history.observations,
                                       runs: input.history.runs, now: input.now, current: current)
        }
        let reading = readings[rules[index].metric]
        switch reading.form {
        case .instances:
            switch rules[index].kind {
            case .utilization:
                return ReplicaCalculator.utilization(reading, target: target, current: current, tolerance: tolerance, metric: plan.texts[index].metric)
            case .value:
                return ReplicaCalculator.averageValue(reading, target: target, current: current, tolerance: tolerance, metric: plan.texts[index].metric)
            case .perInstance, .threshold:
                return ReplicaCalculator.perInstance(reading.reportedSum, target: target, current: current, tolerance: tolerance)
            }
        case .total:
            switch rules[index].kind {
            case .utilization, .value:
                // A service-wide value (for utilisation, the average Render reports): HPA's formula on it.
                return ReplicaCalculator.totalValue(reading.total, target: target, current: current, ready: ready, tolerance: tolerance)
            case .perInstance, .threshold:
                return ReplicaCalculator.perInstance(reading.total, target: target, current: current, tolerance: tolerance)
            }
        case .unavailable:
            let metric = plan.texts[index].metric
            let reason = input.metrics[metric]?.unavailableReason ?? ""
            return .invalid({ "\(metric) unavailable: \(reason)" })
        case .absent:
            let metric = plan.texts[index].metric
            return .invalid({ "\(metric) unavailable: no reading" })
        }
    }

    /// Seconds the queue has been empty with no active job, or nil when not idle now (or unknown).
    func idleFor(_ input: DecisionInput, _ plan: PolicyPlan, _ stz: ScaleToZero) -> Double? {
        guard let queued = readings[plan.queueMetric].summary, queued <= 0 else { return nil }
        if plan.activeMetric >= 0 {
            guard let active = readings[plan.activeMetric].summary, active <= 0 else { return nil }
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
    mutating func normalize(_ input: DecisionInput, _ plan: PolicyPlan, raw: Int, activating: Bool) -> Decision {
        // (The steps answer with numbers; each reason is made once, straight into the list.)
        let stabilized = Behavior.stabilized(desired: raw, current: current, recommendations: input.history.recommendations, now: input.now,
                                             upWindow: plan.scaleUp.stabilization, downWindow: plan.scaleDown.stabilization)
        if stabilized != raw {
            reasons.append(Behavior.stabilizedReason(desired: raw, current: current, stabilized: stabilized, up: plan.scaleUp, down: plan.scaleDown))
        }
        let lo = self.lo, hi = self.hi
        let floor = Swift.max(lo, hi > 0 ? 1 : 0)
        var (desired, kind) = Behavior.limited(desired: stabilized, current: current, min: floor, max: hi, events: input.history.events, now: input.now,
                                               up: plan.scaleUp, down: plan.scaleDown)
        if kind == .tooFewReplicas, let floorSchedule, desired == lo {
            reasons.append(.init(.scheduleFloor, "wanted \(stabilized), below the floor \(lo) of schedule '\(floorSchedule)'"))
        } else if kind == .tooManyReplicas, let ceilingSchedule {
            reasons.append(.init(.scheduleCeiling, "wanted \(stabilized), above the ceiling \(hi) of schedule '\(ceilingSchedule)'"))
        } else if kind == .tooFewReplicas, lo == 0 {
            reasons.append(.init(.tooFewReplicas, "wanted \(stabilized); at least 1 instance runs unless scaleToZero suspends the service"))
        } else {
            reasons.append(Behavior.limitReason(kind, desired: stabilized, count: desired, min: floor, max: hi, up: plan.scaleUp, down: plan.scaleDown))
        }
        if activating && desired < 1 { desired = Swift.min(1, hi) }
        // (Evaluated first: `capped` appends reasons that `finish` must see.)
        let final = capped(input, plan, desired)
        return finish(input, plan, final, recommendation: raw)
    }

    /// Budget, connection and upstream caps on a scale-up, each with its reason; never below current.
    mutating func capped(_ input: DecisionInput, _ plan: PolicyPlan, _ desired: Int) -> Int {
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

    /// The decision, made of this run's reasons, proposals, failures and observation (moved out of
    /// the run, not copied: the run ends here).
    mutating func finish(_ input: DecisionInput, _ plan: PolicyPlan, _ desired: Int, recommendation: Int?) -> Decision {
        var forecastSample: ForecastSample?
        if has.contains(.forecast), let forecast = input.policy.forecast { forecastSample = Forecasting.sample(forecast, value: readings[plan.forecastMetric].serviceValue) }
        // (What QueueingTarget.seriesSample answers, laid out in the plan: handing it the policy's parts copies them.)
        var lookaheadSample: LookaheadSample?
        if let metric = plan.seriesMetric {
            let value = plan.seriesFromLookahead ? lookaheadReading : readings[plan.queueingMetric].serviceValue
            lookaheadSample = LookaheadSample(metric: metric, value: value, window: plan.seriesWindow)
        }
        let reasons = Self.take(&self.reasons), proposals = Self.take(&self.proposals), failures = Self.take(&self.failures)
        let observation = plan.hasSustained || (has.contains(.scaleToZero) && plan.needsObservations(input.policy)) ? Self.take(&summaries) : nil
        let window = plan.longestWindow(input.policy, scaleToZero: has.contains(.scaleToZero))
        return Decision(desired: desired, current: current, action: .init(desired: desired, current: current), reasons: reasons,
                        proposals: proposals, recommendation: recommendation, observation: observation, failures: failures,
                        historyWindow: window, recommendationWindow: Swift.max(plan.scaleUp.stabilization, plan.scaleDown.stabilization),
                        min: lo, max: hi, forecastSample: forecastSample, lookaheadSample: lookaheadSample,
                        rules: plan.sourceRules)
    }

    /// `value`, leaving an empty one in its place (a move: no retain now, no release when the run ends).
    @inline(__always)
    static func take<T: RangeReplaceableCollection>(_ value: inout T) -> T {
        var out = T()
        swap(&out, &value)
        return out
    }

    @inline(__always)
    static func take(_ value: inout MetricValues) -> MetricValues {
        var out = MetricValues()
        swap(&out, &value)
        return out
    }

    @inline(__always)
    static func take<K, V>(_ value: inout [K: V]) -> [K: V] {
        var out = [K: V]()
        swap(&out, &value)
        return out
    }
}
