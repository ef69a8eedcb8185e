import Blueprint
import Foundation
import Testing
@testable import Scaling

/// Issue 9: a policy's trend `lookahead` projects the metric's least-squares line `horizon` ahead and
/// proposes the count that projection needs, only ever upward.
@Suite("Trend look-ahead")
struct LookaheadTests {
    static let yaml = """
        name: rate
        rules:
          - metric: request_rate
            perInstance: 10
        scaleUp: { policies: [ { type: instances, value: 100, period: 15s } ] }
        scaleDown: { stabilization: 0s }
        lookahead:
          horizon: 2m
          window: 5m
        """

    /// A history whose look-ahead series remembers `values` once a minute, the last one a minute
    /// before `t0` (oldest first), as the engine records them.
    func history(_ policy: ScalePolicy, _ values: [Double]) -> ScalingHistory {
        var history = ScalingHistory.empty
        for (i, value) in values.enumerated() {
            let now = at(Double(i - values.count) * 60)
            let decision = decide(policy, current: 10, metrics: ["request_rate": .total(value)], now: now, history: history)
            history.record(decision, at: now, applied: false)
        }
        return history
    }

    // MARK: Schema

    @Test func blockParsesAndTakesPerInstanceFromTheRule() {
        let policy = mustPolicy(Self.yaml)
        #expect(policy.lookahead == ScaleLookahead(metric: "request_rate", perInstance: 10, horizon: 120, window: 300))
        #expect(!policy.needsObservations, "the trend's readings are kept in their own series, not the observations")
        #expect(policy.longestWindow < 300, "the fit's window does not lengthen the rules' history")
        let own = mustPolicy("name: l\nrules: [ { metric: cpu, target: 70% } ]\nlookahead: { metric: queue_depth, perInstance: 50, horizon: 90s }\n")
        #expect(own.lookahead == ScaleLookahead(metric: "queue_depth", perInstance: 50, horizon: 90, window: 300))
        #expect(own.metricNames == ["cpu", "queue_depth"])
    }

    @Test func mistakesAreDiagnosedWithWhereAndWhy() {
        let (noHorizon, d1) = policy("name: l\nrules: [ { metric: request_rate, perInstance: 8 } ]\nlookahead: { window: 5m }\n")
        #expect(noHorizon == nil)
        #expect(d1.items.contains { $0.summary == "Incomplete lookahead" && $0.path == "lookahead" && $0.detail.contains("horizon") })
        let (noPer, d2) = policy("name: l\nrules: [ { metric: cpu, target: 70% } ]\nlookahead: { horizon: 2m }\n")
        #expect(noPer == nil)
        #expect(d2.items.contains { $0.summary == "Incomplete lookahead" && $0.detail.contains("perInstance") })
        let (zero, d3) = policy("name: l\nlookahead: { perInstance: 8, horizon: 0s }\n")
        #expect(zero == nil)
        #expect(d3.items.contains { $0.path == "lookahead.horizon" && $0.summary == "Value out of range" })
        let (unknown, d4) = policy("name: l\nlookahead: { perInstance: 8, horizon: 2m, lead: 5m }\n")
        #expect(unknown == nil)
        #expect(d4.hasErrors)
        let (long, d5) = policy("name: l\nlookahead: { perInstance: 8, horizon: 2m, window: 2h }\n")
        #expect(long == nil)
        #expect(d5.items.contains { $0.path == "lookahead.window" })
    }

    // MARK: The extrapolation

