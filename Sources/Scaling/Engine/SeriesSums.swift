import Blueprint
import Foundation

/// The sums a look-ahead's trend and a queueing target's design rate are made of, gathered from
/// this tick's reading and the history's series, walking the series once from the newest reading
/// back (``Lookahead/trend(_:value:series:now:)`` and ``QueueingTarget/designRate(_:value:series:now:)``
/// are each one such walk, finished).
///
/// A policy with both on one metric (web-default: `request_rate`) walks the series once for both:
/// every sum takes the same readings in the same order as its own walk would, so the trend and the
/// design rate are the same numbers, to the last bit.
enum SeriesSums {
    /// The normal equations' sums of a least-squares line; x is seconds before now (≤ 0).
    struct Trend {
        var n = 1.0, sx = 0.0, sy: Double, sxx = 0.0, sxy = 0.0

        init(value: Double) { sy = value }

        @inline(__always)
        mutating func add(_ x: Double, _ y: Double) {
            n += 1; sx += x; sy += y; sxx += x * x; sxy += x * y
        }
    }

    /// The smoothed rate's and the window's sums.
    struct Design {
        var smoothSum: Double, smoothCount = 1
        var sum: Double, sumSquares: Double, count = 1

        init(value: Double) {
            smoothSum = value
            sum = value
            sumSquares = value * value
        }
    }

    /// Readings `series` keeps of `metric` (none when it keeps another metric's).
    static func readings(of metric: String, in series: LookaheadSeries?) -> [LookaheadSeries.Reading] {
        series?.metric == metric ? series!.readings : []
    }

    /// The trend's sums: readings before `now` back to `from` (the walk stops at the first one older),
    /// from the reading at `index` back (the newest by default), added to `sums`.
    static func trend(value: Double, readings: [LookaheadSeries.Reading], now: Date, from: Date) -> Trend {
        var sums = Trend(value: value)
        walkTrend(&sums, readings: readings, from: readings.count - 1, now: now, cutoff: from)
        return sums
    }

    /// The design rate's sums: readings before `now` within `smoothFrom` and within `windowFrom`
    /// (the walk stops at the first one older than both).
    static func design(value: Double, readings: [LookaheadSeries.Reading], now: Date, smoothFrom: Date, windowFrom: Date) -> Design {
        var sums = Design(value: value)
        walkDesign(&sums, readings: readings, from: readings.count - 1, now: now, smoothFrom: smoothFrom, windowFrom: windowFrom)
        return sums
    }

    /// ``trend(value:readings:now:from:)`` and ``design(value:readings:now:smoothFrom:windowFrom:)``
    /// of one reading over one series in one walk while both go on, then the one that goes further
    /// on its own: each sum takes the readings its own walk would, in the same order.
    static func both(value: Double, readings: [LookaheadSeries.Reading], now: Date, from: Date, smoothFrom: Date, windowFrom: Date) -> (Trend, Design) {
        var trend = Trend(value: value)
        var design = Design(value: value)
        var index = readings.count - 1
        while index >= 0 {
            let when = readings[index].at, y = readings[index].value
            if when >= now { index -= 1; continue }
            // Where either walk would stop, the other goes on alone from this reading.
            if when < from || (when < smoothFrom && when < windowFrom) { break }
            index -= 1
            guard y.isFinite else { continue }
            trend.add(when.timeIntervalSince(now), y)
            if when >= smoothFrom { design.smoothSum += y; design.smoothCount += 1 }
            if when >= windowFrom { design.sum += y; design.sumSquares += y * y; design.count += 1 }
        }
        walkTrend(&trend, readings: readings, from: index, now: now, cutoff: from)
        walkDesign(&design, readings: readings, from: index, now: now, smoothFrom: smoothFrom, windowFrom: windowFrom)
        return (trend, design)
    }

    /// The trend's walk from the reading at `index` back.
    @inline(__always)
    private static func walkTrend(_ sums: inout Trend, readings: [LookaheadSeries.Reading], from index: Int, now: Date, cutoff from: Date) {
        guard index >= 0 else { return }
        readings.withUnsafeBufferPointer { readings in
            var index = index
            while index >= 0 {
                let when = readings[index].at, y = readings[index].value
                index -= 1
                if when >= now { continue }
                if when < from { break }
                guard y.isFinite else { continue }
                sums.add(when.timeIntervalSince(now), y)
            }
        }
    }

    /// The design rate's walk from the reading at `index` back.
    @inline(__always)
    private static func walkDesign(_ sums: inout Design, readings: [LookaheadSeries.Reading], from index: Int, now: Date, smoothFrom: Date, windowFrom: Date) {
        var index = index
        while index >= 0 {
            let when = readings[index].at, y = readings[index].value
            index -= 1
            if when >= now { continue }
            if when < smoothFrom && when < windowFrom { break }
            guard y.isFinite else { continue }
            if when >= smoothFrom { sums.smoothSum += y; sums.smoothCount += 1 }
            if when >= windowFrom { sums.sum += y; sums.sumSquares += y * y; sums.count += 1 }
        }
    }
}
