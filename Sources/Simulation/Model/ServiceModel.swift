import Foundation

/// The simulated service: how much one instance serves, how long a new one takes to boot, how old
/// the controller's metrics are, how often it decides, its bounds and its SLO.
///
/// Every policy, baseline and the optimum run against the same model (Chameleon's "level playing
/// field"). Times are in seconds; boot time and metric delay are rounded up to whole intervals, as
/// the controller only acts on its ticks.
///
/// ```swift
/// let model = ServiceModel(capacity: 10, boot: 60, interval: 15, metricDelay: 30, min: 1, max: 40,
///                          slo: .latencyP95(2))
/// model.demand(arrivals: 1500)   // instances one 15 s interval of 1,500 requests needs
/// ```
public struct ServiceModel: Sendable, Equatable {
    /// Requests (or jobs) per second one ready instance serves.
    public var capacity: Double
    /// Seconds from asking for an instance to it serving (billed meanwhile).
    public var boot: Double
    /// Seconds between controller decisions; the trace is resampled to it.
    public var interval: Double
    /// How old the newest metric the controller sees is, in seconds.
    public var metricDelay: Double
    public var min: Int
    public var max: Int
    public var slo: SLO
    /// What memory reads (fraction); not modelled, constant, so that memory rules neither fire nor block.
    public var memory: Double

    public init(capacity: Double, boot: Double, interval: Double, metricDelay: Double, min: Int, max: Int, slo: SLO, memory: Double = 0.4) {
        self.capacity = capacity
        self.boot = boot
        self.interval = interval
        self.metricDelay = metricDelay
        self.min = min
        self.max = max
        self.slo = slo
        self.memory = memory
    }

    /// ln 20: the 95th percentile of an exponential distribution with mean 1.
    public static let ln20 = log(20.0)

    /// Ticks a new instance boots (billed, not serving).
    public var bootTicks: Int { Swift.max(0, Int((boot / interval - 1e-9).rounded(.up))) }
    /// Ticks between the end of the interval a metric describes and the decision that sees it.
    public var delayTicks: Int { Swift.max(0, Int((metricDelay / interval - 1e-9).rounded(.up))) }

    /// Checks the model can be simulated; the message says what to change.
    public func validate() throws(SimulationError) {
        guard capacity > 0, capacity.isFinite else { throw SimulationError("capacity per instance must be positive (requests or jobs per second), found \(capacity)") }
        guard interval > 0 else { throw SimulationError("the controller interval must be positive") }
        guard boot >= 0, metricDelay >= 0 else { throw SimulationError("boot time and metric delay cannot be negative") }
        guard min >= 0, max >= 1, min <= max else { throw SimulationError("bounds must satisfy 0 <= min <= max and max >= 1, found min \(min), max \(max)") }
        guard slo.maxUtilization(capacity: capacity) != nil else {
            if case .latencyP95(let limit) = slo {
                throw SimulationError("the SLO \(slo) cannot be met at \(SLO.trim(capacity)) requests/s per instance: even an idle instance has an estimated p95 of ln 20 / capacity = \(String(format: "%.2f", ServiceModel.ln20 / capacity))s > \(SLO.seconds(limit)); raise --capacity or the latency limit, or use a wait SLO for a worker")
            }
            throw SimulationError("the SLO \(slo) cannot be met")
        }
    }

    /// Highest utilisation with no backlog that meets the SLO (1 for a wait SLO).
    public var targetUtilization: Double { slo.maxUtilization(capacity: capacity) ?? 1 }

    /// The fewest ready instances that serve `arrivals` in one interval within the SLO with no
    /// backlog: `ceil(arrivals / (capacity × interval × targetUtilization))`, unclamped. The SPEC
    /// RG metrics' demand curve, and the optimum's floor.
    @inlinable
    public func demand(arrivals: Double) -> Int {
        let perInstance = capacity * interval * targetUtilization
        let needed = arrivals / perInstance
        return Swift.max(0, Int((needed - 1e-9).rounded(.up)))
    }
}
