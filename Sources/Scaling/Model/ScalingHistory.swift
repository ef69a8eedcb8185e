import Blueprint
import Foundation

/// What the engine needs to remember between decisions for one service: its own raw
/// recommendations (stabilization windows), the scale changes made (rate policies), earlier metric
/// summaries (sustained thresholds, idle periods) and consecutive failed reads (fallback).
///
/// A value type the caller owns: the controller keeps it in Redis, `simulate` in memory.
///
/// ```swift
/// var history = ScalingHistory.starting(current: 3, at: now)   // as HPA records its first sync
/// let decision = ScalingEngine.decide(input)                   // input.history = history
/// history.record(decision, at: now, applied: scaledOK)         // prunes past the policy's windows
/// ```
public struct ScalingHistory: Sendable, Equatable, Codable {
    public struct Recommendation: Sendable, Equatable, Codable {
        public var at: Date
        public var instances: Int

        public init(at: Date, instances: Int) {
            self.at = at
            self.instances = instances
        }
    }

    public struct ScaleEvent: Sendable, Equatable, Codable {
        public var at: Date
        /// Signed: +2 added two instances, -1 removed one.
        public var change: Int

        public init(at: Date, change: Int) {
            self.at = at
            self.change = change
        }
    }

    public struct Observation: Sendable, Equatable, Codable {
        public var at: Date
        /// Metric summaries (``ObservedMetric/summaryValue``); an absent name was unavailable.
        public var values: MetricValues

        public init(at: Date, values: MetricValues) {
            self.at = at
            self.values = values
        }

        public init(at: Date, values: [String: Double]) {
            self.init(at: at, values: MetricValues(values))
        }
    }

    /// Oldest first.
    public var recommendations: [Recommendation]
    /// Oldest first.
    public var events: [ScaleEvent]
    /// Oldest first. Setting it from outside drops ``runs`` (they describe these observations).
    public var observations: [Observation] { didSet { runs = nil } }
    /// Consecutive failed reads per metric before this tick.
    public var failures: [String: Int]
    /// Peaks of the forecast's metric over the last season(s), for a policy with `forecast`; nil
    /// otherwise (and in histories stored before forecasts existed).
    public var seasonal: SeasonalSeries?
    /// The look-ahead metric's service-wide readings over its window, for a policy with `lookahead`;
    /// nil otherwise. Kept apart from ``observations`` so its window does not lengthen theirs.
    public var lookahead: LookaheadSeries?
    /// Where each sustained threshold condition's current run began, as of the newest observation
    /// (``SustainedRun``): kept by ``record(_:at:applied:)``; nil in histories built by hand or
    /// stored before it existed, where the engine walks the observations instead. Not part of `==`.
    public var runs: [SustainedRun]?

    public init(recommendations: [Recommendation] = [], events: [ScaleEvent] = [], observations: [Observation] = [], failures: [String: Int] = [:],
                seasonal: SeasonalSeries? = nil, lookahead: LookaheadSeries? = nil) {
        self.recommendations = recommendations
        self.events = events
        self.observations = observations
        self.failures = failures
        self.seasonal = seasonal
        self.lookahead = lookahead
    }

    enum CodingKeys: String, CodingKey {
        case recommendations, events, observations, failures, seasonal, lookahead, runs
    }

    /// Equal contents; ``runs`` is derived from the observations and left out.
    public static func == (a: ScalingHistory, b: ScalingHistory) -> Bool {
        a.recommendations == b.recommendations && a.events == b.events && a.observations == b.observations
            && a.failures == b.failures && a.seasonal == b.seasonal && a.lookahead == b.lookahead
    }

