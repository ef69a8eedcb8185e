import Blueprint
import Foundation
import Testing
@testable import Scaling

/// Issue 9: a policy's `queueing` target sizes the service for a p95 objective from a queueing model
/// (M/M/1 per instance, or M/M/c with Erlang C) at a design rate with headroom and a burst margin.
/// Expected values are worked by hand or with the closed forms (noted at each).
@Suite("Queueing target")
struct QueueingTargetTests {
    static let yaml = """
        name: q
        rules:
          - metric: cpu
            target: 80%
        scaleUp: { policies: [ { type: instances, value: 100, period: 15s } ] }
        scaleDown: { stabilization: 0s }
        queueing:
          capacity: 10
          p95: 2s
          headroom: 25%
          smooth: 1m
          window: 10m
          sigmas: 2
        """

    // MARK: The queueing model

    @Test func erlangCMatchesTheClosedForm() {
        // c = 1: an arrival waits with probability ρ.
        #expect(abs(QueueingTarget.erlangC(servers: 1, offered: 0.5) - 0.5) < 1e-12)
        // c = 2, a = 1: (a²/2! · c/(c − a)) / (1 + a + a²/2! · c/(c − a)) = 1 / 3.
        #expect(abs(QueueingTarget.erlangC(servers: 2, offered: 1) - 1.0 / 3) < 1e-12)
        // c = 10, a = 8 by the sum form Σ a^k/k! (Python one-liner): 0.40918015079644.
        #expect(abs(QueueingTarget.erlangC(servers: 10, offered: 8) - 0.4091801507964435) < 1e-12)
        #expect(QueueingTarget.erlangC(servers: 3, offered: 0) == 0)
        #expect(QueueingTarget.erlangC(servers: 3, offered: 3) == 1, "an unstable queue always waits")
    }

    @Test func p95SojournKnownAnswers() {
        // M/M/1: the sojourn is exponential with rate μ − λ, so p95 = ln 20 / (10 − 5).
        #expect(abs(QueueingTarget.p95Sojourn(servers: 1, arrivals: 5, capacity: 10) - log(20.0) / 5) < 1e-9)
        // M/M/2, λ = μ = 10: θ = 2μ − λ = μ, C = 1/3, so P(T > t) = e^(−10t) (1 + 10t/3); the 5 % point
        // solves e^(−x)(1 + x/3) = 0.05 at x = 3.81646.
        #expect(abs(QueueingTarget.p95Sojourn(servers: 2, arrivals: 10, capacity: 10) - 0.381646030516783) < 1e-9)
        // M/M/3, λ = 20, μ = 10 (the general branch), checked by bisection on the same tail in Python.
        #expect(abs(QueueingTarget.p95Sojourn(servers: 3, arrivals: 20, capacity: 10) - 0.40206881604115) < 1e-9)
        #expect(QueueingTarget.p95Sojourn(servers: 2, arrivals: 20, capacity: 10) == .infinity)
        // No load: the service time alone, ln 20 / μ.
        #expect(abs(QueueingTarget.p95Sojourn(servers: 4, arrivals: 0, capacity: 10) - log(20.0) / 10) < 1e-9)
    }

