import Foundation

/// A scale policy: rules that each propose an instance count (the largest wins), how fast the count
/// may move in each direction, and the extras beyond Kubernetes' HPA (schedules, scale to zero,
/// fallback). Read from `policies/*.yaml` (`kind: scale` or no kind) and from `ballast decide` input.
///
/// ```yaml
/// name: web-default
/// rules:
///   - metric: cpu
///     target: 70%            # target tracking, HPA formula
///   - metric: queue_depth
///     perInstance: 100       # ceil(total / 100)
///   - metric: latency_p95
///     above: 2s              # sustained breach adds `step`
///     for: 3m
///     step: +1
/// scaleDown: { stabilization: 300s, policies: [ { type: percent, value: 100, period: 15s } ] }
/// ```
///
/// Omitted `scaleUp`/`scaleDown`/`tolerance` take the HPA defaults (``ScalingRules/defaultScaleUp``,
/// ``ScalingRules/defaultScaleDown``, ``Tolerance/hpaDefault``). The engine that runs it is
/// `ScalingEngine` in the `Scaling` module; the schema is documented in `docs/policies.md`.
public struct ScalePolicy: Sendable, Equatable {
    /// The policy's parts, held once however many copies of the policy there are: a fleet's
    /// services (and every decision input made for them) share one policy, so a copy is a retain,
    /// not some 400 bytes and a dozen retains, and two copies are told equal without comparing.
    /// Never changed in place: a change to a copy makes that copy its own (``update(_:)``).
    @usableFromInline final class Storage: Sendable {
        @usableFromInline let parts: Parts
        init(_ parts: Parts) { self.parts = parts }
    }

    @usableFromInline struct Parts: Sendable, Equatable {
        @usableFromInline var name: String
        @usableFromInline var description: String?
        @usableFromInline var rules: [ScaleRule]
        @usableFromInline var scaleUp: ScalingRules
        @usableFromInline var scaleDown: ScalingRules
        @usableFromInline var schedules: [ScaleSchedule]
        @usableFromInline var scaleToZero: ScaleToZero?
        @usableFromInline var fallback: ScaleFallback?
        @usableFromInline var forecast: ScaleForecast?
        @usableFromInline var lookahead: ScaleLookahead?
        @usableFromInline var queueing: ScaleQueueing?
        @usableFromInline var mark: SourceMark?
    }

    @usableFromInline private(set) var storage: Storage

    public var name: String {
        @inlinable _read { yield storage.parts.name }
        set { update { $0.name = newValue } }
    }
    public var description: String? {
        @inlinable _read { yield storage.parts.description }
        set { update { $0.description = newValue } }
    }
    public var rules: [ScaleRule] {
        @inlinable _read { yield storage.parts.rules }
        set { update { $0.rules = newValue } }
    }
    public var scaleUp: ScalingRules {
        @inlinable _read { yield storage.parts.scaleUp }
        set { update { $0.scaleUp = newValue } }
    }
    public var scaleDown: ScalingRules {
        @inlinable _read { yield storage.parts.scaleDown }
        set { update { $0.scaleDown = newValue } }
    }
    public var schedules: [ScaleSchedule] {
        @inlinable _read { yield storage.parts.schedules }
        set { update { $0.schedules = newValue } }
    }
    public var scaleToZero: ScaleToZero? {
        @inlinable _read { yield storage.parts.scaleToZero }
        set { update { $0.scaleToZero = newValue } }
    }
    public var fallback: ScaleFallback? {
        @inlinable _read { yield storage.parts.fallback }
        set { update { $0.fallback = newValue } }
    }
    /// A seasonal forecast proposing a count ahead of known peaks (see ``ScaleForecast``).
    public var forecast: ScaleForecast? {
        @inlinable _read { yield storage.parts.forecast }
        set { update { $0.forecast = newValue } }
    }
    /// A trend look-ahead proposing a count for the metric's projected value (see ``ScaleLookahead``).
    public var lookahead: ScaleLookahead? {
        @inlinable _read { yield storage.parts.lookahead }
        set { update { $0.lookahead = newValue } }
    }
    /// A queueing-aware target sized for a p95 objective (see ``ScaleQueueing``).
    public var queueing: ScaleQueueing? {
        @inlinable _read { yield storage.parts.queueing }
        set { update { $0.queueing = newValue } }
    }
    /// Where the policy was written, for diagnostics.
    public var mark: SourceMark? {
        @inlinable _read { yield storage.parts.mark }
        set { update { $0.mark = newValue } }
    }