    /// Decodes histories stored before forecasts or the look-ahead's own series existed too (see
    /// ``migrateLookaheadReadings()``).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        recommendations = try container.decode([Recommendation].self, forKey: .recommendations)
        events = try container.decode([ScaleEvent].self, forKey: .events)
        observations = try container.decode([Observation].self, forKey: .observations)
        failures = try container.decode([String: Int].self, forKey: .failures)
        seasonal = try container.decodeIfPresent(SeasonalSeries.self, forKey: .seasonal)
        lookahead = try container.decodeIfPresent(LookaheadSeries.self, forKey: .lookahead)
        runs = try container.decodeIfPresent([SustainedRun].self, forKey: .runs)
        migrateLookaheadReadings()
    }

    public static let empty = ScalingHistory()

    /// A history whose only entry is the current count as a recommendation, as Kubernetes records on
    /// an autoscaler's first sync, so that a restart cannot drop instances inside the window.
    public static func starting(current: Int, at now: Date) -> ScalingHistory {
        ScalingHistory(recommendations: [Recommendation(at: now, instances: current)])
    }

    /// Remembers what `decision` says to remember and forgets what lies outside its policy's windows.
    /// `applied` says whether the count actually changed (a scale event is stored only then).
    public mutating func record(_ decision: Decision, at now: Date, applied: Bool = true) {
        // Taken out so that extending them below mutates the only reference, in place.
        var previousRuns = runs, previousNewest = observations.last?.at
        runs = nil
        if let recommendation = decision.recommendation {
            recommendations.append(Recommendation(at: now, instances: recommendation))
        }
        if applied && decision.desired != decision.current {
            events.append(ScaleEvent(at: now, change: decision.desired - decision.current))
        }
        if let values = decision.observation {
            observations.append(Observation(at: now, values: values))
        }
        failures = decision.failures
        remember(decision.forecastSample, at: now)
        remember(decision.lookaheadSample, at: now)
        prune(before: now.addingTimeInterval(-decision.historyWindow))
        if let window = decision.recommendationWindow, window < decision.historyWindow {
            // A sustained rule's `for:` can be longer than the stabilization windows: the
            // recommendations are kept for those windows only (a decision scans them all).
            let cutoff = now.addingTimeInterval(-window)
            Self.dropPrefix(&recommendations, keeping: 0) { $0.at >= cutoff }
        }
        runs = Self.keptRuns(of: decision.rules, previous: &previousRuns, previousNewest: previousNewest,
                         appended: decision.observation, at: now, observations: observations)
    }

    /// Recomputes ``runs`` for `conditions` by walking the observations (what ``record(_:at:applied:)``
    /// otherwise keeps up to date reading by reading); none when the observations are not oldest first.
    public mutating func trackRuns(of conditions: [ScaleCondition]) {
        var none: [SustainedRun]?
        runs = Self.keptRuns(of: conditions, rules: [], previous: &none, previousNewest: nil, appended: nil, at: .distantPast, observations: observations)
    }

    /// Each condition's run after recording: the previous run extended by the appended reading when
    /// it was up to date, else a walk over the observations (once, after a restart or a policy change).
    /// Whether `runs` are these conditions' runs, in order, each as of `through`.
    /// (The rules by index, not copied one by one: this runs on every tick.)
    private static func upToDate(_ runs: [SustainedRun]?, _ rules: [ScaleRule], through: Date) -> Bool {
        guard let runs else { return false }
        var index = 0
        for ruleIndex in rules.indices {
            guard case .threshold(let threshold) = rules[ruleIndex].kind, threshold.sustain > 0 else { continue }
            guard index < runs.count, runs[index].through == through, runs[index].condition == threshold.condition else { return false }
            index += 1
        }
        return index == runs.count
    }

    private static func keptRuns(of rules: [ScaleRule], previous: inout [SustainedRun]?, previousNewest: Date?,
                                 appended: MetricValues?, at now: Date, observations: [Observation]) -> [SustainedRun]? {
        keptRuns(of: Decision.sustainedConditions(of: rules), rules: rules, previous: &previous, previousNewest: previousNewest,
                 appended: appended, at: now, observations: observations)
    }

    /// `rules` are where `conditions` come from (empty when given as conditions).
    private static func keptRuns(of conditions: some Collection<ScaleCondition>, rules: [ScaleRule], previous: inout [SustainedRun]?, previousNewest: Date?,
                                 appended: MetricValues?, at now: Date, observations: [Observation]) -> [SustainedRun]? {
        guard let newest = observations.last?.at else { return nil }
        // The cached runs describe the walk only over observations in time order.
        if let previousNewest, appended != nil, now < previousNewest { return nil }
        // The usual tick: the same conditions as last time, each run up to date; extended in place.
        if !rules.isEmpty, let previousNewest, let count = previous?.count, count > 0, upToDate(previous, rules, through: previousNewest) {
            var runs = previous.take()!
            guard let appended else { return runs }
            for index in 0..<count {
                let holds = Thresholds.holds(runs[index].condition, in: appended) == true
                runs[index].since = holds ? (runs[index].since ?? now) : nil
                runs[index].through = newest
            }
            return runs
        }
        guard !conditions.isEmpty else { return nil }
        var sorted: Bool?
        var result: [SustainedRun] = []
        result.reserveCapacity(conditions.count)
        for condition in conditions {
            if let previousNewest, let old = previous?.first(where: { $0.through == previousNewest && $0.condition == condition }) {
                if let appended {
                    let holds = Thresholds.holds(condition, in: appended) == true
                    result.append(SustainedRun(condition: condition, through: newest, since: holds ? (old.since ?? now) : nil))
                } else {
                    result.append(old)
                }
                continue
            }
            if sorted == nil { sorted = zip(observations, observations.dropFirst()).allSatisfy { $0.at <= $1.at } }
            guard sorted == true else { return nil }
            if let run = SustainedRun.walked(condition, observations: observations) { result.append(run) }
        }
        return result
    }

    /// A copy with `decision` recorded (see ``record(_:at:applied:)``).
    public func recording(_ decision: Decision, at now: Date, applied: Bool = true) -> ScalingHistory {
        var copy = self
        copy.record(decision, at: now, applied: applied)
        return copy
    }

    /// Records a change made outside a decision (an operator's manual scale) so rate policies count it.
    public mutating func recordScale(change: Int, at now: Date) {
        guard change != 0 else { return }
        events.append(ScaleEvent(at: now, change: change))
    }

    /// Drops entries older than `cutoff`; of the observations, the newest one before it stays, since a
    /// sustained rule needs a reading at or before the start of its window.
    public mutating func prune(before cutoff: Date) {
        Self.dropPrefix(&recommendations, keeping: 0) { $0.at >= cutoff }
        Self.dropPrefix(&events, keeping: 0) { $0.at >= cutoff }
        Self.dropPrefix(&observations, keeping: 1) { $0.at >= cutoff }
    }

    private static func dropPrefix<T>(_ items: inout [T], keeping extra: Int, _ isRecent: (T) -> Bool) {
        let firstRecent = items.firstIndex(where: isRecent) ?? items.count
        let drop = Swift.max(0, firstRecent - extra)
        if drop > 0 { items.removeFirst(drop) }
    }
}