    @Test func linearRampIsProjectedExactly() throws {
        let policy = mustPolicy(Self.yaml)
        let lookahead = try #require(policy.lookahead)
        // 40, 50, 60, 70 a minute apart, and 80 now: +10 a minute, so 100 two minutes ahead.
        let h = history(policy, [40, 50, 60, 70])
        let trend = try #require(Lookahead.trend(lookahead, value: 80, series: h.lookahead, now: t0))
        #expect(abs(trend.slope * 60 - 10) < 1e-9)
        #expect(abs(trend.level - 80) < 1e-9)
        #expect(abs(trend.projected - 100) < 1e-9)
        #expect(trend.points == 5)
        let d = decide(policy, current: 8, metrics: ["request_rate": .total(80)], history: h)
        #expect(d.desired == 10, "ceil(100 / 10): the rule alone says ceil(80 / 10) = 8")
        #expect(d.reasonCodes.first == "TrendLookahead")
        #expect(d.proposals.contains { $0.rule == "lookahead" && $0.instances == 10 })
        let why = try #require(d.reasons.first?.message)
        #expect(why.contains("+10/min") && why.contains("100 in 2m"), "the reason gives the numbers: \(why)")
    }

    @Test func flatSeriesChangesNothing() throws {
        let policy = mustPolicy(Self.yaml)
        let h = history(policy, [80, 80, 80, 80])
        let trend = try #require(Lookahead.trend(policy.lookahead!, value: 80, series: h.lookahead, now: t0))
        #expect(abs(trend.slope) < 1e-12 && abs(trend.projected - 80) < 1e-9)
        let with = decide(policy, current: 8, metrics: ["request_rate": .total(80)], history: h)
        var plain = policy
        plain.lookahead = nil
        let without = decide(plain, current: 8, metrics: ["request_rate": .total(80)], history: h)
        #expect(with.desired == without.desired && with.desired == 8)
        #expect(with.proposals.contains { $0.rule == "lookahead" && $0.instances == nil })
        #expect(!with.hasReason(.trendLookahead))
    }

    @Test func fallingTrendNeverScalesDown() throws {
        let policy = mustPolicy(Self.yaml)
        // 100 → 60: the line says 40 in two minutes (4 instances); the observed 60 needs 6.
        let h = history(policy, [100, 90, 80, 70])
        let trend = try #require(Lookahead.trend(policy.lookahead!, value: 60, series: h.lookahead, now: t0))
        #expect(trend.slope < 0 && abs(trend.projected - 40) < 1e-9)
        let d = decide(policy, current: 10, metrics: ["request_rate": .total(60)], history: h)
        #expect(d.desired == 6, "the rule's observed value decides the scale-down, not the trend")
        #expect(!d.hasReason(.trendLookahead))
        // A steep fall projected below zero is clamped, and still abstains.
        let steep = history(policy, [400, 300, 200, 100])
        let clamped = try #require(Lookahead.trend(policy.lookahead!, value: 0, series: steep.lookahead, now: t0))
        #expect(clamped.projected == 0)
        let d2 = decide(policy, current: 10, metrics: ["request_rate": .total(0)], history: steep)
        #expect(d2.proposals.contains { $0.rule == "lookahead" && $0.instances == nil })
    }

    @Test func abstainsWithoutEnoughReadingsOrOutsideTheWindow() {
        let policy = mustPolicy(Self.yaml)
        // One remembered reading: two points are not a trend.
        let short = history(policy, [40])
        #expect(Lookahead.trend(policy.lookahead!, value: 80, series: short.lookahead, now: t0) == nil)
        let d = decide(policy, current: 8, metrics: ["request_rate": .total(80)], history: short)
        #expect(d.desired == 8 && !d.hasReason(.trendLookahead))
        // Readings older than the window are not fitted: a ramp that ended 10 minutes ago is no trend now.
        let old = LookaheadSeries(metric: "request_rate", readings: [10, 20, 30].enumerated().map { i, v in
            .init(at: at(Double(i) * 60 - 900), value: v)
        })
        #expect(Lookahead.trend(policy.lookahead!, value: 80, series: old, now: t0) == nil)
        // Readings of another metric (the policy's look-ahead changed metric) are no trend either.
        let other = history(policy, [40, 50, 60, 70]).lookahead.map { LookaheadSeries(metric: "cpu", readings: $0.readings) }
        #expect(Lookahead.trend(policy.lookahead!, value: 80, series: other, now: t0) == nil)
    }

