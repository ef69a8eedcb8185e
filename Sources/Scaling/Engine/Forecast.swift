import Blueprint
import Foundation

/// A policy's seasonal `forecast` (``ScaleForecast``): the count that the metric's remembered peak
/// over the coming `lead` window, one or more seasons ago, would need. Pure: it reads only the
/// history and the moment it is handed.
///
/// ```swift
/// // request_rate peaked at 84/s between 12:00 and 12:10 yesterday; perInstance 8, headroom 100 %
/// Forecasting.floor(forecast, series: history.seasonal, now: noon)?.instances   // 11
/// ```
public enum Forecasting {
    public struct Floor: Sendable {
        public var instances: Int
        /// The highest remembered value in the windows looked at.
        public var peak: Double
        /// How many past seasons had a reading in their window.
        public var seasonsSeen: Int
        public var why: Decision.Message
    }

    /// The forecast's proposal at `now`, or nil when nothing is remembered for any of the windows
    /// (the first season, a gap in the readings, another metric or resolution).
    public static func floor(_ forecast: ScaleForecast, series: SeasonalSeries?, now: Date) -> Floor? {
        guard let series, series.metric == forecast.metric, series.resolution == forecast.resolution else { return nil }
        var peak: Double?
        var seen = 0
        for back in 1...Swift.max(1, forecast.seasons) {
            let from = now.addingTimeInterval(-forecast.season * Double(back))
            guard let value = series.peak(from: from, to: from.addingTimeInterval(Swift.max(forecast.lead, forecast.resolution))) else { continue }
            seen += 1
            if peak == nil || value > peak! { peak = value }
        }
        guard let peak else { return nil }
        let needed = (peak * forecast.headroom / forecast.perInstance).rounded(.up)
        let instances = needed.isFinite ? Int(Swift.min(Swift.max(needed, 0), 1e6)) : 0
        let metric = forecast.metric, seasons = forecast.seasons, seenCount = seen
        let season = forecast.season, lead = forecast.lead, headroom = forecast.headroom, per = forecast.perInstance
        let why: Decision.Message = {
            let when = seasons == 1 ? "\(ScalePolicy.formatDuration(season)) ago" : "\(seenCount) of the last \(seasons) × \(ScalePolicy.formatDuration(season))"
            let scaled = headroom == 1 ? "" : " × \((headroom * 100).cleanDescription)%"
            return "\(metric) peaked at \(fmt(peak)) in the \(ScalePolicy.formatDuration(lead)) ahead, \(when)\(scaled) / \(per.cleanDescription) per instance = \(instances)"
        }
        return Floor(instances: instances, peak: peak, seasonsSeen: seen, why: why)
    }

    /// What the history must remember of this tick for `forecast`: the metric's service-wide value (a
    /// total, or the sum over instances, as a perInstance rule reads it); nil value when unavailable.
    public static func sample(_ forecast: ScaleForecast, metrics: ObservedMetrics) -> ForecastSample {
        sample(forecast, value: metrics.reading(forecast.metric).serviceValue)
    }

    /// The same, from the metric's service-wide value already read.
    static func sample(_ forecast: ScaleForecast, value: Double?) -> ForecastSample {
        ForecastSample(metric: forecast.metric, value: value, resolution: forecast.resolution, retention: forecast.retention)
    }
}
