import Blueprint
import Foundation

/// A policy's `queueing` target (``ScaleQueueing``): the fewest instances whose estimated p95 latency
/// at the design arrival rate is within the objective, from a queueing model of the instances.
///
/// - `random` balancing: each of `c` instances is an M/M/1 queue with arrivals `λ / c`; its sojourn
///   time is exponential with rate `μ − λ/c`, so p95 ≤ L needs `λ / c ≤ μ − ln 20 / L`: a fixed
///   highest utilisation `ρ* = 1 − ln 20 / (μ L)` whatever the rate (what `ballast simulate` models).
/// - `pooled` balancing: one M/M/c queue. A request waits with the Erlang C probability `C(c, λ/μ)`,
///   then exponentially with rate `cμ − λ`, and is served in an exponential time of rate `μ`; the p95
///   of that sojourn is solved for exactly. A large pool runs hotter for the same p95 than a small one.
///
/// The design rate is `max(smoothed × (1 + headroom), mean + sigmas × σ)`: the mean of the readings
/// of the last `smooth` (this tick's alone without it) with headroom against the lag, and a burst
/// margin from the mean and standard deviation of the last `window`'s readings. The readings are the
/// history's series (``ScalingHistory/lookahead``, which this target shares with a look-ahead) plus
/// this tick's, at their timestamps: no clock is read.
///
/// ```swift
/// // 170 requests/s, 10/s per instance, p95 ≤ 2 s, random: 170 / 8.502 → 20 instances
/// QueueingTarget.servers(arrivals: 170, capacity: 10, p95: 2, balancing: .random)   // 20
/// QueueingTarget.servers(arrivals: 170, capacity: 10, p95: 2, balancing: .pooled)   // 18
/// ```
public enum QueueingTarget {
    static let ln20 = log(20.0)

    // MARK: The queueing model

    /// Erlang C: the probability that an arrival waits in an M/M/c queue with `servers` servers and
    /// `offered` = λ/μ erlangs of load; 1 when the queue is unstable (`offered ≥ servers`).
    public static func erlangC(servers: Int, offered a: Double) -> Double {
        guard servers > 0, a > 0 else { return servers > 0 ? 0 : 1 }
        let c = Double(servers)
        guard a < c else { return 1 }
        // Erlang B by its recursion (stable for any c), then C from B.
        var b = 1.0
        for k in 1...servers { b = a * b / (Double(k) + a * b) }
        return c * b / (c - a * (1 - b))
    }

    /// P(sojourn > t) in an M/M/c queue (FCFS): the wait is 0 with probability 1 − C and otherwise
    /// exponential with rate θ = cμ − λ; the service is exponential with rate μ.
    public static func sojournTail(_ t: Double, servers: Int, arrivals lambda: Double, capacity mu: Double) -> Double {
        let c = Double(servers)
        let theta = c * mu - lambda
        guard theta > 0 else { return 1 }
        let waits = erlangC(servers: servers, offered: lambda / mu)
        let serviceOnly = exp(-mu * t)
        // P(W + S > t) for W ~ Exp(θ), S ~ Exp(μ).
        let both: Double
        if abs(theta - mu) < 1e-9 * mu {
            both = (1 + mu * t) * exp(-mu * t)
        } else {
            both = (theta * exp(-mu * t) - mu * exp(-theta * t)) / (theta - mu)
        }
        return (1 - waits) * serviceOnly + waits * both
    }

    /// The 95th percentile of the sojourn time; infinite when the queue is unstable.
    public static func p95Sojourn(servers: Int, arrivals lambda: Double, capacity mu: Double) -> Double {
        guard servers > 0, Double(servers) * mu > lambda else { return .infinity }
        // The tail falls from 1 at t = 0; bracket the 5 % point, then bisect.
        var lo = 0.0, hi = ln20 / mu
        while sojournTail(hi, servers: servers, arrivals: lambda, capacity: mu) > 0.05 { lo = hi; hi *= 2 }
        for _ in 0..<100 {
            let mid = (lo + hi) / 2
            if sojournTail(mid, servers: servers, arrivals: lambda, capacity: mu) > 0.05 { lo = mid } else { hi = mid }
            if hi - lo <= 1e-12 * hi { break }
        }
        return hi
    }

