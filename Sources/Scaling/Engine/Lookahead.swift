import Blueprint
import Foundation

/// A policy's trend `lookahead` (``ScaleLookahead``): the metric's least-squares line over the
/// readings of the last `window` (the history's ``LookaheadSeries`` plus this tick's), evaluated `horizon`
/// after now, clamped at 0, over `perInstance`. Pure: it reads only the readings and the moment
/// it is handed, so the timestamps, not a clock, give the slope.
///
/// ```swift
/// // request_rate read 40, 50, 60, 70 at one-minute steps (70 now); horizon 2m, 10 per instance
/// Lookahead.evaluate(lookahead, value: 70, series: history.lookahead, now: now, current: 7, upTolerance: 0.1)
/// // .propose(9): 70 + 2 × 10 = 90 → ceil(90 / 10)
/// ```
///
/// It proposes only when the trend rises and the projection needs more instances than run now
/// (beyond the scale-up tolerance); a flat or falling trend, too few readings or a missing reading
/// make it abstain, so it never lowers the count: scale-down stays with the rules.
public enum Lookahead {
    /// The least-squares line through the readings, as the engine uses it.
    public struct Trend: Sendable, Equatable {
        /// Change of the metric per second.
        public var slope: Double
        /// The line's value now (seconds offset 0).
        public var level: Double
        /// The line's value `horizon` after now, clamped at 0.
        public var projected: Double
        /// How many readings the line was fitted to (this tick's included).
        public var points: Int
    }

    /// The fewest readings a trend is fitted to.
    public static let minimumPoints = 3

    /// The metric's service-wide value this tick: a total, or the sum over instances (as a
    /// perInstance rule reads it); nil when unavailable.
    public static func reading(_ lookahead: ScaleLookahead, metrics: ObservedMetrics) -> Double? {
        metrics.reading(lookahead.metric).serviceValue
    }

    /// The line through this tick's `value` at `now` and the remembered readings of the last
    /// `window` (``ScalingHistory/lookahead``: readings before `now`, oldest first; a series of
    /// another metric is ignored); nil with fewer than ``minimumPoints`` readings or when they all
    /// share one timestamp.
    public static func trend(_ lookahead: ScaleLookahead, value: Double, series: LookaheadSeries?, now: Date) -> Trend? {
        let sums = SeriesSums.trend(value: value, readings: SeriesSums.readings(of: lookahead.metric, in: series), now: now,
                                    from: now.addingTimeInterval(-lookahead.window))
        return trend(lookahead, sums)
    }

    /// The line of `sums` (``trend(_:value:series:now:)`` once its walk is done).
    static func trend(_ lookahead: ScaleLookahead, _ sums: SeriesSums.Trend) -> Trend? {
        let n = sums.n, sx = sums.sx, sy = sums.sy, sxx = sums.sxx, sxy = sums.sxy
        guard Int(n) >= minimumPoints else { return nil }
        let denominator = n * sxx - sx * sx
        guard denominator > 1e-9 * Swift.max(1, n * sxx) else { return nil }
        let slope = (n * sxy - sx * sy) / denominator
        let level = (sy - slope * sx) / n
        let projected = Swift.max(0, level + slope * lookahead.horizon)
        guard slope.isFinite, projected.isFinite else { return nil }
        return Trend(slope: slope, level: level, projected: projected, points: Int(n))
    }

    /// What the look-ahead says this tick: a count above `current`, or why it abstains.
    public struct Outcome: Sendable {
        /// The proposed count; nil when it abstains.
        public var instances: Int?
        public var trend: Trend?
        /// Why, made when read.
        public var why: Decision.Message {
            let text = self.text
            return { text.render() }
        }
        /// The sentence: numbers and the policy's plan on the engine's path, else a closure.
        var text: Decision.Text
    }

