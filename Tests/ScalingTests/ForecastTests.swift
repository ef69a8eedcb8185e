import Blueprint
import Foundation
import Testing
@testable import Scaling

/// Issue 9: a policy's seasonal `forecast` proposes a count from the metric's remembered peak one
/// season ago over the coming lead window; without the block the engine decides as before.
@Suite("Seasonal forecast")
struct ForecastTests {
    static let rateYAML = """
        name: rate
        rules:
          - metric: request_rate
            perInstance: 8
        scaleUp: { policies: [ { type: instances, value: 100, period: 15s } ] }
        scaleDown: { stabilization: 0s }
        """
    static let forecastYAML = rateYAML + """

        forecast:
          metric: request_rate
          perInstance: 10
          season: 1d
          lead: 10m
          headroom: 120%
          resolution: 5m
        """

    // MARK: Schema

    @Test func forecastBlockParsesWithDefaults() {
        let policy = mustPolicy("""
            name: f
            rules: [ { metric: cpu, target: 70% } ]
            forecast: { perInstance: 8 }
            """)
        #expect(policy.forecast == ScaleForecast(metric: "request_rate", perInstance: 8, season: 86_400, seasons: 1, lead: 600, headroom: 1, resolution: 300))
        #expect(policy.metricNames == ["cpu", "request_rate"], "the forecast's metric is read like a rule's")
        #expect(policy.longestWindow == 300, "the season is kept in its own series, not in the rules' window")
        let full = mustPolicy(Self.forecastYAML)
        #expect(full.forecast == ScaleForecast(metric: "request_rate", perInstance: 10, season: 86_400, seasons: 1, lead: 600, headroom: 1.2, resolution: 300))
    }

    @Test func forecastMistakesAreDiagnosed() {
        let (missing, d1) = policy("name: f\nforecast: { lead: 5m }\n")
        #expect(missing == nil)
        #expect(d1.items.contains { $0.summary == "Incomplete forecast" && $0.path == "forecast" })
        let (pastSeason, d2) = policy("name: f\nforecast: { perInstance: 8, season: 1h, lead: 1h }\n")
        #expect(pastSeason == nil)
        #expect(d2.items.contains { $0.summary == "Forecast looks past its season" })
        let (unknown, d3) = policy("name: f\nforecast: { perInstance: 8, horizon: 5m }\n")
        #expect(unknown == nil)
        #expect(d3.hasErrors)
        let (zero, d4) = policy("name: f\nforecast: { perInstance: 0 }\n")
        #expect(zero == nil)
        #expect(d4.items.contains { $0.path == "forecast.perInstance" })
    }

    // MARK: The remembered series

    @Test func seriesKeepsThePeakPerBinAndForgetsPastItsRetention() {
        var series = SeasonalSeries(metric: "request_rate", resolution: 300)
        let start = t0   // 12:00, a multiple of 5 minutes
        series.add(10, at: start, keeping: 3600)
        series.add(30, at: start.addingTimeInterval(60), keeping: 3600)
        series.add(20, at: start.addingTimeInterval(240), keeping: 3600)
        series.add(5, at: start.addingTimeInterval(900), keeping: 3600)   // 12:15, two empty bins between
        #expect(series.peaks == [30, nil, nil, 5])
        #expect(series.peak(from: start, to: start.addingTimeInterval(300)) == 30)
        #expect(series.peak(from: start.addingTimeInterval(300), to: start.addingTimeInterval(900)) == nil, "empty bins, and the window ends where 12:15's bin starts")
        #expect(series.peak(from: start.addingTimeInterval(300), to: start.addingTimeInterval(901)) == 5)
        // Two hours later with a one-hour retention: only the last 13 bins stay.
        series.add(7, at: start.addingTimeInterval(7200), keeping: 3600)
        #expect(series.peaks == [7], "a gap longer than the retention starts afresh")
        for minute in stride(from: 5.0, through: 120, by: 5) { series.add(minute, at: start.addingTimeInterval(7200 + minute * 60), keeping: 3600) }
        #expect(series.peaks.count == 13)
        #expect(series.peak(from: start, to: start.addingTimeInterval(7200)) == nil)
    }