    /// The fewest instances that keep the estimated p95 within `p95` at `arrivals` per second (0 for
    /// no arrivals). Needs `p95 > ln 20 / capacity` (the policy reader checks it).
    public static func servers(arrivals lambda: Double, capacity mu: Double, p95 limit: Double, balancing: ScaleQueueing.Balancing) -> Int {
        guard lambda > 0 else { return 0 }
        let perInstance = mu - ln20 / limit          // the most one M/M/1 instance takes within the objective
        guard perInstance > 0 else { return Int.max }
        let randomCount = ReplicaCalculator.ceilCount(lambda / perInstance)
        if balancing == .random { return randomCount }
        // Pooling never needs more than separate queues; search upward from the stability bound.
        var c = Swift.max(1, Int((lambda / mu).rounded(.down)) + 1)
        while c < randomCount && p95Sojourn(servers: c, arrivals: lambda, capacity: mu) > limit { c += 1 }
        return c
    }

    // MARK: The proposal

    /// What the target says this tick.
    public struct Outcome: Sendable {
        /// The proposed count (the current one when kept within tolerance); nil when the metric is unavailable.
        public var instances: Int?
        /// True when the need is within the tolerance band around the current count.
        public var kept: Bool
        /// The rate the count is sized for, requests per second.
        public var designRate: Double?
        public var why: Decision.Message
    }

    /// The metric's service-wide value this tick (a total, or the sum over instances); nil when unavailable.
    public static func reading(_ queueing: ScaleQueueing, metrics: ObservedMetrics) -> Double? {
        Lookahead.reading(ScaleLookahead(metric: queueing.metric, perInstance: 1, horizon: 1), metrics: metrics)
    }

    /// The design rate from this tick's `value` and the remembered readings: the smoothed rate with
    /// headroom, and the window's mean plus `sigmas` standard deviations. A reading exactly `smooth`
    /// (or `window`) old is outside it.
    public static func designRate(_ queueing: ScaleQueueing, value: Double, series: LookaheadSeries?, now: Date)
        -> (rate: Double, smoothed: Double, smoothCount: Int, mean: Double, sigma: Double, windowCount: Int) {
        let (smoothFrom, windowFrom) = designFrom(queueing, now: now)
        let sums = SeriesSums.design(value: value, readings: SeriesSums.readings(of: queueing.metric, in: series), now: now,
                                     smoothFrom: smoothFrom, windowFrom: windowFrom)
        return designRate(queueing, sums)
    }

    /// Where the smoothed rate's and the window's readings start.
    static func designFrom(_ queueing: ScaleQueueing, now: Date) -> (smooth: Date, window: Date) {
        let slack = 1e-3   // timestamps made by adding intervals differ from exact multiples by rounding
        return (now.addingTimeInterval(-queueing.smooth + slack), now.addingTimeInterval(-queueing.window + slack))
    }

    /// The design rate of `sums` (``designRate(_:value:series:now:)`` once its walk is done).
    static func designRate(_ queueing: ScaleQueueing, _ sums: SeriesSums.Design)
        -> (rate: Double, smoothed: Double, smoothCount: Int, mean: Double, sigma: Double, windowCount: Int) {
        let smoothed = sums.smoothSum / Double(sums.smoothCount)
        var rate = smoothed * (1 + queueing.headroom)
        let mean = sums.sum / Double(sums.count)
        let sigma = (Swift.max(0, sums.sumSquares / Double(sums.count) - mean * mean)).squareRoot()
        if queueing.window > 0 { rate = Swift.max(rate, mean + queueing.sigmas * sigma) }
        return (rate, smoothed, sums.smoothCount, mean, sigma, sums.count)
    }

    /// The target's proposal: as a `perInstance` rule, the count is kept while the need is within
    /// `tolerance` of it; otherwise the fewest instances meeting the objective at the design rate.
    public static func evaluate(_ queueing: ScaleQueueing, value: Double?, series: LookaheadSeries?, now: Date,
                                current: Int, tolerance: Tolerance) -> Outcome {
        evaluate(queueing, value: value, current: current, tolerance: tolerance) { value in
            designRate(queueing, value: value, series: series, now: now)
        }
    }