    @Test func usesTheTimestampsNotTheReadingCount() throws {
        let policy = mustPolicy(Self.yaml)
        // The same +10 per minute sampled every 15 s: the slope is per second of the timestamps.
        let readings = (1...8).map { i in
            LookaheadSeries.Reading(at: at(Double(-i) * 15), value: 80 - Double(i) * 2.5)
        }.reversed()
        let trend = try #require(Lookahead.trend(policy.lookahead!, value: 80, series: LookaheadSeries(metric: "request_rate", readings: Array(readings)), now: t0))
        #expect(abs(trend.projected - 100) < 1e-9)
    }

    @Test func withinToleranceItAbstains() {
        let policy = mustPolicy(Self.yaml)
        // 77 → 81 over four minutes: 83 in two minutes needs 9 of the 8 running... ratio 1.04 ≤ 1.1.
        let h = history(policy, [77, 78, 79, 80])
        let d = decide(policy, current: 8, metrics: ["request_rate": .total(81)], history: h)
        #expect(d.proposals.contains { $0.rule == "lookahead" && $0.instances == nil })
        #expect(!d.hasReason(.trendLookahead))
    }

    @Test func withoutTheBlockDecisionsAreUnchanged() {
        var plain = mustPolicy(Self.yaml)
        plain.lookahead = nil
        let d = decide(plain, current: 8, metrics: ["request_rate": .total(80)])
        #expect(!d.proposals.contains { $0.rule == "lookahead" })
        #expect(d.observation == nil, "nothing extra is remembered")
    }

    // MARK: What the history keeps

    @Test func readingsAreKeptInTheirOwnSeriesForTheWindow() throws {
        let policy = mustPolicy(Self.yaml)
        // Twelve readings a minute apart, the last 80 at t0: the 5-minute window keeps t0-5m ... t0.
        var history = ScalingHistory.empty
        for i in 0..<12 {
            let now = at(Double(i - 11) * 60)
            let d = decide(policy, current: 8, metrics: ["request_rate": .total(25 + Double(i) * 5)], now: now, history: history)
            #expect(d.lookaheadSample == LookaheadSample(metric: "request_rate", value: 25 + Double(i) * 5, window: 300))
            history.record(d, at: now, applied: false)
        }
        let series = try #require(history.lookahead)
        #expect(series.metric == "request_rate")
        #expect(series.readings.map(\.value) == [55, 60, 65, 70, 75, 80])
        #expect(series.readings.first?.at == at(-300) && series.readings.last?.at == t0)
        #expect(history.observations.isEmpty, "a rule-only policy with a look-ahead remembers no observations")
        // An unavailable reading is not remembered, but the series is still trimmed.
        let gap = decide(policy, current: 8, metrics: ["request_rate": .unavailable("timeout")], now: at(120), history: history)
        history.record(gap, at: at(120), applied: false)
        #expect(history.lookahead?.readings.map(\.value) == [65, 70, 75, 80])
        // A policy without the block drops the series.
        var plain = policy
        plain.lookahead = nil
        history.record(decide(plain, current: 8, metrics: ["request_rate": .total(80)], now: at(180), history: history), at: at(180), applied: false)
        #expect(history.lookahead == nil)
    }