    public init(name: String, rules: [ScaleRule] = [], scaleUp: ScalingRules = .defaultScaleUp,
                scaleDown: ScalingRules = .defaultScaleDown, schedules: [ScaleSchedule] = [],
                scaleToZero: ScaleToZero? = nil, fallback: ScaleFallback? = nil, description: String? = nil,
                forecast: ScaleForecast? = nil) {
        storage = Storage(Parts(name: name, description: description, rules: rules, scaleUp: scaleUp, scaleDown: scaleDown,
                                schedules: schedules, scaleToZero: scaleToZero, fallback: fallback, forecast: forecast))
    }

    /// Whether `other` is a copy of this very policy (unchanged since): then it is equal without
    /// a comparison, and whatever was derived from the one holds for the other.
    public func isCopy(of other: borrowing ScalePolicy) -> Bool { storage === other.storage }

    public static func == (a: ScalePolicy, b: ScalePolicy) -> Bool {
        a.storage === b.storage || a.storage.parts == b.storage.parts
    }

    /// Changes this copy alone: the others keep the storage as it was.
    private mutating func update(_ change: (inout Parts) -> Void) {
        var parts = storage.parts
        change(&parts)
        storage = Storage(parts)
    }

    /// The longest time span any part of the policy looks back over, in seconds: what a history of
    /// recommendations, scale events and observations must keep. The forecast's season and the
    /// look-ahead's window are not in it: their readings are kept in series of their own.
    public var longestWindow: Double {
        var window = max(scaleUp.stabilization, scaleDown.stabilization)
        for policy in scaleUp.policies { window = max(window, policy.period) }
        for policy in scaleDown.policies { window = max(window, policy.period) }
        for rule in rules {
            if case .threshold(let threshold) = rule.kind { window = max(window, threshold.sustain) }
        }
        if let scaleToZero { window = max(window, scaleToZero.idleAfter) }
        return window
    }

    /// True when some rule needs earlier readings (a sustained threshold, an idle period). The
    /// forecast and the look-ahead keep their own series (`ScalingHistory.seasonal`, `.lookahead`).
    public var needsObservations: Bool {
        if let scaleToZero, scaleToZero.idleAfter > 0 { return true }
        return rules.contains { rule in
            if case .threshold(let threshold) = rule.kind { return threshold.sustain > 0 }
            return false
        }
    }

    /// Every metric name the policy reads.
    public var metricNames: [String] {
        var names: [String] = []
        func add(_ name: String) { if !names.contains(name) { names.append(name) } }
        for rule in rules { rule.metricNames.forEach(add) }
        if let scaleToZero {
            add(scaleToZero.queueMetric)
            if let active = scaleToZero.activeMetric { add(active) }
        }
        if let forecast { add(forecast.metric) }
        if let lookahead { add(lookahead.metric) }
        if let queueing { add(queueing.metric) }
        return names
    }
}

/// The band around a ratio of 1 inside which a target-tracking rule keeps the current count:
/// `(1 - down) <= ratio <= (1 + up)` (Kubernetes' `Tolerances.isWithin`).
public struct Tolerance: Sendable, Equatable {
    public var up: Double
    public var down: Double

    public init(up: Double, down: Double) {
        self.up = up
        self.down = down
    }

    public init(_ both: Double) {
        self.init(up: both, down: both)
    }

    /// Kubernetes' default: 10 % each way.
    public static let hpaDefault = Tolerance(0.1)

    @inlinable
    public func isWithin(_ ratio: Double) -> Bool {
        (1 - down) <= ratio && ratio <= (1 + up)
    }
}

/// One rule of a scale policy; every rule proposes an instance count (or abstains) and the largest
/// proposal wins.
public struct ScaleRule: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `target: 70%` over instances: utilisation = Σ values / Σ limits; HPA's resource
        /// Utilization target, `desired = ceil(utilisation / target × ready instances)`.
        case utilization(metric: String, target: Double)
        /// `target: 150` (a plain number): per-instance average for `instances` readings (HPA's Pods
        /// metric), the whole value for `total` readings (HPA's External `Value` target).
        case value(metric: String, target: Double)
        /// `perInstance: 100`: HPA's `AverageValue` target, `desired = ceil(total / perInstance)`.
        case perInstance(metric: String, target: Double)
        /// `above:`/`below:`/`all:`/`any:` with `for:` and `step:`: a sustained breach moves the
        /// count by `step`; otherwise the rule abstains.
        case threshold(ThresholdRule)
    }

    /// The name shown in proposals (`name:` in the file, or one made from the rule).
    public var name: String
    public var kind: Kind
    /// Per-rule tolerance for target rules; nil takes the direction's tolerance, then 10 %.
    public var tolerance: Tolerance?
    public var mark: SourceMark?

    public init(name: String, kind: Kind, tolerance: Tolerance? = nil) {
        self.name = name
        self.kind = kind
        self.tolerance = tolerance
    }

    public var metricNames: [String] {
        switch kind {
        case .utilization(let metric, _), .value(let metric, _), .perInstance(let metric, _): return [metric]
        case .threshold(let threshold): return threshold.condition.metricNames
        }
    }
}