    /// The look-ahead's proposal for `value` (this tick's service-wide reading; nil when unavailable).
    public static func evaluate(_ lookahead: ScaleLookahead, value: Double?, series: LookaheadSeries?, now: Date,
                                current: Int, upTolerance: Double) -> Outcome {
        evaluate(lookahead, value: value, current: current, upTolerance: upTolerance) { value in
            trend(lookahead, value: value, series: series, now: now)
        }
    }

    /// ``evaluate(_:value:series:now:current:upTolerance:)`` with the trend of a reading found by
    /// `fit` (the engine's: from sums gathered in one walk with a queueing target's). With the
    /// policy's `plan` (which holds `lookahead`), the sentence is kept as numbers, not a closure.
    static func evaluate(_ lookahead: ScaleLookahead, value: Double?, current: Int, upTolerance: Double, plan: PolicyPlan? = nil,
                         fit: (Double) -> Trend?) -> Outcome {
        let metric = lookahead.metric
        guard let value else { return Outcome(instances: nil, trend: nil, text: .lazy({ "\(metric) unavailable: no trend" })) }
        let trend = fit(value)
        var note = LookaheadNote(kind: .noTrend, value: value, trend: trend, current: current)
        var instances: Int?
        if let trend {
            note.kind = .notRising
            if trend.slope > 0, trend.projected > value {
                let needed = trend.projected / lookahead.perInstance
                note.instances = ReplicaCalculator.ceilCount(needed)
                let ratio = current > 0 ? needed / Double(current) : .infinity
                note.kind = .withinCount
                if note.instances > current, ratio > 1 + upTolerance {
                    note.kind = .propose
                    instances = note.instances
                }
            }
        }
        let said = note
        return Outcome(instances: instances, trend: trend, text: plan.map { .lookahead(said, $0) } ?? .lazy({ said.render(lookahead) }))
    }

    /// The start every message of a fitted trend shares.
    static func head(_ metric: String, _ value: Double, _ trend: Trend, window: Double, horizon: Double) -> String {
        "\(metric) \(fmt(value)), trend \(signed(trend.slope * 60))/min over \(trend.points) readings in \(ScalePolicy.formatDuration(window)): \(fmt(trend.projected)) in \(ScalePolicy.formatDuration(horizon))"
    }

    static func signed(_ value: Double) -> String { value >= 0 ? "+" + fmt(value) : fmt(value) }
}

/// What a look-ahead said, as numbers: on the engine's path it is kept with the policy's plan
/// (a few plain stores and a retain) and rendered when read; elsewhere a closure renders it.
struct LookaheadNote: Sendable {
    enum Kind: UInt8, Sendable { case noTrend, notRising, withinCount, propose }

    var kind: Kind
    var points: Int32
    var value: Double, slope: Double, projected: Double
    var instances = 0
    var current: Int

    init(kind: Kind, value: Double, trend: Lookahead.Trend?, current: Int) {
        self.kind = kind
        self.points = Int32(clamping: trend?.points ?? 0)
        self.value = value
        self.slope = trend?.slope ?? 0
        self.projected = trend?.projected ?? 0
        self.current = current
    }

    /// The sentence, for the look-ahead it was said of.
    func render(_ lookahead: ScaleLookahead) -> String {
        let metric = lookahead.metric, window = lookahead.window
        if kind == .noTrend {
            return "fewer than \(Lookahead.minimumPoints) readings of \(metric) in the last \(ScalePolicy.formatDuration(window)): no trend yet"
        }
        let trend = Lookahead.Trend(slope: slope, level: 0, projected: projected, points: Int(points))
        let head = Lookahead.head(metric, value, trend, window: window, horizon: lookahead.horizon)
        let per = lookahead.perInstance
        switch kind {
        case .noTrend, .notRising:
            return "\(head); not rising above the reading, so the rules decide"
        case .withinCount:
            return "\(head) / \(per.cleanDescription) per instance = \(instances): no more than the \(current) running (within tolerance)"
        case .propose:
            return "\(head) / \(per.cleanDescription) per instance = \(instances)"
        }
    }
}
