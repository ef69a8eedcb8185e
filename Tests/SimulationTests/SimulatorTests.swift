import Blueprint
import Foundation
import Testing
@testable import Simulation

/// Small synthetic traces with answers worked out by hand. Unless a test says otherwise one
/// instance serves 1 request/s and an interval is 10 s, so an instance serves 10 per interval.
@Suite("Service model and simulator")
struct SimulatorTests {
    static let start = Date(timeIntervalSince1970: 1_700_000_000)

    static func model(boot: Double = 0, delay: Double = 0, min: Int = 1, max: Int = 10, slo: SLO = .utilization(1)) -> ServiceModel {
        ServiceModel(capacity: 1, boot: boot, interval: 10, metricDelay: delay, min: min, max: max, slo: slo)
    }

    @Test func fifoQueueCarriesWorkAndAgesTheOldestRequest() {
        let run = Simulator.run(arrivals: [20, 0, 0], start: Self.start, model: Self.model(), scaler: .fixed(1), initial: 1, name: "one")
        #expect(run.backlog == [10, 0, 0])
        // The 10 requests left arrived uniformly over [0, 10): the oldest unserved one arrived at 5 s.
        #expect(run.oldestAge == [5, 0, 0])
        #expect(run.utilization == [1, 1, 0])
        #expect(run.violated == [true, false, false])
    }

    @Test func p95IsMM1PerInstance() {
        var model = Self.model(slo: .latencyP95(2))
        model.capacity = 10
        let run = Simulator.run(arrivals: [50], start: Self.start, model: model, scaler: .fixed(1), initial: 1, name: "one")
        // rho 0.5: ln 20 / (10 × 0.5).
        #expect(abs(Double(run.p95[0]) - log(20.0) / 5) < 1e-6)
        #expect(run.violated == [false])
        // The SLO's highest utilisation: 1 - ln 20 / (10 × 2) = 0.85.
        #expect(abs(model.targetUtilization - (1 - log(20.0) / 20)) < 1e-12)
        #expect(model.demand(arrivals: 85) == 1)
        #expect(model.demand(arrivals: 86) == 2)
    }

    @Test func bootTimeDelaysCapacityButIsBilled() {
        // A schedule asking for 3 at tick 1 with a 20 s boot: ready at tick 3.
        let run = Simulator.run(arrivals: [0, 0, 0, 0, 0], start: Self.start, model: Self.model(boot: 20), scaler: .schedule([1, 3, 3, 3, 1]), initial: 1, name: "s")
        #expect(run.count == [1, 3, 3, 3, 1])
        #expect(run.ready == [1, 1, 1, 3, 1])
        #expect(run.scaleActions == 2)
        #expect(run.instanceSeconds(interval: 10) == 110)
    }

    @Test func removalsTakeBootingInstancesFirst() {
        let run = Simulator.run(arrivals: [0, 0, 0, 0], start: Self.start, model: Self.model(boot: 30), scaler: .schedule([2, 4, 3, 3]), initial: 2, name: "s")
        #expect(run.ready == [2, 2, 2, 2])
        #expect(run.count == [2, 4, 3, 3])
    }

    @Test func stepTrace() throws {
        // 10 per interval for 20 intervals, then 30: demand 1 then 3 at util <= 100 %.
        let arrivals = [Double](repeating: 10, count: 20) + [Double](repeating: 30, count: 20)
        let trace = Trace(name: "step", start: Self.start, interval: 10, values: arrivals)
        let report = try Backtest.run(trace: trace, service: "web", model: Self.model(boot: 20), policies: [],
                                      baselines: [.staticPeak, .staticMean, .optimal], pricePerInstanceMonth: 730 * 3.6)
        let peak = report.results[0], mean = report.results[1], optimal = report.results[2]
        #expect(abs(peak.instanceHours * 3600 - 3 * 40 * 10) < 1e-6)
        #expect(peak.sloViolationFraction == 0)
        // Mean 20 per interval: 2 instances; the 20 high intervals are under-provisioned.
        #expect(abs(mean.instanceHours * 3600 - 2 * 40 * 10) < 1e-6)
        #expect(mean.sloViolationFraction > 0.45)
        #expect(mean.metrics.tauU == 50)
        // Optimum: 1 instance, plus 2 more launched 2 ticks before the step.
        #expect(abs(optimal.instanceHours * 3600 - (20 * 1 + 2 * 2 + 20 * 3) * 10) < 1e-6)
        #expect(optimal.sloViolationFraction == 0)
        #expect(optimal.scaleActions == 1)
        #expect(optimal.metrics.tauU == 0 && optimal.metrics.tauO == 0)
        // $3.60 per instance-hour at this price.
        #expect(abs(optimal.costUSD - optimal.instanceHours * 3.6) < 1e-9)
    }