    @Test func serversForTheObjective() {
        // Random balancing: λ/c ≤ μ − ln 20 / L = 10 − 1.4979 = 8.5021 per instance.
        #expect(QueueingTarget.servers(arrivals: 170, capacity: 10, p95: 2, balancing: .random) == 20)
        #expect(QueueingTarget.servers(arrivals: 8.5, capacity: 10, p95: 2, balancing: .random) == 1)
        #expect(QueueingTarget.servers(arrivals: 8.51, capacity: 10, p95: 2, balancing: .random) == 2)
        #expect(QueueingTarget.servers(arrivals: 0, capacity: 10, p95: 2, balancing: .random) == 0)
        // Pooled with a loose objective (20 service times): stability plus one server is enough.
        #expect(QueueingTarget.servers(arrivals: 170, capacity: 10, p95: 2, balancing: .pooled) == 18)
        #expect(QueueingTarget.servers(arrivals: 1000, capacity: 10, p95: 2, balancing: .pooled) == 101)
        // A tight one (L = 0.4 s, 4 service times): 3 servers give 0.402 s, 4 give 0.315 s; random needs 8.
        #expect(QueueingTarget.servers(arrivals: 20, capacity: 10, p95: 0.4, balancing: .pooled) == 4)
        #expect(QueueingTarget.servers(arrivals: 20, capacity: 10, p95: 0.4, balancing: .random) == 8)
        // Pooled never needs more than separate queues.
        for rate in stride(from: 0.5, through: 300, by: 7.25) {
            #expect(QueueingTarget.servers(arrivals: rate, capacity: 10, p95: 2, balancing: .pooled)
                    <= QueueingTarget.servers(arrivals: rate, capacity: 10, p95: 2, balancing: .random))
        }
    }

    // MARK: The design rate

    /// A history whose series remembers `values` every `step` seconds, the last one `step` before `t0`.
    func history(_ policy: ScalePolicy, _ values: [Double], step: Double) -> ScalingHistory {
        var history = ScalingHistory.empty
        for (i, value) in values.enumerated() {
            let now = at(Double(i - values.count) * step)
            let decision = decide(policy, current: 10, metrics: ["request_rate": .total(value), "cpu": .total(0.5)], now: now, history: history)
            history.record(decision, at: now, applied: false)
        }
        return history
    }

    @Test func smoothingAveragesTheLastMinuteAndTheWindowGivesTheBurstMargin() throws {
        let policy = mustPolicy(Self.yaml)
        let queueing = try #require(policy.queueing)
        // 15 s ticks: 0, 0, 40, 40 remembered, 80 now. The last minute holds 0 (45 s ago), 40, 40, 80
        // (the reading 60 s old is outside): mean 40, × 1.25 = 50. The window holds all five: mean 32,
        // σ = √(mean of squares 1920 − 32²) = √896 = 29.93, + 2σ = 91.87.
        let h = history(policy, [0, 0, 40, 40], step: 15)
        let design = QueueingTarget.designRate(queueing, value: 80, series: h.lookahead, now: t0)
        #expect(design.smoothCount == 4 && abs(design.smoothed - 40) < 1e-9)
        #expect(design.windowCount == 5 && abs(design.mean - 32) < 1e-9)
        #expect(abs(design.sigma - 896.0.squareRoot()) < 1e-9)
        #expect(abs(design.rate - (32 + 2 * 896.0.squareRoot())) < 1e-9)
        // 91.87 / 8.5021 = 10.8 → 11.
        let d = decide(policy, current: 2, metrics: ["request_rate": .total(80), "cpu": .total(0.5)], history: h)
        #expect(d.desired == 11)
        #expect(d.proposals.contains { $0.rule == "queueing" && $0.instances == 11 })
        #expect(d.reasonCodes.first == "Proposal")
        let why = try #require(d.proposals.first { $0.rule == "queueing" }?.reason)
        #expect(why.contains("needs 11") && why.contains("M/M/1"), "the reason gives the numbers: \(why)")
    }

    @Test func steadyRateIsSizedWithTheHeadroomAlone() {
        let policy = mustPolicy(Self.yaml)
        // One-minute ticks: the smoothing holds this tick only; a flat window has σ = 0.
        // 68 × 1.25 = 85 → 85 / 8.5021 = 9.998 → 10 (a perInstance 6.8 rule would say the same).
        let h = history(policy, [68, 68, 68, 68], step: 60)
        let d = decide(policy, current: 4, metrics: ["request_rate": .total(68), "cpu": .total(0.5)], history: h)
        #expect(d.desired == 10)
        // Within 10 % of the running count it keeps it, as a target rule does.
        let kept = decide(policy, current: 11, metrics: ["request_rate": .total(68), "cpu": .total(0.5)], history: h)
        #expect(kept.desired == 11 && kept.hasReason(.withinTolerance))
    }

    @Test func aMissingRateBlocksScaleDown() {
        let policy = mustPolicy(Self.yaml)
        let d = decide(policy, current: 6, metrics: ["request_rate": .unavailable("timeout"), "cpu": .total(0.1)])
        #expect(d.desired == 6 && d.hasReason(.scaleDownBlocked), "cpu alone says 1, but the rate is unknown")
        let up = decide(policy, current: 2, metrics: ["request_rate": .unavailable("timeout"), "cpu": .total(1.0)])
        #expect(up.desired == 3, "a scale-up on the valid rules still happens")
    }

    /// The rate only the queueing target reads still counts its failed reads, so `fallback` sees them.
    @Test func failedRateReadsCountTowardFallback() {
        let policy = mustPolicy(Self.yaml + """

            fallback: { after: 3, instances: 8 }
            """)
        var failures: [String: Int] = [:]
        var last: Decision?
        for _ in 0..<3 {
            let d = decide(policy, current: 4, metrics: ["request_rate": .unavailable("timeout"), "cpu": .total(0.5)],
                           history: ScalingHistory(failures: failures))
            failures = d.failures
            last = d
        }
        #expect(failures["request_rate"] == 3)
        #expect(last?.desired == 8 && last?.hasReason(.fallback) == true, "\(String(describing: last?.reasons))")
        // One good read resets the count.
        let good = decide(policy, current: 4, metrics: ["request_rate": .total(30), "cpu": .total(0.5)], history: ScalingHistory(failures: failures))
        #expect(good.failures["request_rate"] == nil)
    }

    @Test func theSeriesIsKeptForTheWindowAndSharedWithALookahead() throws {
        let policy = mustPolicy(Self.yaml)
        let h = history(policy, Array(repeating: 10, count: 30), step: 60)
        let series = try #require(h.lookahead)
        #expect(series.metric == "request_rate")
        #expect((10...11).contains(series.readings.count), "10 minutes of one-minute readings (the boundary one by rounding)")
        let both = mustPolicy(Self.yaml + "\nlookahead: { perInstance: 6.8, horizon: 2m, window: 20m }\n")
        let hb = history(both, Array(repeating: 10, count: 30), step: 60)
        #expect((20...21).contains(try #require(hb.lookahead).readings.count), "the longer of the two windows")
        let short = mustPolicy(Self.yaml + "\nlookahead: { perInstance: 6.8, horizon: 2m, window: 5m }\n")
        #expect(try #require(history(short, Array(repeating: 10, count: 30), step: 60).lookahead).readings.count <= 11)
    }

    @Test func pooledBalancingRunsHotter() {
        var policy = mustPolicy(Self.yaml)
        policy.queueing?.balancing = .pooled
        policy.queueing?.headroom = 0
        policy.queueing?.window = 0
        // 170/s: 17 servers are unstable, 18 give p95 0.45 s (random would take 20).
        let d = decide(policy, current: 5, metrics: ["request_rate": .total(170), "cpu": .total(0.5)])
        #expect(d.desired == 18)
    }

    // MARK: Schema

    @Test func blockParses() {
        let policy = mustPolicy(Self.yaml)
        #expect(policy.queueing == ScaleQueueing(capacity: 10, p95: 2, headroom: 0.25, smooth: 60, window: 600, sigmas: 2))
        #expect(policy.metricNames == ["cpu", "request_rate"])
        #expect(policy.longestWindow < 600, "the window is kept in the series, not the rules' history")
        let pooled = mustPolicy("name: p\nqueueing: { metric: rps, capacity: 4, p95: 8s, balancing: pooled }\n")
        #expect(pooled.queueing == ScaleQueueing(metric: "rps", capacity: 4, p95: 8, balancing: .pooled))
    }

    @Test func mistakesAreDiagnosedWithWhereAndWhy() {
        let (noCapacity, d1) = policy("name: q\nqueueing: { p95: 2s }\n")
        #expect(noCapacity == nil)
        #expect(d1.items.contains { $0.summary == "Incomplete queueing target" && $0.path == "queueing" && $0.detail.contains("capacity") })
        let (tooTight, d2) = policy("name: q\nqueueing: { capacity: 10, p95: 250ms }\n")
        #expect(tooTight == nil)
        #expect(d2.hasErrors)
        let (belowIdle, d3) = policy("name: q\nqueueing: { capacity: 10, p95: 0.2 }\n")
        #expect(belowIdle == nil)
        #expect(d3.items.contains { $0.path == "queueing.p95" && $0.detail.contains("ln 20") })
        let (balancing, d4) = policy("name: q\nqueueing: { capacity: 10, p95: 2s, balancing: roundrobin }\n")
        #expect(balancing == nil)
        #expect(d4.items.contains { $0.path == "queueing.balancing" })
        let (conflict, d5) = policy("name: q\nqueueing: { capacity: 10, p95: 2s, metric: rps }\nlookahead: { perInstance: 5, horizon: 2m }\n")
        #expect(conflict == nil)
        #expect(d5.items.contains { $0.summary == "Conflicting metrics" })
        let (long, d6) = policy("name: q\nqueueing: { capacity: 10, p95: 2s, window: 2h }\n")
        #expect(long == nil)
        #expect(d6.items.contains { $0.path == "queueing.window" })
        let (unknown, d7) = policy("name: q\nqueueing: { capacity: 10, p95: 2s, target: 70% }\n")
        #expect(unknown == nil)
        #expect(d7.hasErrors)
    }
}