    // MARK: The floor

    /// A history whose series holds `values` per 5-minute bin starting one day before `t0`.
    func yesterday(_ values: [Double], offset: Double = 0) -> ScalingHistory {
        var series = SeasonalSeries(metric: "request_rate", resolution: 300)
        for (i, value) in values.enumerated() {
            series.add(value, at: t0.addingTimeInterval(-86_400 + offset + Double(i) * 300), keeping: 86_400 + 300)
        }
        return ScalingHistory(seasonal: series)
    }

    @Test func knownHistoryGivesKnownFloor() {
        let policy = mustPolicy(Self.forecastYAML)
        // Yesterday 12:00-12:15: 40, 95, 300 requests/s. The 10 minutes ahead of 12:00 cover the first two bins.
        let history = yesterday([40, 95, 300])
        let d = decide(policy, current: 3, max: 40, metrics: ["request_rate": .total(20)], history: history)
        // ceil(95 × 1.2 / 10) = 12, above the rule's ceil(20 / 8) = 3.
        #expect(d.desired == 12)
        #expect(d.reasonCodes == ["ForecastFloor", "DesiredWithinRange"])
        let forecast = d.proposals.first { $0.rule == "forecast" }
        #expect(forecast?.instances == 12)
        #expect(forecast?.reason == "request_rate peaked at 95 in the 10m ahead, 24h ago × 120% / 10 per instance = 12")
        #expect(d.reasons[0].message.hasPrefix("the forecast proposes 12, above every rule"))
        // Five minutes later the window reaches the 300 bin: ceil(300 × 1.2 / 10) = 36.
        let later = decide(policy, current: 12, max: 40, metrics: ["request_rate": .total(20)], now: at(300), history: history)
        #expect(later.desired == 36)
    }

    @Test func rulesAboveTheForecastWin() {
        let policy = mustPolicy(Self.forecastYAML)
        let d = decide(policy, current: 3, max: 40, metrics: ["request_rate": .total(200)], history: yesterday([40, 95]))
        #expect(d.desired == 25)
        #expect(d.reasonCodes.first == "Proposal")
        #expect(d.proposals.map(\.instances) == [25, 12])
    }

    @Test func seasonsTakeTheHighestAndAbstainWithoutHistory() {
        var policy = mustPolicy(Self.forecastYAML)
        policy.forecast?.seasons = 2
        var series = SeasonalSeries(metric: "request_rate", resolution: 300)
        series.add(50, at: at(-2 * 86_400), keeping: 2 * 86_400 + 300)
        series.add(80, at: at(-86_400), keeping: 2 * 86_400 + 300)
        let floor = Forecasting.floor(policy.forecast!, series: series, now: t0)
        #expect(floor?.instances == 10)   // ceil(80 × 1.2 / 10)
        #expect(floor?.seasonsSeen == 2)
        #expect(Forecasting.floor(policy.forecast!, series: nil, now: t0) == nil)
        // Another metric's series is not this forecast's.
        let other = SeasonalSeries(metric: "requests", resolution: 300, firstBin: series.firstBin, peaks: series.peaks)
        #expect(Forecasting.floor(policy.forecast!, series: other, now: t0) == nil)
        // Nothing remembered for the window (only 13:00 yesterday): the forecast abstains, the rule decides.
        var late = SeasonalSeries(metric: "request_rate", resolution: 300)
        late.add(300, at: at(-86_400 + 3600), keeping: 86_700)
        let d = decide(mustPolicy(Self.forecastYAML), current: 3, max: 40, metrics: ["request_rate": .total(20)], history: ScalingHistory(seasonal: late))
        #expect(d.desired == 3)
        #expect(d.proposals.count == 1)
        #expect(!d.hasReason(.forecastFloor))
    }

