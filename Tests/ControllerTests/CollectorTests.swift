import Controller
import Foundation
import MetricSources
import Scaling
import Testing

/// The collector hands the engine each service's readings in the order its policy names them (the
/// engine looks for each at that place first), whatever order the sources answer in.
@Test func theCollectorListsReadingsInThePolicysOrder() async {
    let collector = MetricCollector(sources: [])
    let names = ["memory", "not_a_metric", "cpu", "queue_depth"]
    let observed = await collector.collect(names: names, for: MetricTarget(service: "web"), now: Date(timeIntervalSince1970: 1_900_000_000))
    #expect(observed.metrics.names == names)
    #expect(observed.metrics["not_a_metric"] == .unavailable("no source reads a metric named not_a_metric"))
    #expect(observed.metrics["cpu"] == .unavailable("no configured source serves cpu"))
    #expect(observed.inputs["memory"] == "unavailable: no configured source serves memory")
}
