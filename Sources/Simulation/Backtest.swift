import Blueprint
import Foundation

/// One contender's results: cost, SLO and the SPEC RG elasticity metrics.
public struct SimulationResult: Sendable, Equatable {
    public var name: String
    public var instanceHours: Double
    public var costUSD: Double
    /// Intervals in violation over all intervals.
    public var sloViolationFraction: Double
    public var sloViolationSeconds: Double
    public var scaleActions: Int
    public var metrics: ElasticityMetrics
    public var peakInstances: Int
    /// True for a row whose cost is a lower bound rather than a replayed schedule (the optimum
    /// under a wait SLO).
    public var isBound: Bool

    public init(name: String, instanceHours: Double, costUSD: Double, sloViolationFraction: Double, sloViolationSeconds: Double,
                scaleActions: Int, metrics: ElasticityMetrics, peakInstances: Int, isBound: Bool = false) {
        self.name = name
        self.instanceHours = instanceHours
        self.costUSD = costUSD
        self.sloViolationFraction = sloViolationFraction
        self.sloViolationSeconds = sloViolationSeconds
        self.scaleActions = scaleActions
        self.metrics = metrics
        self.peakInstances = peakInstances
        self.isBound = isBound
    }
}

/// A backtest's full outcome: the inputs, one result per contender and the series behind them.
public struct SimulationReport: Sendable {
    public var trace: String
    public var service: String
    public var model: ServiceModel
    /// The trace on the controller's grid.
    public var arrivals: [Double]
    public var start: Date
    public var demand: [Int]
    public var results: [SimulationResult]
    /// The replayed series, in the order of ``results``.
    public var runs: [SimulationRun]
    public var pricePerInstanceMonth: Double
}

/// Runs a policy and baselines over a trace with one service model.
///
/// ```swift
/// let grid = try Trace.parse(csv, name: "nasa").resampled(to: model.interval)
/// let report = try Backtest.run(trace: grid, service: "backend-api", model: model,
///                               policies: [webDefault], baselines: Baseline.allCases,
///                               pricePerInstanceMonth: 25)
/// report.results.map(\.instanceHours)
/// ```
public enum Backtest {
    public static func run(trace: Trace, service: String, model: ServiceModel, policies: [ScalePolicy],
                           baselines: [Baseline], pricePerInstanceMonth: Double, hoursPerMonth: Double = 730,
                           renderNativeTarget: Double = 0.7) throws(SimulationError) -> SimulationReport {
        try model.validate()
        let grid = abs(trace.interval - model.interval) < 1e-9 ? trace : trace.resampled(to: model.interval)
        let arrivals = grid.values
        guard !arrivals.isEmpty else { throw SimulationError("the trace '\(trace.name)' has no intervals") }
        var demand = [Int](repeating: 0, count: arrivals.count)
        for k in 0..<arrivals.count { demand[k] = model.demand(arrivals: arrivals[k]) }
        let initial = OfflineOptimum.initialCount(demand: demand, model: model)
        let perSecond = pricePerInstanceMonth / (hoursPerMonth * 3600)

        var results: [SimulationResult] = []
        var runs: [SimulationRun] = []
        func add(_ run: SimulationRun, bound: (hours: Double, note: Bool)? = nil) {
            var result = summarize(run, demand: demand, model: model, perSecond: perSecond)
            if let bound {
                result.instanceHours = bound.hours
                result.costUSD = bound.hours * 3600 * perSecond
                result.isBound = bound.note
            }
            results.append(result)
            runs.append(run)
        }
        for policy in policies {
            add(Simulator.run(arrivals: arrivals, start: grid.start, model: model, scaler: .policy(policy), initial: initial, name: policy.name))
        }
        let peakDemand = Swift.min(model.max, Swift.max(model.min, demand.max() ?? 1, 1))
        let perInstance = model.capacity * model.interval * model.targetUtilization
        let meanDemand = Swift.min(model.max, Swift.max(model.min, 1, Int((grid.mean / perInstance - 1e-9).rounded(.up))))
        for baseline in baselines {
            switch baseline {
            case .staticPeak:
                add(Simulator.run(arrivals: arrivals, start: grid.start, model: model, scaler: .fixed(peakDemand), initial: peakDemand, name: baseline.rawValue))
            case .staticMean:
                add(Simulator.run(arrivals: arrivals, start: grid.start, model: model, scaler: .fixed(meanDemand), initial: meanDemand, name: baseline.rawValue))
            case .hpaCPU70:
                add(Simulator.run(arrivals: arrivals, start: grid.start, model: model, scaler: .policy(Baseline.hpaPolicy), initial: initial, name: baseline.rawValue))
            case .renderNative:
                add(Simulator.run(arrivals: arrivals, start: grid.start, model: model, scaler: .policy(Baseline.renderNativePolicy(targetCPU: renderNativeTarget)), initial: initial, name: baseline.rawValue))
            case .optimal:
                let schedule = OfflineOptimum.schedule(demand: demand, model: model)
                let run = Simulator.run(arrivals: arrivals, start: grid.start, model: model, scaler: .schedule(schedule.count), initial: schedule.initial, name: baseline.rawValue)
                if case .oldestJob(let wait) = model.slo {
                    add(run, bound: (fluidBound(arrivals: arrivals, model: model, wait: wait) / 3600, true))
                } else {
                    add(run)
                }
            }
        }
        return SimulationReport(trace: trace.name, service: service, model: model, arrivals: arrivals, start: grid.start, demand: demand,
                                results: results, runs: runs, pricePerInstanceMonth: pricePerInstanceMonth)
    }

    /// Under a wait SLO work may queue, so per-interval demand is not a floor. A bound that holds:
    /// everything that arrived more than `wait` before the end must have been served
    /// (`A(T − wait) / capacity` instance-seconds), and `min` instances run throughout.
    static func fluidBound(arrivals: [Double], model: ServiceModel, wait: Double) -> Double {
        let dt = model.interval
        let horizon = Double(arrivals.count) * dt - wait
        var due = 0.0
        for (k, a) in arrivals.enumerated() {
            let from = Double(k) * dt
            if from + dt <= horizon { due += a } else if from < horizon { due += a * (horizon - from) / dt }
        }
        return Swift.max(Double(model.min) * Double(arrivals.count) * dt, due / model.capacity)
    }

    static func summarize(_ run: SimulationRun, demand: [Int], model: ServiceModel, perSecond: Double) -> SimulationResult {
        let seconds = run.instanceSeconds(interval: model.interval)
        let violations = run.violations
        let n = Swift.max(1, run.count.count)
        return SimulationResult(
            name: run.name, instanceHours: seconds / 3600, costUSD: seconds * perSecond,
            sloViolationFraction: Double(violations) / Double(n), sloViolationSeconds: Double(violations) * model.interval,
            scaleActions: run.scaleActions, metrics: ElasticityMetrics(supply: run.ready, demand: demand, interval: model.interval),
            peakInstances: Int(run.count.max() ?? 0))
    }
}
