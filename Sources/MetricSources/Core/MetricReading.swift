import Foundation

/// One observed value with the time it describes (not the time it was fetched).
///
/// Render's metrics arrive at 30 s resolution at best and lag; Prometheus answers with the time of
/// the sample it evaluated. Keeping the timestamp lets the engine treat old data as unavailable.
public struct MetricSample: Sendable, Equatable, Codable {
    public var value: Double
    public var timestamp: Date

    public init(value: Double, timestamp: Date) {
        self.value = value
        self.timestamp = timestamp
    }

    /// Seconds between the sample and `now` (never negative).
    public func age(at now: Date) -> Double {
        max(0, now.timeIntervalSince(timestamp))
    }
}

/// What a source answers for one metric: a sample, or why there is none.
///
/// Missing data is a value, never `0`: an empty queue reads `.sample(0)`, a queue whose Redis is down
/// reads `.unavailable("…connection refused")`, and the engine never scales down on the latter.
///
/// ```swift
/// switch reading.fresh(maxAge: 120, now: now) {
/// case .sample(let sample): use(sample.value)
/// case .unavailable(let reason): hold(because: reason)
/// }
/// ```
public enum MetricReading: Sendable, Equatable {
    case sample(MetricSample)
    case unavailable(String)

    /// A reading of `value` at `timestamp`.
    public static func value(_ value: Double, at timestamp: Date) -> MetricReading {
        .sample(MetricSample(value: value, timestamp: timestamp))
    }

    public var sample: MetricSample? {
        if case .sample(let sample) = self { return sample }
        return nil
    }

    public var value: Double? { sample?.value }

    public var unavailableReason: String? {
        if case .unavailable(let reason) = self { return reason }
        return nil
    }

    /// The same reading, or `.unavailable` when its sample is older than `maxAge` seconds at `now`.
    public func fresh(maxAge: Double, now: Date) -> MetricReading {
        guard case .sample(let sample) = self else { return self }
        let age = sample.age(at: now)
        if age > maxAge {
            return .unavailable(String(format: "stale: the newest sample is %.0f s old (limit %.0f s)", age, maxAge))
        }
        return self
    }
}
