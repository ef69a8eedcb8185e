import Foundation

/// The service-wide readings of a policy's `lookahead` metric over its `window`: what the trend is
/// fitted to. Part of ``ScalingHistory`` (the controller stores it in Redis with the rest), kept apart
/// from the observations so that a long fitting window does not make the history keep every metric's
/// summary for that long. Twenty minutes of 15-second ticks are 80 pairs of numbers.
///
/// ```swift
/// var series = LookaheadSeries(metric: "request_rate")
/// series.add(120, at: now, keeping: 1200)
/// series.readings.last?.value   // 120
/// ```
public struct LookaheadSeries: Sendable, Equatable, Codable {
    public struct Reading: Sendable, Equatable, Codable {
        public var at: Date
        public var value: Double

        public init(at: Date, value: Double) {
            self.at = at
            self.value = value
        }
    }

    public var metric: String
    /// Oldest first.
    public var readings: [Reading]

    public init(metric: String, readings: [Reading] = []) {
        self.metric = metric
        self.readings = readings
    }

    /// Remembers `value` at `date` (when finite) and forgets readings older than `retention` seconds
    /// before `date`.
    public mutating func add(_ value: Double?, at date: Date, keeping retention: Double) {
        if let value, value.isFinite { readings.append(Reading(at: date, value: value)) }
        let cutoff = date.addingTimeInterval(-retention)
        let firstRecent = readings.firstIndex { $0.at >= cutoff } ?? readings.count
        if firstRecent > 0 { readings.removeFirst(firstRecent) }
    }
}

/// What one decision hands the history for its policy's look-ahead: this tick's service-wide reading
/// of the metric (nil when unavailable) and how long the series is kept.
public struct LookaheadSample: Sendable, Equatable {
    public var metric: String
    public var value: Double?
    public var window: Double

    public init(metric: String, value: Double?, window: Double) {
        self.metric = metric
        self.value = value
        self.window = window
    }
}

extension ScalingHistory {
    /// Adds a decision's look-ahead sample to ``lookahead`` (starting a new series when the metric
    /// changed); a decision without one (a policy without `lookahead`) drops the series.
    mutating func remember(_ sample: LookaheadSample?, at now: Date) {
        guard let sample else {
            if lookahead != nil { lookahead = nil }
            return
        }
        if lookahead == nil || lookahead!.metric != sample.metric { lookahead = LookaheadSeries(metric: sample.metric) }
        lookahead!.add(sample.value, at: now, keeping: sample.window)
    }

    /// Histories stored before the look-ahead had its own series kept its readings in the
    /// observations under `~<metric>`: moves them into ``lookahead`` (the next record trims it to the
    /// policy's window).
    mutating func migrateLookaheadReadings() {
        guard lookahead == nil else { return }
        var series: LookaheadSeries?
        for index in observations.indices {
            guard let entry = observations[index].values.entries.first(where: { $0.name.hasPrefix("~") }) else { continue }
            let metric = String(entry.name.dropFirst())
            if series == nil { series = LookaheadSeries(metric: metric) }
            if series!.metric == metric, entry.value.isFinite { series!.readings.append(.init(at: observations[index].at, value: entry.value)) }
            observations[index].values[entry.name] = nil
        }
        lookahead = series
    }
}