/// A threshold rule: when `condition` has held for `sustain` seconds, propose `current + step`.
public struct ThresholdRule: Sendable, Equatable {
    public var condition: ScaleCondition
    /// Seconds the condition must have held (the `for:` key); 0 acts on the first reading.
    public var sustain: Double
    public var step: ScaleStep

    public init(condition: ScaleCondition, sustain: Double, step: ScaleStep) {
        self.condition = condition
        self.sustain = sustain
        self.step = step
    }
}

/// A comparison of one metric with a threshold, or an `all`/`any` combination of them.
public indirect enum ScaleCondition: Sendable, Equatable {
    case above(metric: String, ThresholdValue)
    case below(metric: String, ThresholdValue)
    case all([ScaleCondition])
    case any([ScaleCondition])

    public var metricNames: [String] {
        switch self {
        case .above(let metric, _), .below(let metric, _): return [metric]
        case .all(let conditions), .any(let conditions):
            var names: [String] = []
            for name in conditions.flatMap(\.metricNames) where !names.contains(name) { names.append(name) }
            return names
        }
    }

    /// `cpu > 70%`, `all(cpu < 30%, memory < 50%)`.
    public var summary: String {
        switch self {
        case .above(let metric, let value): return "\(metric) > \(value)"
        case .below(let metric, let value): return "\(metric) < \(value)"
        case .all(let conditions): return conditions.map(\.summary).joined(separator: " and ")
        case .any(let conditions): return conditions.map(\.summary).joined(separator: " or ")
        }
    }
}

/// A threshold as written: `70%` (stored as the fraction 0.7), `2s` (seconds) or a plain number.
public struct ThresholdValue: Sendable, Equatable, CustomStringConvertible {
    public enum Unit: Sendable, Equatable { case percent, seconds, plain }
    /// The value metrics are compared with: a fraction for percentages, seconds for durations.
    public var value: Double
    public var unit: Unit

    public init(_ value: Double, unit: Unit = .plain) {
        self.value = value
        self.unit = unit
    }

    public var description: String {
        switch unit {
        case .percent: return (value * 100).cleanDescription + "%"
        case .seconds: return ScalePolicy.formatDuration(value)
        case .plain: return value.cleanDescription
        }
    }
}

/// How far a threshold rule moves the count: `+1`, `-2`, `+50%` (of the current count, rounded away
/// from zero so that a step always moves).
public enum ScaleStep: Sendable, Equatable, CustomStringConvertible {
    case instances(Int)
    case percent(Double)

    public func apply(to current: Int) -> Int {
        switch self {
        case .instances(let n): return current + n
        case .percent(let p):
            let change = Double(current) * p
            let rounded = change >= 0 ? change.rounded(.up) : change.rounded(.down)
            let moved = Int(rounded)
            if moved == 0 { return current + (p >= 0 ? 1 : -1) }
            return current + moved
        }
    }

    public var description: String {
        switch self {
        case .instances(let n): return n >= 0 ? "+\(n)" : "\(n)"
        case .percent(let p): return (p >= 0 ? "+" : "") + (p * 100).cleanDescription + "%"
        }
    }
}

/// How fast the count may move in one direction (Kubernetes' `HPAScalingRules`).
public struct ScalingRules: Sendable, Equatable {
    public enum Select: String, Sendable, Equatable, CaseIterable {
        /// The policy allowing the largest change (the default).
        case max
        /// The policy allowing the smallest change.
        case min
        /// No change in this direction at all.
        case disabled
    }

    /// Seconds of recommendations to consider: scale-up takes their minimum, scale-down their maximum.
    public var stabilization: Double
    public var select: Select
    public var policies: [RatePolicy]
    /// This direction's tolerance for every target rule without its own (KEP-4951); nil is 10 %.
    public var tolerance: Double?

    public init(stabilization: Double, select: Select = .max, policies: [RatePolicy], tolerance: Double? = nil) {
        self.stabilization = stabilization
        self.select = select
        self.policies = policies
        self.tolerance = tolerance
    }

    /// HPA's scale-up default: no window; 4 instances or 100 % per 15 s, whichever is more.
    public static let defaultScaleUp = ScalingRules(stabilization: 0, policies: [
        RatePolicy(type: .instances, value: 4, period: 15), RatePolicy(type: .percent, value: 100, period: 15),
    ])
    /// HPA's scale-down default: 300 s window; 100 % per 15 s.
    public static let defaultScaleDown = ScalingRules(stabilization: 300, policies: [
        RatePolicy(type: .percent, value: 100, period: 15),
    ])
}

/// One rate limit: at most `value` instances (or percent) of change per `period` seconds.
public struct RatePolicy: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case instances, percent
    }

    public var type: Kind
    public var value: Int
    public var period: Double

    public init(type: Kind, value: Int, period: Double) {
        self.type = type
        self.value = value
        self.period = period
    }
}

