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

    /// A history whose observations remember `values` once a minute, the last one a minute before
    /// `t0` (oldest first), as the engine records them.
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
        #expect(policy.needsObservations, "the trend is fitted to remembered readings")
        #expect(policy.longestWindow >= 300, "the history keeps the fit's window")
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
        let trend = try #require(Lookahead.trend(lookahead, value: 80, observations: h.observations, now: t0))
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
        let trend = try #require(Lookahead.trend(policy.lookahead!, value: 80, observations: h.observations, now: t0))
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
        let trend = try #require(Lookahead.trend(policy.lookahead!, value: 60, observations: h.observations, now: t0))
        #expect(trend.slope < 0 && abs(trend.projected - 40) < 1e-9)
        let d = decide(policy, current: 10, metrics: ["request_rate": .total(60)], history: h)
        #expect(d.desired == 6, "the rule's observed value decides the scale-down, not the trend")
        #expect(!d.hasReason(.trendLookahead))
        // A steep fall projected below zero is clamped, and still abstains.
        let steep = history(policy, [400, 300, 200, 100])
        let clamped = try #require(Lookahead.trend(policy.lookahead!, value: 0, observations: steep.observations, now: t0))
        #expect(clamped.projected == 0)
        let d2 = decide(policy, current: 10, metrics: ["request_rate": .total(0)], history: steep)
        #expect(d2.proposals.contains { $0.rule == "lookahead" && $0.instances == nil })
    }

    @Test func abstainsWithoutEnoughReadingsOrOutsideTheWindow() {
        let policy = mustPolicy(Self.yaml)
        // One remembered reading: two points are not a trend.
        let short = history(policy, [40])
        #expect(Lookahead.trend(policy.lookahead!, value: 80, observations: short.observations, now: t0) == nil)
        let d = decide(policy, current: 8, metrics: ["request_rate": .total(80)], history: short)
        #expect(d.desired == 8 && !d.hasReason(.trendLookahead))
        // Readings older than the window are not fitted: a ramp that ended 10 minutes ago is no trend now.
        let old = ScalingHistory(observations: [10, 20, 30].enumerated().map { i, v in
            .init(at: at(Double(i) * 60 - 900), values: ["~request_rate": v])
        })
        #expect(Lookahead.trend(policy.lookahead!, value: 80, observations: old.observations, now: t0) == nil)
    }

    @Test func usesTheTimestampsNotTheReadingCount() throws {
        let policy = mustPolicy(Self.yaml)
        // The same +10 per minute sampled every 15 s: the slope is per second of the timestamps.
        let observations = (1...8).map { i in
            ScalingHistory.Observation(at: at(Double(-i) * 15), values: ["~request_rate": 80 - Double(i) * 2.5])
        }.reversed()
        let trend = try #require(Lookahead.trend(policy.lookahead!, value: 80, observations: Array(observations), now: t0))
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
}
