/// The offline optimum: the least instance-time whose ready instances meet the SLO in every
/// interval, knowing the whole trace in advance, with the same boot time, bounds and start.
///
/// Under a latency or utilisation SLO an interval meets the SLO only if it ends with no backlog
/// and its utilisation is at most ``ServiceModel/targetUtilization``, which needs at least
/// `d_k = demand(arrivals_k)` ready instances (clamped to the bounds). Any schedule then costs
/// `Σ ready_k + bootTicks × (instances started)` intervals. Split the ready curve into unit layers
/// (layer `j` is on when `ready_k >= j`): both terms add up over layers, and the layers of the
/// optimum nest, so each layer is solved alone: it must be on wherever `d_k >= j`, and an off gap
/// between two on runs is kept running when it is no longer than the boot time (keeping costs
/// `gap`, restarting costs `bootTicks`). Leading gaps of layers already running at the start are
/// gaps like any other; a layer's first run otherwise costs a boot. The result is a schedule the
/// simulator replays (it meets the SLO), and no schedule with fewer instance-intervals meets it.
public enum OfflineOptimum {
    /// Ready instances per interval and the count to ask for per interval (ready plus booting ones
    /// started `bootTicks` before their run).
    public struct Schedule: Sendable, Equatable {
        public var ready: [Int]
        public var count: [Int]
        public var initial: Int
    }

    /// The initial count every contender starts with: enough for the first `bootTicks + 1`
    /// intervals (nobody can have more ready sooner), within the bounds.
    public static func initialCount(demand: [Int], model: ServiceModel) -> Int {
        var peak = 0
        for k in 0..<Swift.min(demand.count, model.bootTicks + 1) { peak = Swift.max(peak, demand[k]) }
        return Swift.min(model.max, Swift.max(model.min, Swift.max(peak, 1)))
    }

    public static func schedule(demand rawDemand: [Int], model: ServiceModel) -> Schedule {
        let n = rawDemand.count
        let floorCount = model.min   // 0 with scale to zero: an idle interval needs no instance
        var demand = rawDemand
        for k in 0..<n { demand[k] = Swift.min(model.max, Swift.max(floorCount, demand[k])) }
        let initial = initialCount(demand: rawDemand, model: model)
        let boot = model.bootTicks
        var ready = [Int](repeating: 0, count: n)
        var starts = [Int](repeating: 0, count: n + 1)   // runs starting at tick k (not initial ones)
        let top = demand.max() ?? 0
        guard top > 0 else { return Schedule(ready: ready, count: ready, initial: initial) }
        for level in 1...top {
            // Virtual "on" at tick -1 for layers running at the start.
            var lastOn = level <= initial ? -1 : Int.min
            for k in 0..<n where demand[k] >= level {
                if lastOn == Int.min {
                    starts[k] += 1
                } else {
                    let gap = k - lastOn - 1
                    if gap > 0 {
                        if gap <= boot {
                            for g in (lastOn + 1)..<k { ready[g] += 1 }
                        } else {
                            starts[k] += 1
                        }
                    }
                }
                ready[k] += 1
                lastOn = k
            }
        }
        // Booting instances: a run starting at s boots during [s - boot, s).
        var count = ready
        if boot > 0 {
            var bootingNow = 0
            // bootingNow at k = Σ starts in (k, k + boot].
            for s in 1...Swift.min(boot, n) { bootingNow += starts[s] }
            for k in 0..<n {
                count[k] += bootingNow
                bootingNow -= starts[k + 1]
                if k + 1 + boot <= n - 1 { bootingNow += starts[k + 1 + boot] }
            }
        }
        return Schedule(ready: ready, count: count, initial: initial)
    }
}
