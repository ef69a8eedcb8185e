import Blueprint

/// What moves the instance count in a simulation.
public enum Scaler: Sendable {
    /// A fixed count (the static baselines).
    case fixed(Int)
    /// A count per interval decided in advance (the offline optimum's schedule).
    case schedule([Int])
    /// A scale policy run through `ScalingEngine`, exactly as the controller runs it.
    case policy(ScalePolicy)
}

/// One simulated interval series: what ran, what it served, how it did.
///
/// Series are indexed by interval; `count[k]` is the instance count during interval `k` (billed:
/// ready plus booting), `ready[k]` the instances serving.
public struct SimulationRun: Sendable {
    public var name: String
    public var count: [Int32]
    public var ready: [Int32]
    /// Served work over capacity: what CPU would read (0…1).
    public var utilization: [Float]
    /// Work left queued at the end of the interval.
    public var backlog: [Float]
    /// Age of the oldest queued request or job at the end of the interval, seconds (FIFO).
    public var oldestAge: [Float]
    /// Estimated p95 latency, seconds (see `docs/simulation.md`).
    public var p95: [Float]
    public var violated: [Bool]
    /// Intervals in which the count changed (one scale call each).
    public var scaleActions: Int

    public init(name: String, capacity: Int) {
        self.name = name
        count = []; ready = []; utilization = []; backlog = []; oldestAge = []; p95 = []; violated = []
        count.reserveCapacity(capacity); ready.reserveCapacity(capacity); utilization.reserveCapacity(capacity)
        backlog.reserveCapacity(capacity); oldestAge.reserveCapacity(capacity); p95.reserveCapacity(capacity)
        violated.reserveCapacity(capacity)
        scaleActions = 0
    }

    /// Instance-seconds billed.
    public func instanceSeconds(interval: Double) -> Double {
        var total = 0
        for c in count { total += Int(c) }
        return Double(total) * interval
    }

    public var violations: Int {
        var n = 0
        for v in violated where v { n += 1 }
        return n
    }
}
