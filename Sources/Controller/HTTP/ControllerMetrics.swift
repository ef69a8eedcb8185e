import CoreMetrics
import Foundation
import Metrics
import Prometheus

/// The controller's own metrics, recorded through swift-metrics into a Prometheus registry that
/// `/metrics` renders. The registry is the controller's, not a process-global one, so several
/// controllers (tests) do not share counters.
///
/// Exposed: `ballast_controller_ticks_total{result}`, `ballast_controller_decisions_total{reason}`,
/// `ballast_controller_api_calls_total{operation}`, `ballast_controller_api_errors_total{operation}`,
/// `ballast_controller_instances_current{service}`, `ballast_controller_instances_desired{service}`,
/// `ballast_controller_tick_duration_seconds` (histogram), `ballast_controller_last_tick_seconds`,
/// `ballast_controller_leader`, `ballast_controller_journal_pending`.
public final class ControllerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [
            "ballast_controller_tick_duration_seconds": [
                .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100),
                .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10),
            ],
        ]
        self.factory = factory
    }

    public func tick(result: String, duration: Duration) {
        CoreMetrics.Counter(label: "ballast_controller_ticks_total", dimensions: [("result", result)], factory: factory).increment()
        CoreMetrics.Timer(label: "ballast_controller_tick_duration_seconds", dimensions: [], factory: factory)
            .recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        CoreMetrics.Gauge(label: "ballast_controller_last_tick_seconds", dimensions: [], factory: factory).record(seconds)
    }

    public func decision(reason: String) {
        CoreMetrics.Counter(label: "ballast_controller_decisions_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    public func apiCall(_ operation: String, failed: Bool) {
        CoreMetrics.Counter(label: "ballast_controller_api_calls_total", dimensions: [("operation", operation)], factory: factory).increment()
        if failed {
            CoreMetrics.Counter(label: "ballast_controller_api_errors_total", dimensions: [("operation", operation)], factory: factory).increment()
        }
    }

    public func instances(service: String, current: Int, desired: Int) {
        CoreMetrics.Gauge(label: "ballast_controller_instances_current", dimensions: [("service", service)], factory: factory).record(current)
        CoreMetrics.Gauge(label: "ballast_controller_instances_desired", dimensions: [("service", service)], factory: factory).record(desired)
    }

    public func leader(_ isLeader: Bool) {
        CoreMetrics.Gauge(label: "ballast_controller_leader", dimensions: [], factory: factory).record(isLeader ? 1 : 0)
    }

    public func journalPending(_ count: Int) {
        CoreMetrics.Gauge(label: "ballast_controller_journal_pending", dimensions: [], factory: factory).record(count)
    }

    /// The Prometheus text exposition.
    public func render() -> String {
        registry.emitToString()
    }
}
