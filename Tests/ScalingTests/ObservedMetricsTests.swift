import Foundation
import Testing
@testable import Scaling

/// ``ObservedMetrics`` is a dictionary by name to everyone but the engine, which reads its two
/// arrays in place: both sides must see the same readings.

private let cpu = ObservedMetric.instances([InstanceSample(0.3, limit: 1), InstanceSample(nil, limit: 1), InstanceSample(0.9, limit: 1, ready: false)])

@Test func observedMetricsBehaveAsADictionaryThatKeepsItsOrder() {
    var metrics: ObservedMetrics = ["cpu": cpu, "queue_depth": .total(8600), "latency_p95": .unavailable("prometheus timeout")]
    #expect(metrics.names == ["cpu", "queue_depth", "latency_p95"])
    #expect(metrics.count == 3 && !metrics.isEmpty)
    #expect(metrics["cpu"] == cpu && metrics["queue_depth"] == .total(8600))
    #expect(metrics["latency_p95"] == .unavailable("prometheus timeout") && metrics["memory"] == nil)

    // Replacing keeps the place; the other readings (and their samples) are as they were.
    metrics["cpu"] = .total(0.5)
    metrics["queue_depth"] = .instances([InstanceSample(4, limit: nil)])
    #expect(metrics.names == ["cpu", "queue_depth", "latency_p95"])
    #expect(metrics["cpu"] == .total(0.5) && metrics["queue_depth"] == .instances([InstanceSample(4, limit: nil)]))
    metrics["memory"] = cpu
    metrics["latency_p95"] = nil
    #expect(metrics.names == ["cpu", "queue_depth", "memory"] && metrics["memory"] == cpu && metrics["latency_p95"] == nil)
    metrics["absent"] = nil
    #expect(metrics.count == 3)

    // Iteration gives every pair, in order.
    let pairs = Array(metrics)
    #expect(pairs.map(\.name) == ["cpu", "queue_depth", "memory"])
    #expect(pairs.map(\.metric) == [.total(0.5), .instances([InstanceSample(4, limit: nil)]), cpu])

    // Equal when the readings by name are, whatever the order; a literal's later entry wins.
    let reordered: ObservedMetrics = ["memory": cpu, "cpu": .total(0.5), "queue_depth": .instances([InstanceSample(4, limit: nil)])]
    #expect(metrics == reordered)
    #expect(metrics != ["memory": cpu, "cpu": .total(0.6), "queue_depth": .instances([InstanceSample(4, limit: nil)])])
    #expect(metrics != ["memory": cpu, "cpu": .total(0.5)])
    let twice: ObservedMetrics = ["cpu": .total(1), "cpu": .total(2)]
    #expect(twice.count == 1 && twice["cpu"] == .total(2))

    // From a dictionary: in the order of the names.
    let fromDictionary = ObservedMetrics(["queue_depth": .total(1), "cpu": cpu, "memory": .unavailable("down")])
    #expect(fromDictionary.names == ["cpu", "memory", "queue_depth"])
    #expect(fromDictionary["memory"] == .unavailable("down"))
    #expect(ObservedMetrics().isEmpty && ObservedMetrics() == [:])
}

/// The engine sums a reading in place from the two arrays; it must be the very reading the metric
/// gives (the sums every rule and the summary use), for any mix of missing, unready and unlimited
/// instances, wherever the metric sits among the others.
@Test func aReadingSummedInPlaceIsTheMetricsOwn() {
    var random = SeededRandom(state: 11)
    func fields(_ r: Reading) -> [Double?] {
        [Double(r.form.rawValue), r.total, Double(r.samples), r.readySum, r.readyLimits, Double(r.readyCount), r.reportedSum,
         r.reportedLimits, Double(r.reportedCount), r.reportedLimited ? 1 : 0, r.missingLimits, Double(r.missingCount),
         r.unreadyLimits, Double(r.unreadyCount), r.unlimited ? 1 : 0, r.summary, r.serviceValue, Double(r.ready)]
    }
    for round in 0..<500 {
        var metrics = ObservedMetrics()
        var given: [(String, ObservedMetric)] = []
        for index in 0..<random.int(1...6) {
            let metric: ObservedMetric
            switch random.int(0...2) {
            case 0: metric = .total(random.next() * 100)
            case 1: metric = .unavailable("read \(index) failed")
            default:
                metric = .instances((0..<random.int(0...7)).map { _ in
                    InstanceSample(random.next() < 0.2 ? nil : random.next(), limit: random.next() < 0.15 ? nil : [0, 1, 2][random.int(0...2)],
                                   ready: random.next() < 0.85)
                })
            }
            metrics["m\(index)"] = metric
            given.append(("m\(index)", metric))
        }
        for (name, metric) in given {
            #expect(fields(metrics.reading(name)).elementsEqual(fields(Reading(metric))) { $0 == $1 || ($0?.isNaN == true && $1?.isNaN == true) },
                    "round \(round), \(name)")
        }
        #expect(metrics.reading("none").form == .absent)
    }
}