    @Test func rampTrace() throws {
        // Demand climbs 1, 2, …, 6 over 6 blocks of 5 intervals, boot of one interval.
        var arrivals: [Double] = []
        for level in 1...6 { arrivals += [Double](repeating: Double(level * 10), count: 5) }
        let trace = Trace(name: "ramp", start: Self.start, interval: 10, values: arrivals)
        let report = try Backtest.run(trace: trace, service: "web", model: Self.model(boot: 10), policies: [Baseline.hpaPolicy],
                                      baselines: [.optimal], pricePerInstanceMonth: 1)
        let optimal = report.results[1]
        // Σ demand × 5 intervals, plus one booting interval for each of the 5 added instances.
        #expect(abs(optimal.instanceHours * 3600 - Double((1 + 2 + 3 + 4 + 5 + 6) * 5 + 5) * 10) < 1e-6)
        #expect(optimal.sloViolationFraction == 0)
        let hpa = report.results[0]
        // HPA keeps 30 % headroom, so it pays more than the optimum on a slow ramp, and it moves
        // in bigger steps than the demand does.
        #expect(hpa.instanceHours > optimal.instanceHours)
        #expect(hpa.metrics.thetaO > optimal.metrics.thetaO)
    }

    @Test func spikeTrace() throws {
        // One interval at 50 in a flat 10: the optimum boots 4 instances ahead and drops them after.
        var arrivals = [Double](repeating: 10, count: 30)
        arrivals[15] = 50
        let trace = Trace(name: "spike", start: Self.start, interval: 10, values: arrivals)
        let report = try Backtest.run(trace: trace, service: "web", model: Self.model(boot: 30), policies: [Baseline.hpaPolicy],
                                      baselines: [.staticPeak, .optimal], pricePerInstanceMonth: 1)
        let hpa = report.results[0], peak = report.results[1], optimal = report.results[2]
        #expect(abs(optimal.instanceHours * 3600 - (30 + 4 * (3 + 1)) * 10) < 1e-6)
        #expect(optimal.sloViolationFraction == 0)
        #expect(abs(peak.instanceHours * 3600 - 5 * 30 * 10) < 1e-6)
        // HPA cannot see the spike coming: it violates the SLO in the spike interval (and while
        // the queue drains).
        #expect(hpa.sloViolationFraction > 0)
        #expect(hpa.instanceHours >= 30 * 10 / 3600)
    }

    @Test func optimumScalesToZeroWhenTheBoundsAllowIt() {
        let model = Self.model(boot: 10, min: 0)
        let demand = [10.0, 0, 0, 0, 0, 0, 10].map { model.demand(arrivals: $0) }
        let schedule = OfflineOptimum.schedule(demand: demand, model: model)
        // The instance stops after the first interval and a new one boots one interval ahead.
        #expect(schedule.ready == [1, 0, 0, 0, 0, 0, 1])
        #expect(schedule.count == [1, 0, 0, 0, 0, 1, 1])
    }

    @Test func hpaSettlesNearItsTarget() throws {
        // A constant 50 per interval from 1 instance: HPA climbs until utilisation is within 10 % of 70 %.
        let arrivals = [Double](repeating: 50, count: 200)
        let run = Simulator.run(arrivals: arrivals, start: Self.start, model: Self.model(boot: 30, delay: 10),
                                scaler: .policy(Baseline.hpaPolicy), initial: 1, name: "hpa")
        #expect(run.ready.last == 8)   // 50 / 80 = 0.625, within 10 % of 0.7; 7 would read 0.714
        #expect(run.violated.suffix(50).allSatisfy { !$0 })
    }

    @Test func elasticityMetricsByHand() {
        let m = ElasticityMetrics(supply: [1, 2, 4, 4], demand: [2, 2, 2, 1], interval: 30)
        // Under: interval 0 by 1 of 2 → 50 %/4 intervals; over: 2/2 and 3/1.
        #expect(m.thetaU == 12.5)
        #expect(m.thetaO == 100 * (1.0 + 3.0) / 4)
        #expect(m.tauU == 25)
        #expect(m.tauO == 50)
        // Supply moved 3 units, demand 1, over 2 minutes.
        #expect(m.jitter == 1)
    }

    @Test func sloParsing() throws {
        #expect(try SLO.parse("p95<=2s") == .latencyP95(2))
        #expect(try SLO.parse("p95 <= 500ms") == .latencyP95(0.5))
        #expect(try SLO.parse("wait<=1m") == .oldestJob(60))
        #expect(try SLO.parse("util<=85%") == .utilization(0.85))
        #expect(throws: SimulationError.self) { try SLO.parse("p99<=2s") }
        #expect(throws: SimulationError.self) { try SLO.parse("p95=2s") }
        #expect(throws: SimulationError.self) {
            try ServiceModel(capacity: 1, boot: 0, interval: 15, metricDelay: 0, min: 1, max: 2, slo: .latencyP95(2)).validate()
        }
    }

    @Test func baselineListParsing() throws {
        #expect(try Baseline.parseList("static-peak, optimal") == [.staticPeak, .optimal])
        #expect(try Baseline.parseList("none") == [])
        #expect(throws: SimulationError.self) { try Baseline.parseList("static-peak,magic") }
    }
}
