import Foundation
import Testing
@testable import Simulation

/// The optimum is checked against brute force: every count schedule on tiny traces.
@Suite("Offline optimum")
struct OptimumTests {
    static let start = Date(timeIntervalSince1970: 0)

    /// Deterministic pseudo-random arrivals.
    static func arrivals(seed: UInt64, count: Int, peak: Int) -> [Double] {
        var state = seed &* 6_364_136_223_846_793_005 &+ 1
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double((state >> 33) % UInt64(peak * 10 + 1))
        }
    }

    @Test(arguments: [(1, 0), (2, 1), (3, 2), (4, 1), (5, 3), (6, 0), (7, 2), (8, 1)])
    func optimumIsTheCheapestScheduleThatMeetsTheSLO(seed: Int, bootTicks: Int) {
        let n = 7, top = 3
        let model = ServiceModel(capacity: 1, boot: Double(bootTicks) * 10, interval: 10, metricDelay: 0, min: 1, max: top, slo: .utilization(1))
        let arrivals = Self.arrivals(seed: UInt64(seed), count: n, peak: top)
        let demand = arrivals.map { model.demand(arrivals: $0) }
        let optimum = OfflineOptimum.schedule(demand: demand, model: model)
        let replay = Simulator.run(arrivals: arrivals, start: Self.start, model: model, scaler: .schedule(optimum.count), initial: optimum.initial, name: "opt")
        #expect(replay.violations == 0)
        // Every schedule of counts in 1...top+bootTicks (a booting instance may sit above max).
        let choices = top + bootTicks
        var best = Int.max
        var schedule = [Int](repeating: 1, count: n)
        func visit(_ k: Int) {
            if k == n {
                let run = Simulator.run(arrivals: arrivals, start: Self.start, model: model, scaler: .schedule(schedule), initial: optimum.initial, name: "x")
                if run.violations == 0 { best = min(best, run.count.reduce(0) { $0 + Int($1) }) }
                return
            }
            for c in 1...choices {
                schedule[k] = c
                visit(k + 1)
            }
        }
        visit(0)
        #expect(replay.count.reduce(0) { $0 + Int($1) } == best)
    }

    @Test func noPolicyThatMeetsTheSLOIsCheaper() throws {
        for seed in 1...20 {
            let arrivals = Self.arrivals(seed: UInt64(seed), count: 300, peak: 8).enumerated().map { i, v in v * (1 + sin(Double(i) / 20)) }
            let model = ServiceModel(capacity: 1, boot: 30, interval: 10, metricDelay: 10, min: 1, max: 30, slo: .utilization(0.9))
            let trace = Trace(name: "r", start: Self.start, interval: 10, values: arrivals)
            let report = try Backtest.run(trace: trace, service: "s", model: model, policies: [Baseline.hpaPolicy, Baseline.renderNativePolicy()],
                                          baselines: Baseline.allCases, pricePerInstanceMonth: 1)
            let optimal = try #require(report.results.first { $0.name == "optimal" })
            #expect(optimal.sloViolationFraction == 0)
            for result in report.results where result.sloViolationFraction == 0 {
                #expect(result.instanceHours >= optimal.instanceHours - 1e-9, "\(result.name) beat the optimum on seed \(seed)")
            }
        }
    }
}