/// A few metric values by name: what one observation remembers. A small array, not a dictionary:
/// sustained rules look values up in every observation of their window, and comparing short names
/// is far cheaper than hashing them. Encodes as a JSON object (`{"cpu": 0.8}`).
public struct MetricValues: Sendable, Equatable, Codable, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var value: Double
    }

    public private(set) var entries: [Entry]

    public init() {
        entries = []
    }

    /// Empty, with room for `capacity` values (one allocation for a decision's summaries).
    init(reservingCapacity capacity: Int) {
        entries = []
        entries.reserveCapacity(capacity)
    }

    /// Adds a value for a name the caller knows is not there yet (no search).
    mutating func appendNew(_ name: String, _ value: Double) {
        entries.append(Entry(name: name, value: value))
    }

    public init(_ values: [String: Double]) {
        entries = values.sorted { $0.key < $1.key }.map { Entry(name: $0.key, value: $0.value) }
    }

    public init(dictionaryLiteral elements: (String, Double)...) {
        entries = []
        for (name, value) in elements { self[name] = value }
    }

    public subscript(name: String) -> Double? {
        get {
            for entry in entries where entry.name == name { return entry.value }
            return nil
        }
        set {
            if let index = entries.firstIndex(where: { $0.name == name }) {
                if let newValue { entries[index].value = newValue } else { entries.remove(at: index) }
            } else if let newValue {
                if entries.isEmpty { entries.reserveCapacity(6) }
                entries.append(Entry(name: name, value: newValue))
            }
        }
    }

    public var isEmpty: Bool { entries.isEmpty }
    public var count: Int { entries.count }
    public var dictionary: [String: Double] { Dictionary(entries.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }) }
    public var description: String { dictionary.description }

    public static func == (a: MetricValues, b: MetricValues) -> Bool {
        a.count == b.count && a.entries.allSatisfy { b[$0.name] == $0.value }
    }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode([String: Double].self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(dictionary)
    }
}
