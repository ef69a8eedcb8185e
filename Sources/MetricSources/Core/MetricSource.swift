import Blueprint
import Foundation

/// A metric the scaling engine can ask about a service.
public enum Metric: Sendable, Hashable, Codable {
    /// CPU in use over the CPU limit, averaged over instances, in percent (0-100+).
    case cpuUtilization
    /// Memory in use over the memory limit, averaged over instances, in percent.
    case memoryUtilization
    /// Response time at a quantile, in milliseconds (`latency(quantile: 0.95)` is p95).
    case latency(quantile: Double)
    /// HTTP requests per second.
    case requestRate
    /// Share of HTTP responses with a 5xx status, in percent.
    case errorRate
    /// Running instances.
    case instanceCount
    /// Jobs waiting in the service's queue.
    case queueDepth
    /// Jobs being worked on.
    case queueActive
    /// Jobs scheduled for later.
    case queueDelayed
    /// Age in seconds of the oldest waiting job.
    case queueOldestAge
    /// A Prometheus expression, evaluated as an instant query.
    case query(String, aggregation: PrometheusAggregation? = nil)

    /// The name used in policies and output (`cpu`, `queue_depth`, …).
    public var name: String {
        switch self {
        case .cpuUtilization: "cpu"
        case .memoryUtilization: "memory"
        case .latency(let quantile): "latency_p\(Self.percentile(quantile))"
        case .requestRate: "request_rate"
        case .errorRate: "error_rate"
        case .instanceCount: "instances"
        case .queueDepth: "queue_depth"
        case .queueActive: "queue_active"
        case .queueDelayed: "queue_delayed"
        case .queueOldestAge: "queue_age"
        case .query(let expression, _): "query(\(expression))"
        }
    }

    /// The metric a policy names (`cpu`, `memory`, `latency_p95`, `request_rate`/`rps`, `error_rate`,
    /// `instances`, `queue_depth`, `queue_active`, `queue_delayed`, `queue_age`); nil for other names.
    public init?(policyName name: String) {
        switch name {
        case "cpu": self = .cpuUtilization
        case "memory": self = .memoryUtilization
        case "request_rate", "rps": self = .requestRate
        case "error_rate": self = .errorRate
        case "instances": self = .instanceCount
        case "queue_depth": self = .queueDepth
        case "queue_active": self = .queueActive
        case "queue_delayed": self = .queueDelayed
        case "queue_age": self = .queueOldestAge
        default:
            guard name.hasPrefix("latency_p"), let percentile = Double(name.dropFirst("latency_p".count)),
                  percentile > 0, percentile < 100 else { return nil }
            // Through integers, so `latency_p99.9` is exactly `0.999`.
            self = .latency(quantile: (percentile * 1000).rounded() / 100_000)
        }
    }

    /// The unit readings of this metric are in, for display.
    public var unit: String {
        switch self {
        case .cpuUtilization, .memoryUtilization, .errorRate: "%"
        case .latency: "ms"
        case .requestRate: "req/s"
        case .queueOldestAge: "s"
        case .instanceCount, .queueDepth, .queueActive, .queueDelayed, .query: ""
        }
    }

    private static func percentile(_ quantile: Double) -> String {
        let value = quantile * 100
        return value == value.rounded() ? String(Int(value)) : String(value)
    }
}

/// The service a metric is read for, with what each source needs to find it.
public struct MetricTarget: Sendable, Equatable {
    /// The blueprint's service name.
    public var service: String
    /// The hosting provider's ID (`srv-…`), when known.
    public var resourceID: String?
    /// The service's job queue, for queue metrics.
    public var queue: QueueBinding?

    public init(service: String, resourceID: String? = nil, queue: QueueBinding? = nil) {
        self.service = service
        self.resourceID = resourceID
        self.queue = queue
    }
}

/// Where the controller's numbers come from: a port with one job, reading a metric for a service now.
///
/// Implementations are named for what they wrap: ``PrometheusSource``, ``RenderMetricsSource``,
/// ``RedisQueueSource``. They never throw for missing data: a source that is down, empty or stale
/// answers `.unavailable(reason)`, and a metric a source does not serve answers the same.
///
/// ```swift
/// let reading = await source.read(.queueDepth, for: MetricTarget(service: "worker", queue: binding), now: .now)
/// ```
public protocol MetricSource: Sendable {
    /// A short name for output: `prometheus`, `render`, `redis`.
    var name: String { get }
    /// Whether this source can answer `metric` at all (the controller picks a source per metric).
    func serves(_ metric: Metric) -> Bool
    /// The current reading of `metric` for `target`, stamped with the sample's own time.
    func read(_ metric: Metric, for target: MetricTarget, now: Date) async -> MetricReading
    /// The readings of many (metric, service) pairs, in the order asked. A controller tick asks for
    /// every service at once: sources that can answer many with one call override this (Render's
    /// metrics API takes up to ``RenderMetricsSource/resourcesPerRequest`` services per request; a
    /// queue's numbers come in one round trip); the default reads the pairs one by one, at most
    /// ``MetricRequest/defaultConcurrency`` at a time.
    func read(_ requests: [MetricRequest], now: Date) async -> [MetricReading]
}

/// One reading a controller tick needs: which metric, for which service.
public struct MetricRequest: Sendable, Equatable {
    public var metric: Metric
    public var target: MetricTarget

    public init(_ metric: Metric, for target: MetricTarget) {
        self.metric = metric
        self.target = target
    }

    /// How many single reads the default batch keeps in flight.
    public static let defaultConcurrency = 16
}

extension MetricSource {
    public func read(_ requests: [MetricRequest], now: Date) async -> [MetricReading] {
        await Self.each(requests.indices, concurrency: MetricRequest.defaultConcurrency) { index in
            await read(requests[index].metric, for: requests[index].target, now: now)
        }
    }

    /// `body` for every index, at most `concurrency` at a time; the results in the order of `indices`.
    static func each<T: Sendable>(_ indices: Range<Int>, concurrency: Int,
                                  _ body: @escaping @Sendable (Int) async -> T) async -> [T] {
        guard !indices.isEmpty else { return [] }
        return await withTaskGroup(of: (Int, T).self) { group in
            var results = [T?](repeating: nil, count: indices.count)
            var next = indices.lowerBound
            func start() {
                let index = next
                next += 1
                group.addTask { (index, await body(index)) }
            }
            while next < indices.upperBound, next - indices.lowerBound < max(1, concurrency) { start() }
            for await (index, value) in group {
                results[index - indices.lowerBound] = value
                if next < indices.upperBound { start() }
            }
            return results.map { $0! }
        }
    }
}