    @Test func decisionsRecordTheSeriesAndADayLaterTheFloorRises() {
        let policy = mustPolicy(Self.forecastYAML)
        var history = ScalingHistory.starting(current: 1, at: at(-86_400))
        var current = 1
        // A day of 1-minute ticks: 16 requests/s, except 160 between 12:05 and 12:20 yesterday.
        for minute in 0..<1440 {
            let now = at(-86_400 + Double(minute) * 60)
            let rate: Double = (5..<20).contains(minute) ? 160 : 16
            let d = decide(policy, current: current, max: 40, metrics: ["request_rate": .total(rate)], now: now, history: history)
            #expect(d.forecastSample == ForecastSample(metric: "request_rate", value: rate, resolution: 300, retention: 86_700))
            history.record(d, at: now, applied: d.desired != current)
            current = d.desired
        }
        #expect(history.seasonal?.peaks.count == 288)
        #expect(history.recommendations.count <= 2, "the rules' own window stays short")
        // 11:55 today: 11:55-12:05 yesterday was quiet (16 → ceil(19.2 / 10) = 2, not above the rule's 2).
        let before = decide(policy, current: 2, max: 40, metrics: ["request_rate": .total(16)], now: at(-300), history: history)
        #expect(before.desired == 2)
        #expect(!before.hasReason(.forecastFloor))
        // 12:00 today at quiet traffic: 12:05-12:10 yesterday had 160 → ceil(192 / 10) = 20, ahead of the peak.
        let ahead = decide(policy, current: 2, max: 40, metrics: ["request_rate": .total(16)], now: t0, history: history)
        #expect(ahead.desired == 20)
        #expect(ahead.hasReason(.forecastFloor))
    }

    // MARK: Without the block, nothing changes

    @Test func withoutAForecastDecisionsAndHistoriesAreAsBefore() {
        let plain = mustPolicy(Self.rateYAML)
        var withEmpty = plain
        withEmpty.forecast = ScaleForecast(perInstance: 10)   // no history yet: it must abstain
        var h1 = ScalingHistory.starting(current: 2, at: t0), h2 = h1
        var c1 = 2, c2 = 2
        let rates: [Double] = [16, 40, 90, 90, 30, 8, 8, 70, 0, 12]
        for (i, rate) in rates.enumerated() {
            let now = at(Double(i) * 15)
            let a = decide(plain, current: c1, max: 20, metrics: ["request_rate": .total(rate)], now: now, history: h1)
            let b = decide(withEmpty, current: c2, max: 20, metrics: ["request_rate": .total(rate)], now: now, history: h2)
            #expect(a.desired == b.desired && a.reasonCodes == b.reasonCodes && a.recommendation == b.recommendation)
            #expect(a.proposals.map(\.reason) == b.proposals.map(\.reason))
            #expect(a.forecastSample == nil)
            h1.record(a, at: now, applied: a.desired != c1)
            h2.record(b, at: now, applied: b.desired != c2)
            c1 = a.desired; c2 = b.desired
        }
        #expect(h1.seasonal == nil)
        #expect(h2.seasonal?.peaks.isEmpty == false)
        var stripped = h2
        stripped.seasonal = nil
        #expect(stripped == h1, "the forecast adds its series and nothing else")
    }

    @Test func historiesStoredBeforeForecastsStillDecode() throws {
        let old = #"{"recommendations":[{"at":0,"instances":3}],"events":[],"observations":[],"failures":{}}"#
        let history = try JSONDecoder().decode(ScalingHistory.self, from: Data(old.utf8))
        #expect(history.seasonal == nil)
        #expect(history.recommendations.count == 1)
        var withSeries = history
        withSeries.seasonal = SeasonalSeries(metric: "request_rate", resolution: 300, firstBin: 5, peaks: [1, nil, 3])
        let again = try JSONDecoder().decode(ScalingHistory.self, from: JSONEncoder().encode(withSeries))
        #expect(again == withSeries)
    }
}