    /// ``evaluate(_:value:series:now:current:tolerance:)`` with the design rate of a reading found by
    /// `size` (the engine's: from sums gathered in one walk with a look-ahead's).
    static func evaluate(_ queueing: ScaleQueueing, value: Double?, current: Int, tolerance: Tolerance,
                         size: (Double) -> (rate: Double, smoothed: Double, smoothCount: Int, mean: Double, sigma: Double, windowCount: Int)) -> Outcome {
        let metric = queueing.metric
        guard let value else { return Outcome(instances: nil, kept: false, designRate: nil, why: { "\(metric) unavailable: no reading" }) }
        let design = size(value)
        let mu = queueing.capacity, limit = queueing.p95
        let count = servers(arrivals: design.rate, capacity: mu, p95: limit, balancing: queueing.balancing)
        // The need as a fraction of instances, for the tolerance band: random balancing scales
        // linearly with the rate; pooled is whole servers.
        let needed = queueing.balancing == .random ? design.rate / (mu - ln20 / limit) : Double(count)
        // (Each message is one closure: a `head` closure captured by it would be a second allocation.)
        if current > 0 && tolerance.isWithin(needed / Double(current)) {
            return Outcome(instances: current, kept: true, designRate: design.rate, why: {
                "\(head(queueing, value, design, count: count)); within tolerance of \(current), keep \(current)"
            })
        }
        return Outcome(instances: count, kept: false, designRate: design.rate, why: { head(queueing, value, design, count: count) })
    }

    /// The sentence of a proposal sized at `design` (what ``evaluate(_:value:series:now:current:tolerance:)`` says).
    private static func head(_ queueing: ScaleQueueing, _ value: Double,
                             _ design: (rate: Double, smoothed: Double, smoothCount: Int, mean: Double, sigma: Double, windowCount: Int),
                             count: Int) -> String {
        let mu = queueing.capacity, limit = queueing.p95
        var text = "\(queueing.metric) \(fmt(value))"
        if design.smoothCount > 1 { text += ", mean \(fmt(design.smoothed)) over \(design.smoothCount) readings in \(ScalePolicy.formatDuration(queueing.smooth))" }
        if queueing.headroom > 0 { text += " × \(fmt(1 + queueing.headroom))" }
        if queueing.window > 0 {
            text += "; \(ScalePolicy.formatDuration(queueing.window)): mean \(fmt(design.mean)) + \(fmt(queueing.sigmas))σ (σ \(fmt(design.sigma)), \(design.windowCount) readings)"
        }
        let model = queueing.balancing == .random ? "M/M/1 per instance" : "M/M/c"
        return text + ": \(fmt(design.rate))/s at p95 ≤ \(ScalePolicy.formatDuration(limit)), \(fmt(mu))/s per instance (\(model)) needs \(count)"
    }

    /// What a decision hands the history's series of readings: the look-ahead's, kept long enough for
    /// this target too when the policy has both, or this target's own; nil when neither needs one.
    public static func seriesSample(_ policy: ScalePolicy, lookaheadReading: Double?, metrics: ObservedMetrics) -> LookaheadSample? {
        seriesSample(lookahead: policy.lookahead, queueing: policy.queueing, lookaheadReading: lookaheadReading,
                     queueingReading: { queueing in reading(queueing, metrics: metrics) })
    }

    /// ``seriesSample(_:lookaheadReading:metrics:)`` from the policy's parts and this tick's readings.
    static func seriesSample(lookahead: borrowing ScaleLookahead?, queueing: borrowing ScaleQueueing?, lookaheadReading: Double?,
                             queueingReading: (ScaleQueueing) -> Double?) -> LookaheadSample? {
        if let lookahead = copy lookahead {
            var window = lookahead.window
            if let queueing = copy queueing, queueing.metric == lookahead.metric { window = Swift.max(window, queueing.retention) }
            return LookaheadSample(metric: lookahead.metric, value: lookaheadReading, window: window)
        }
        if let queueing = copy queueing, queueing.retention > 0 {
            return LookaheadSample(metric: queueing.metric, value: queueingReading(queueing), window: queueing.retention)
        }
        return nil
    }
}
