import Foundation

/// One metric's peak per fixed-width time bin over the last season(s): what a policy's `forecast`
/// looks back at. Part of ``ScalingHistory`` (the controller stores it in Redis with the rest), kept
/// for the forecast's own retention, not the rules' short window. A day of 5-minute bins is 288
/// numbers.
///
/// ```swift
/// var series = SeasonalSeries(metric: "request_rate", resolution: 300)
/// series.add(120, at: now, keeping: 86_700)
/// series.peak(from: now.addingTimeInterval(-86_400), to: now.addingTimeInterval(-86_400 + 600))
/// ```
public struct SeasonalSeries: Sendable, Equatable, Codable {
    public var metric: String
    /// Seconds per bin; bins are aligned to multiples of it since 1970.
    public var resolution: Double
    /// The index of `peaks[0]`'s bin (seconds since 1970 over `resolution`, rounded down).
    public var firstBin: Int
    /// Oldest first; nil where no reading fell in the bin.
    public var peaks: [Double?]

    public init(metric: String, resolution: Double, firstBin: Int = 0, peaks: [Double?] = []) {
        self.metric = metric
        self.resolution = resolution
        self.firstBin = firstBin
        self.peaks = peaks
    }

    func bin(_ date: Date) -> Int {
        Int((date.timeIntervalSince1970 / resolution).rounded(.down))
    }

    /// Remembers `value` in its bin (the bin keeps its highest value) and forgets bins that ended more
    /// than `retention` seconds before `date`. A reading older than the first bin is ignored.
    public mutating func add(_ value: Double, at date: Date, keeping retention: Double) {
        guard value.isFinite else { return }
        let bin = bin(date)
        let keepBins = Swift.max(1, Int((retention / resolution).rounded(.up)) + 1)
        if peaks.isEmpty || bin - firstBin >= peaks.count + keepBins {
            // Empty, or a gap longer than the retention: nothing remembered is still useful.
            firstBin = bin
            peaks = [value]
            return
        }
        let index = bin - firstBin
        guard index >= 0 else { return }
        if index < peaks.count {
            peaks[index] = Swift.max(peaks[index] ?? value, value)
        } else {
            peaks.reserveCapacity(Swift.min(keepBins + 1, peaks.count + 1 + (index - peaks.count)))
            while peaks.count < index { peaks.append(nil) }
            peaks.append(value)
        }
        let drop = peaks.count - keepBins
        if drop > 0 {
            peaks.removeFirst(drop)
            firstBin += drop
        }
    }

    /// The highest value remembered in a bin that overlaps `[from, to)`; nil when none was.
    public func peak(from: Date, to: Date) -> Double? {
        guard !peaks.isEmpty else { return nil }
        let first = Swift.max(bin(from) - firstBin, 0)
        var last = bin(to) - firstBin
        // A window ending exactly on a bin boundary does not reach into that bin.
        if to.timeIntervalSince1970 == Double(bin(to)) * resolution && to > from { last -= 1 }
        last = Swift.min(last, peaks.count - 1)
        guard first <= last else { return nil }
        var best: Double?
        for index in first...last {
            if let value = peaks[index], best == nil || value > best! { best = value }
        }
        return best
    }
}

/// What one decision hands the history for its policy's forecast: this tick's reading of the
/// forecast's metric (nil when unavailable) and how the series is kept.
public struct ForecastSample: Sendable, Equatable {
    public var metric: String
    public var value: Double?
    public var resolution: Double
    public var retention: Double

    public init(metric: String, value: Double?, resolution: Double, retention: Double) {
        self.metric = metric
        self.value = value
        self.resolution = resolution
        self.retention = retention
    }
}

extension ScalingHistory {
    /// Adds a decision's forecast sample to ``seasonal`` (starting a new series when the metric or the
    /// resolution changed); a decision without one (a policy without `forecast`) drops the series.
    mutating func remember(_ sample: ForecastSample?, at now: Date) {
        guard let sample else {
            if seasonal != nil { seasonal = nil }
            return
        }
        if seasonal == nil || seasonal!.metric != sample.metric || seasonal!.resolution != sample.resolution {
            seasonal = SeasonalSeries(metric: sample.metric, resolution: sample.resolution)
        }
        if let value = sample.value { seasonal!.add(value, at: now, keeping: sample.retention) }
    }
}