/// A time window that raises the floor and/or lowers the ceiling, in a time zone.
///
/// ```yaml
/// schedules:
///   - name: business-hours
///     timezone: Europe/Berlin
///     days: mon-fri
///     from: "08:00"
///     to: "20:00"
///     min: 3
/// ```
public struct ScaleSchedule: Sendable, Equatable {
    public var name: String
    public var timeZone: TimeZone
    /// Bit `d` set for weekday `d`, 0 = Sunday … 6 = Saturday.
    public var days: UInt8
    /// Minutes after local midnight; `to <= from` wraps past midnight (the part after midnight
    /// belongs to the day the window started).
    public var from: Int
    public var to: Int
    public var min: Int?
    public var max: Int?

    public init(name: String, timeZone: TimeZone, days: UInt8 = 0b111_1111, from: Int, to: Int, min: Int? = nil, max: Int? = nil) {
        self.name = name
        self.timeZone = timeZone
        self.days = days
        self.from = from
        self.to = to
        self.min = min
        self.max = max
    }

    /// Whether the window is open at `now` (local time computed from the zone's offset at `now`).
    public func isActive(at now: Date) -> Bool {
        isActive(at: now, secondsFromGMT: timeZone.secondsFromGMT(for: now))
    }

    /// ``isActive(at:)`` with the zone's offset at `now` already known (`timeZone.secondsFromGMT(for: now)`),
    /// so that a caller deciding many services at one moment asks the zone once.
    public func isActive(at now: Date, secondsFromGMT offset: Int) -> Bool {
        let local = now.timeIntervalSince1970 + Double(offset)
        let day = Int((local / 86_400).rounded(.down))
        let minute = Int((local - Double(day) * 86_400) / 60)
        // 1970-01-01 was a Thursday (4 with Sunday = 0).
        let weekday = ((day + 4) % 7 + 7) % 7
        let previous = (weekday + 6) % 7
        func on(_ d: Int) -> Bool { days & (1 << UInt8(d)) != 0 }
        if from < to {
            return on(weekday) && minute >= from && minute < to
        }
        // Wrapping window (22:00-06:00) or a whole day (from == to).
        if from == to { return on(weekday) }
        return (on(weekday) && minute >= from) || (on(previous) && minute < to)
    }
}

/// Scale to zero for workers: suspend after an idle period, resume on the first queued job.
public struct ScaleToZero: Sendable, Equatable {
    /// Seconds with an empty queue and no active job before suspending.
    public var idleAfter: Double
    /// Queued jobs that wake a suspended service (KEDA's activation threshold; 1 = the first job).
    public var activation: Double
    /// The metric counting queued jobs (default `queue_depth`).
    public var queueMetric: String
    /// The metric counting jobs in progress (default `queue_active`); nil when none is read.
    public var activeMetric: String?

    public init(idleAfter: Double, activation: Double = 1, queueMetric: String = "queue_depth", activeMetric: String? = "queue_active") {
        self.idleAfter = idleAfter
        self.activation = activation
        self.queueMetric = queueMetric
        self.activeMetric = activeMetric
    }
}

/// What to do after repeated failed metric reads (KEDA's `fallback`).
public struct ScaleFallback: Sendable, Equatable {
    public enum Behavior: String, Sendable, Equatable, CaseIterable {
        /// Go to `instances`.
        case `static`
        /// Keep the current count.
        case current
        /// `instances`, but never below the current count.
        case currentIfHigher
        /// `instances`, but never above the current count.
        case currentIfLower
    }

    /// Consecutive failed reads of one metric after which the fallback applies.
    public var after: Int
    public var instances: Int
    public var behavior: Behavior

    public init(after: Int, instances: Int, behavior: Behavior = .static) {
        self.after = after
        self.instances = instances
        self.behavior = behavior
    }

    public func target(current: Int) -> Int {
        switch behavior {
        case .static: return instances
        case .current: return current
        case .currentIfHigher: return Swift.max(current, instances)
        case .currentIfLower: return Swift.min(current, instances)
        }
    }
}

extension ScalePolicy {
    /// `15s`, `5m`, `1h30m`, `90s` → as short as it stays exact.
    public static func formatDuration(_ seconds: Double) -> String {
        if seconds == 0 { return "0s" }
        guard seconds == seconds.rounded(), seconds < 1e9 else { return seconds.cleanDescription + "s" }
        var rest = Int(seconds)
        var text = ""
        if rest >= 3600, rest % 60 == 0 {
            text += "\(rest / 3600)h"
            rest %= 3600
        }
        if rest >= 60, rest % 60 == 0 {
            text += "\(rest / 60)m"
            rest = 0
        }
        if rest > 0 { text += "\(rest)s" }
        return text
    }
}
