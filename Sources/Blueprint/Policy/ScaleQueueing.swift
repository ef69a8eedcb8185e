import Foundation

/// A queueing-aware target: size the service for a p95 latency objective from a queueing model of
/// the instances, given the arrival rate, instead of a fixed utilisation target.
///
/// ```yaml
/// queueing:
///   metric: request_rate     # arrivals per second, service-wide (default request_rate)
///   capacity: 10             # requests per second one instance serves (its service rate)
///   p95: 2s                  # the latency objective
///   balancing: random        # random: each instance its own M/M/1 queue; pooled: one M/M/c queue (Erlang C)
///   headroom: 25%            # on the smoothed rate, against the lag of metric delay plus boot (default 0%)
///   smooth: 1m               # the rate is the mean of the readings of the last `smooth` (default: this tick's)
///   window: 10m              # burst margin: also size for mean + sigmas × σ of this window's readings
///   sigmas: 2                # (default 2; no margin without `window`)
/// ```
///
/// The engine proposes the fewest instances whose estimated p95 at the design rate `max(smoothed ×
/// (1 + headroom), mean + sigmas × σ)` is within `p95`, next to the rules, with a rule's tolerance.
/// It is a rule in all but place: when its metric is unavailable it counts as a rule that cannot
/// read its metric (a scale-down waits).
public struct ScaleQueueing: Sendable, Equatable {
    /// How requests reach the instances, which decides the queueing model.
    public enum Balancing: String, Sendable, Equatable, CaseIterable {
        /// Round-robin or random: each instance is an M/M/1 queue with its share of the arrivals.
        case random
        /// Least-connections or one shared queue: the service is one M/M/c queue (Erlang C).
        case pooled
    }

    public var metric: String
    /// Requests (or jobs) per second one instance serves.
    public var capacity: Double
    /// The p95 latency objective, seconds.
    public var p95: Double
    public var balancing: Balancing
    /// Fraction added to the smoothed rate (0.25 for `25%`).
    public var headroom: Double
    /// Seconds of readings averaged into the rate (0: this tick's reading only).
    public var smooth: Double
    /// Seconds of readings whose mean and spread give the burst margin (0: none).
    public var window: Double
    /// Standard deviations above the window's mean.
    public var sigmas: Double

    public init(metric: String = "request_rate", capacity: Double, p95: Double, balancing: Balancing = .random,
                headroom: Double = 0, smooth: Double = 0, window: Double = 0, sigmas: Double = 2) {
        self.metric = metric
        self.capacity = capacity
        self.p95 = p95
        self.balancing = balancing
        self.headroom = headroom
        self.smooth = smooth
        self.window = window
        self.sigmas = sigmas
    }

    /// Seconds of readings the history must keep for it (the longer of `smooth` and `window`).
    public var retention: Double { max(smooth, window) }
}

extension NodeDecoder {
    static let queueingKeys = ["metric", "capacity", "p95", "balancing", "headroom", "smooth", "window", "sigmas"]

    /// The `queueing` block of a scale policy; `lookahead` is the policy's, whose metric it must share
    /// (both keep their readings in one series of the history).
    mutating func scaleQueueing(_ node: YAMLNode, path: String, lookahead: ScaleLookahead?) -> ScaleQueueing? {
        guard let fields = mapping(node, path: path, allowed: Self.queueingKeys, what: "a queueing target (a mapping)") else { return nil }
        let before = diagnostics.errorCount
        var queueing = ScaleQueueing(capacity: 0, p95: 0)
        func at(_ key: String) -> String { NodeDecoder.join(path, key) }
        if let n = fields.present("metric"), let value = string(n, path: at("metric")) { queueing.metric = value }
        guard let capacityNode = fields.present("capacity"), let p95Node = fields.present("p95") else {
            error("Incomplete queueing target", "A queueing target needs `capacity` (requests per second one instance serves) and `p95` (the latency objective, e.g. `2s`).", path: path, at: node)
            return nil
        }
        if let value = double(capacityNode, path: at("capacity"), minimum: 0) {
            if value > 0 { queueing.capacity = value } else {
                error("Value out of range", "`capacity` must be above 0 (requests per second one instance serves).", path: at("capacity"), at: capacityNode)
            }
        }
        if let seconds = duration(p95Node, path: at("p95")) {
            if queueing.capacity > 0 && seconds <= log(20.0) / queueing.capacity {
                let floor = String(format: "%.3g", log(20.0) / queueing.capacity)
                error("Value out of range", "`p95` must be above ln 20 / capacity = \(floor)s: even an idle instance's p95 (one exponential service time) is that long.", path: at("p95"), at: p95Node)
            } else if seconds > 0 {
                queueing.p95 = seconds
            }
        }
        if let n = fields.present("balancing"), let value = oneOf(n, path: at("balancing"), as: ScaleQueueing.Balancing.self) { queueing.balancing = value }
        if let n = fields.present("headroom"), let value = percent(n, path: at("headroom")) {
            if value >= 0 && value <= 10 { queueing.headroom = value } else {
                error("Value out of range", "`headroom` must be between 0% and 1000%.", path: at("headroom"), at: n)
            }
        }
        for key in ["smooth", "window"] {
            guard let n = fields.present(key), let seconds = duration(n, path: at(key)) else { continue }
            guard seconds >= 0 && seconds <= 3600 else {
                error("Value out of range", "`\(key)` must be between 0s and 1h.", path: at(key), at: n)
                continue
            }
            if key == "smooth" { queueing.smooth = seconds } else { queueing.window = seconds }
        }
        if let n = fields.present("sigmas"), let value = double(n, path: at("sigmas"), minimum: 0) {
            if value <= 10 { queueing.sigmas = value } else {
                error("Value out of range", "`sigmas` must be between 0 and 10.", path: at("sigmas"), at: n)
            }
        }
        if let lookahead, lookahead.metric != queueing.metric {
            error("Conflicting metrics", "`queueing` reads `\(queueing.metric)` but `lookahead` reads `\(lookahead.metric)`: they share the history's series of readings, so they must read the same metric.", path: at("metric"), at: fields["metric"] ?? node)
        }
        return diagnostics.errorCount == before ? queueing : nil
    }
}
