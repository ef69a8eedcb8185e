/// One instance's reading of a per-instance metric (CPU, memory, requests per second).
///
/// `value` and `limit` are in the same unit (CPU seconds per second and the plan's CPUs; MB used and
/// MB of the plan). An instance that reported nothing has `value == nil` (or `missing == true`); an
/// instance still booting has `ready == false`.
///
/// ```swift
/// InstanceSample(0.3, limit: 1.0)                       // 30 % of one CPU
/// InstanceSample(nil, limit: 1.0)                       // reported nothing
/// InstanceSample(0.9, limit: 1.0, ready: false)         // booting: counts as 0 on a scale-up
/// ```
public struct InstanceSample: Sendable, Equatable {
    public var value: Double?
    public var limit: Double?
    public var ready: Bool

    public init(_ value: Double?, limit: Double? = nil, ready: Bool = true) {
        self.value = value
        self.limit = limit
        self.ready = ready
    }

    /// True when the instance reported nothing for this metric.
    @inlinable public var missing: Bool { value == nil }
}

/// What the controller (or `ballast decide`) observed for one metric this tick.
///
/// Missing data is a value, never `0`: a read that failed is `.unavailable(reason)`, and the engine
/// never scales down because of it.
///
/// ```swift
/// let metrics: ObservedMetrics = [
///     "cpu": .instances([InstanceSample(0.3, limit: 1), InstanceSample(0.8, limit: 1)]),
///     "queue_depth": .total(8600),
///     "latency_p95": .unavailable("prometheus timeout"),
/// ]
/// ```
public enum ObservedMetric: Sendable, Equatable {
    /// One entry per running instance.
    case instances([InstanceSample])
    /// One value for the whole service (a queue's depth, a request rate, an error ratio).
    case total(Double)
    /// The read failed; the reason is shown in the decision.
    case unavailable(String)

    /// The one number threshold rules compare and histories keep: utilisation (Σ values / Σ limits
    /// over ready instances that reported) when limits are known, else the average value over those
    /// instances; the value itself for a total; nil when unavailable or nobody reported.
    public var summaryValue: Double? { Reading(self).summary }

    /// A service-wide percentage as sources report it (72 for 72 %), as the fraction policies compare.
    public static func percent(_ value: Double) -> ObservedMetric { .total(value / 100) }

    /// A duration in milliseconds (latency as sources report it), as the seconds policies compare.
    public static func milliseconds(_ value: Double) -> ObservedMetric { .total(value / 1000) }

    public var unavailableReason: String? {
        if case .unavailable(let reason) = self { return reason }
        return nil
    }
}
