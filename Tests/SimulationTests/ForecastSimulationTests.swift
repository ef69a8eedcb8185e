import Blueprint
import Foundation
import Testing
@testable import Simulation

/// Issue 9: a policy's seasonal forecast, replayed through the simulator on a synthetic trace with a
/// known daily peak.
@Suite("Forecast in simulation")
struct ForecastSimulationTests {
    /// Three days of minutes from midnight UTC: 20 requests/s, and 200/s from 12:00 to 13:00 every day.
    static func dailyPeakTrace() -> Trace {
        let start = Date(timeIntervalSince1970: 1_700_006_400)   // 2023-11-15T00:00:00Z
        var values: [Double] = []
        for minute in 0..<(3 * 1440) {
            let hour = (minute % 1440) / 60
            values.append((hour == 12 ? 200 : 20) * 60)
        }
        return Trace(name: "daily-peak", start: start, interval: 60, values: values)
    }

    static func policy(forecast: ScaleForecast?) -> ScalePolicy {
        ScalePolicy(name: forecast == nil ? "reactive" : "forecast",
                    rules: [ScaleRule(name: "rate", kind: .perInstance(metric: "request_rate", target: 8)),
                            ScaleRule(name: "cpu", kind: .utilization(metric: "cpu", target: 0.8))],
                    scaleUp: ScalingRules(stabilization: 0, policies: [RatePolicy(type: .percent, value: 100, period: 15),
                                                                      RatePolicy(type: .instances, value: 10, period: 15)]),
                    scaleDown: ScalingRules(stabilization: 240, policies: [RatePolicy(type: .percent, value: 100, period: 15)]),
                    forecast: forecast)
    }

    @Test func theForecastMeetsTheKnownPeakThatAReactivePolicyMisses() throws {
        let trace = Self.dailyPeakTrace()
        // 10 requests/s per instance, one-minute boot and metric delay, utilisation <= 85 % and no backlog.
        let model = ServiceModel(capacity: 10, boot: 60, interval: 60, metricDelay: 60, min: 1, max: 40, slo: .utilization(0.85))
        let forecast = ScaleForecast(metric: "request_rate", perInstance: 8.5, season: 86_400, lead: 300, headroom: 1, resolution: 60)
        let report = try Backtest.run(trace: trace, service: "web", model: model,
                                      policies: [Self.policy(forecast: nil), Self.policy(forecast: forecast)],
                                      baselines: [.optimal], pricePerInstanceMonth: 25)
        let reactive = report.results[0], predictive = report.results[1], optimal = report.results[2]
        let reactiveRun = report.runs[0], predictiveRun = report.runs[1]
        // Each day's step to 200/s is seen a minute late and served a minute after that: the reactive
        // policy misses the first minutes of every peak (and leaves a backlog to drain).
        let perDay = { (run: SimulationRun, day: Int) in run.violated[(day * 1440)..<((day + 1) * 1440)].count { $0 } }
        for day in 0..<3 { #expect(perDay(reactiveRun, day) >= 2) }
        // The forecast has nothing to go on the first day, then raises the count before 12:00. (The
        // series is recorded when the policy sees a reading: two minutes after the arrivals, so the
        // 5-minute lead covers that delay, the one-minute boot and a tick.)
        #expect(perDay(predictiveRun, 0) == perDay(reactiveRun, 0))
        #expect(perDay(predictiveRun, 1) == 0 && perDay(predictiveRun, 2) == 0)
        #expect(predictiveRun.ready[1440 + 720] >= 24, "day 2, 12:00: ready for 200/s at 85 %")
        #expect(predictive.sloViolationFraction < reactive.sloViolationFraction)
        // No more instance-time than reacting late (measured: 289.3 against 296.3 instance-hours): while
        // the late policy drains its backlog, CPU reads 100 % and the CPU rule overshoots, and the
        // 4-minute window holds the overshoot; raising two minutes early costs less.
        #expect(predictive.instanceHours <= reactive.instanceHours)
        #expect(predictive.instanceHours >= optimal.instanceHours)
    }
}
