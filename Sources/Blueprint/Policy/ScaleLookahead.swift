import Foundation

/// A trend look-ahead against actuation lag: the metric's straight-line trend over the last `window`
/// of readings (least squares), extrapolated `horizon` ahead of now, over `perInstance`.
///
/// ```yaml
/// lookahead:
///   metric: request_rate     # a service-wide total (default request_rate)
///   perInstance: 6.8         # default: the perInstance of the policy's rule on `metric`
///   horizon: 2m              # how far ahead to project: the metric's delay plus the boot time
///   window: 5m               # the readings the trend is fitted to (default 5m; at least 3 readings)
/// ```
///
/// The engine proposes `ceil(projection / perInstance)` next to the rules only when the trend rises
/// and the projection needs more instances than run now (beyond the scale-up tolerance); otherwise
/// it abstains. So it only ever adds instances: a falling or noisy trend cannot shed capacity, which
/// stays with the rules and the observed value. When it wins the decision says `TrendLookahead`.
public struct ScaleLookahead: Sendable, Equatable {
    public var metric: String
    public var perInstance: Double
    /// Seconds ahead of now the trend is projected to.
    public var horizon: Double
    /// Seconds of readings (before now) the trend is fitted to.
    public var window: Double

    public init(metric: String = "request_rate", perInstance: Double, horizon: Double, window: Double = 300) {
        self.metric = metric
        self.perInstance = perInstance
        self.horizon = horizon
        self.window = window
    }
}

extension NodeDecoder {
    static let lookaheadKeys = ["metric", "perInstance", "horizon", "window"]

    /// The `lookahead` block of a scale policy; `rules` are the policy's rules, whose `perInstance`
    /// rule on the same metric gives the default `perInstance`.
    mutating func scaleLookahead(_ node: YAMLNode, path: String, rules: [ScaleRule]) -> ScaleLookahead? {
        guard let fields = mapping(node, path: path, allowed: Self.lookaheadKeys, what: "a lookahead (a mapping)") else { return nil }
        let before = diagnostics.errorCount
        var lookahead = ScaleLookahead(perInstance: 0, horizon: 0)
        if let n = fields.present("metric"), let value = string(n, path: NodeDecoder.join(path, "metric")) { lookahead.metric = value }
        guard let horizonNode = fields.present("horizon") else {
            error("Incomplete lookahead", "A lookahead needs `horizon`: how far ahead to project the trend (the metric's delay plus the boot time, e.g. `2m`).", path: path, at: node)
            return nil
        }
        if let seconds = duration(horizonNode, path: NodeDecoder.join(path, "horizon")) {
            if seconds > 0 && seconds <= 3600 { lookahead.horizon = seconds } else {
                error("Value out of range", "`horizon` must be longer than 0s and at most 1h: a straight line does not say where traffic will be further ahead.", path: NodeDecoder.join(path, "horizon"), at: horizonNode)
            }
        }
        if let n = fields.present("window"), let seconds = duration(n, path: NodeDecoder.join(path, "window")) {
            if seconds > 0 && seconds <= 3600 { lookahead.window = seconds } else {
                error("Value out of range", "`window` must be longer than 0s and at most 1h (the readings the trend is fitted to).", path: NodeDecoder.join(path, "window"), at: n)
            }
        }
        if let perNode = fields.present("perInstance") {
            if let value = double(perNode, path: NodeDecoder.join(path, "perInstance"), minimum: 0) {
                if value > 0 { lookahead.perInstance = value } else {
                    error("Value out of range", "`perInstance` must be above 0.", path: NodeDecoder.join(path, "perInstance"), at: perNode)
                }
            }
        } else if let rule = rules.first(where: { if case .perInstance(lookahead.metric, _) = $0.kind { return true } else { return false } }),
                  case .perInstance(_, let target) = rule.kind {
            lookahead.perInstance = target
        } else {
            error("Incomplete lookahead", "A lookahead needs `perInstance` (how much of `\(lookahead.metric)` one instance takes), or a `perInstance` rule on `\(lookahead.metric)` to take it from.", path: path, at: node)
        }
        return diagnostics.errorCount == before ? lookahead : nil
    }
}