    @Test func storedHistoriesStillDecode() throws {
        // Stored before the look-ahead had its own series: its readings sat in the observations as
        // `~request_rate`; they move into the series, and the trend is the same.
        let h = history(mustPolicy(Self.yaml), [40, 50, 60, 70])
        var legacy = h
        legacy.lookahead = nil
        for (i, reading) in try #require(h.lookahead).readings.enumerated() {
            legacy.observations.append(.init(at: reading.at, values: ["cpu": 0.5, "~request_rate": reading.value]))
            #expect(legacy.observations[i].values.count == 2)
        }
        var json = String(decoding: try JSONEncoder().encode(legacy), as: UTF8.self)
        #expect(!json.contains("\"lookahead\""))
        let migrated = try JSONDecoder().decode(ScalingHistory.self, from: Data(json.utf8))
        #expect(migrated.lookahead == h.lookahead)
        #expect(migrated.observations.allSatisfy { $0.values == ["cpu": 0.5] })
        // Stored before forecasts and look-aheads: no `seasonal`, no `lookahead`.
        json = #"{"recommendations":[],"events":[],"observations":[{"at":0,"values":{"cpu":0.5}}],"failures":{}}"#
        let older = try JSONDecoder().decode(ScalingHistory.self, from: Data(json.utf8))
        #expect(older.lookahead == nil && older.seasonal == nil && older.observations.count == 1)
        // And the new field round-trips.
        let again = try JSONDecoder().decode(ScalingHistory.self, from: try JSONEncoder().encode(h))
        #expect(again == h)
    }

    // MARK: The engine's path

    /// The engine keeps the look-ahead's sentence as numbers with the policy's plan (which holds the
    /// look-ahead) instead of a closure, and gathers a look-ahead's and a queueing target's sums in
    /// one walk: both must say and find exactly what the public functions do.
    @Test func notesSayWhatTheClosuresSay() throws {
        let policy = mustPolicy(Self.yaml)
        let lookahead = try #require(policy.lookahead)
        let plan = PolicyPlan(policy)
        // Rising (proposes), rising but within the count, flat, too few readings, unavailable.
        let cases: [(values: [Double], now: Double?, current: Int)] = [
            ([40, 50, 60, 70], 80, 8), ([40, 50, 60, 70], 80, 10), ([70, 70, 70, 70], 70, 7), ([70], 70, 7), ([40, 50], nil, 7),
        ]
        var kinds = Set<String>()
        for c in cases {
            let h = history(policy, c.values)
            let closure = Lookahead.evaluate(lookahead, value: c.now, series: h.lookahead, now: t0, current: c.current, upTolerance: 0.1)
            let note = Lookahead.evaluate(lookahead, value: c.now, current: c.current, upTolerance: 0.1, plan: plan) { value in
                Lookahead.trend(lookahead, value: value, series: h.lookahead, now: t0)
            }
            #expect(note.instances == closure.instances)
            #expect(note.trend == closure.trend)
            #expect(note.why() == closure.why(), "\(c.values)")
            kinds.insert(String(closure.why().suffix(12)))
        }
        #expect(kinds.count == cases.count, "each case says something else")
    }

    @Test func oneWalkFindsWhatTwoWalksFind() throws {
        let queueing = ScaleQueueing(metric: "request_rate", capacity: 10, p95: 2, balancing: .random, headroom: 0.25, smooth: 60, window: 600, sigmas: 2)
        // Irregular values (and a non-finite one) over 25 minutes, a reading in the future, in order.
        var readings: [LookaheadSeries.Reading] = []
        for i in 0..<100 {
            let value = i == 37 ? Double.nan : 50 + 30 * sin(Double(i) * 0.7) + Double(i % 7) * 1.3
            readings.append(.init(at: at(Double(i - 100) * 15), value: value))
        }
        readings.append(.init(at: at(30), value: 999))
        let series = LookaheadSeries(metric: "request_rate", readings: readings)
        for window in [60.0, 300, 900, 1500, 3000] {
            let lookahead = ScaleLookahead(metric: "request_rate", perInstance: 7, horizon: 120, window: window)
            let (smoothFrom, windowFrom) = QueueingTarget.designFrom(queueing, now: t0)
            let (trend, design) = SeriesSums.both(value: 61.5, readings: readings, now: t0, from: t0.addingTimeInterval(-window),
                                                  smoothFrom: smoothFrom, windowFrom: windowFrom)
            let alone = try #require(Lookahead.trend(lookahead, value: 61.5, series: series, now: t0))
            let together = try #require(Lookahead.trend(lookahead, trend))
            #expect(together == alone, "window \(window)")
            let rate = QueueingTarget.designRate(queueing, value: 61.5, series: series, now: t0)
            let shared = QueueingTarget.designRate(queueing, design)
            #expect(shared.rate == rate.rate && shared.mean == rate.mean && shared.sigma == rate.sigma && shared.smoothed == rate.smoothed)
            #expect(shared.smoothCount == rate.smoothCount && shared.windowCount == rate.windowCount)
        }
    }
}
