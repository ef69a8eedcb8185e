import Blueprint
import Foundation
import Scaling

/// Replays arrivals through the service model under one scaler.
///
/// Each tick `k` (at `start + k × interval`): instances whose boot finished become ready; the
/// scaler decides a count from metrics of the interval that ended `delayTicks` ticks ago; new
/// instances start booting (billed, ready `bootTicks` later), removals take booting instances
/// first, then ready ones; then interval `k`'s arrivals join the FIFO queue and the ready
/// instances serve up to `ready × capacity × interval` of it.
///
/// ```swift
/// let run = Simulator.run(arrivals: grid.values, start: grid.start, model: model,
///                         scaler: .policy(policy), initial: 3, name: "web-default")
/// run.violations
/// ```
public enum Simulator {
    /// Metric names the simulator feeds a policy (every one as a service-wide `.total`).
    public static let metricNames = ["cpu", "memory", "error_rate", "latency_p95", "request_rate", "requests",
                                     "queue_depth", "queue_age", "queue_active"]

    public static func run(arrivals: [Double], start: Date, model: ServiceModel, scaler: Scaler, initial: Int, name: String) -> SimulationRun {
        let n = arrivals.count
        var out = SimulationRun(name: name, capacity: n)
        let dt = model.interval
        let mu = model.capacity
        let bootTicks = model.bootTicks
        let lag = model.delayTicks
        let ringSize = bootTicks + 1
        var ring = [Int](repeating: 0, count: ringSize)   // instances becoming ready at tick k + i
        var ready = initial
        var booting = 0
        var backlog = 0.0
        var served = 0.0                                   // cumulative
        var cumulative = [Double](repeating: 0, count: n + 1)
        for k in 0..<n { cumulative[k + 1] = cumulative[k] + arrivals[k] }
        var pointer = 0                                    // interval holding the oldest unserved arrival
        var history = ScalingHistory.starting(current: initial, at: start)
        var engine = ScalingEngine.Context()
        let p95Idle = ServiceModel.ln20 / mu
        var reads: [String] = []
        if case .policy(let policy) = scaler { reads = policy.metricNames.filter { metricNames.contains($0) } }

        for k in 0..<n {
            // 1. Boots that finish now.
            let slot = k % ringSize
            if bootTicks > 0 && ring[slot] > 0 {
                ready += ring[slot]
                booting -= ring[slot]
                ring[slot] = 0
            }
            // 2. Decide.
            let current = ready + booting
            var desired = current
            switch scaler {
            case .fixed(let count):
                desired = count
            case .schedule(let counts):
                desired = counts[k]
            case .policy(let policy):
                let observed = k - 1 - lag
                if observed >= 0 {
                    let now = start.addingTimeInterval(Double(k) * dt)
                    let metrics = observedMetrics(reads, interval: observed, run: out, arrivals: arrivals, model: model)
                    let input = DecisionInput(now: now, current: current, min: model.min, max: model.max, policy: policy,
                                              metrics: metrics, readyInstances: ready, history: history)
                    let decision = engine.decide(input)
                    desired = decision.desired
                    history.record(decision, at: now, applied: decision.desired != current)
                }
            }
            desired = Swift.max(0, desired)
            if desired > current {
                let added = desired - current
                if bootTicks == 0 {
                    ready += added
                } else {
                    ring[(k + bootTicks) % ringSize] += added
                    booting += added
                }
            } else if desired < current {
                var remove = current - desired
                if booting > 0 {
                    var i = bootTicks
                    while i >= 1 && remove > 0 {
                        let s = (k + i) % ringSize
                        let take = Swift.min(ring[s], remove)
                        ring[s] -= take
                        booting -= take
                        remove -= take
                        i -= 1
                    }
                }
                ready -= remove
            }
            if desired != current { out.scaleActions += 1 }

            // 3. Serve interval k.
            let capacity = Double(ready) * mu * dt
            let work = backlog + arrivals[k]
            let done = Swift.min(work, capacity)
            backlog = work - done
            if backlog <= 1e-9 * Swift.max(1, work) { backlog = 0 }
            served += done
            let utilization = capacity > 0 ? done / capacity : (work > 0 ? 1 : 0)
            var age = 0.0
            if backlog > 0 {
                let target = cumulative[k + 1] - backlog
                while pointer < n && cumulative[pointer + 1] <= target { pointer += 1 }
                let inInterval = arrivals[pointer] > 0 ? (target - cumulative[pointer]) / arrivals[pointer] : 0
                let arrivedAt = (Double(pointer) + Swift.min(1, Swift.max(0, inInterval))) * dt
                age = Swift.max(0, Double(k + 1) * dt - arrivedAt)
            }
            let p95: Double
            if ready == 0 {
                p95 = work > 0 ? age + p95Idle : 0
            } else {
                let rho = Swift.min(utilization, 0.99)
                p95 = age + ServiceModel.ln20 / (mu * (1 - rho))
            }
            let violated: Bool
            switch model.slo {
            case .latencyP95(let limit): violated = backlog > 0 || p95 > limit + 1e-9
            case .utilization(let limit): violated = backlog > 0 || utilization > limit + 1e-9
            case .oldestJob(let limit): violated = age > limit + 1e-9
            }
            out.count.append(Int32(ready + booting))
            out.ready.append(Int32(ready))
            out.utilization.append(Float(utilization))
            out.backlog.append(Float(backlog))
            out.oldestAge.append(Float(age))
            out.p95.append(Float(p95))
            out.violated.append(violated)
        }
        return out
    }

    /// What the controller reads about interval `j`: service-wide values, as Render and the queue
    /// readers report them.
    /// Only the metrics in `names` (those the policy reads) are built.
    static func observedMetrics(_ names: [String], interval j: Int, run: SimulationRun, arrivals: [Double], model: ServiceModel) -> ObservedMetrics {
        var metrics = ObservedMetrics()
        metrics.reserveCapacity(names.count)
        for name in names {
            let value: Double
            switch name {
            case "cpu": value = Double(run.utilization[j])
            case "memory": value = model.memory
            case "error_rate": value = 0
            case "latency_p95": value = Double(run.p95[j])
            case "request_rate", "requests": value = arrivals[j] / model.interval
            case "queue_depth": value = Double(run.backlog[j])
            case "queue_age": value = Double(run.oldestAge[j])
            case "queue_active": value = (Double(run.utilization[j]) * Double(run.ready[j])).rounded(.up)
            default: continue
            }
            metrics[name] = .total(value)
        }
        return metrics
    }
}
