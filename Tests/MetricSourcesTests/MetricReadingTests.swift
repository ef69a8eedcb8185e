import Foundation
import MetricSources
import Testing

struct MetricReadingTests {
    @Test func staleSamplesBecomeUnavailable() {
        let now = Date(timeIntervalSince1970: 1_000)
        let reading = MetricReading.value(72, at: Date(timeIntervalSince1970: 900))
        #expect(reading.fresh(maxAge: 120, now: now) == reading)
        #expect(reading.fresh(maxAge: 60, now: now).unavailableReason == "stale: the newest sample is 100 s old (limit 60 s)")
        #expect(MetricReading.unavailable("down").fresh(maxAge: 60, now: now) == .unavailable("down"))
    }

    @Test(arguments: [
        (Metric.cpuUtilization, "cpu"), (.memoryUtilization, "memory"), (.latency(quantile: 0.95), "latency_p95"),
        (.latency(quantile: 0.999), "latency_p99.9"), (.errorRate, "error_rate"), (.queueDepth, "queue_depth"),
        (.queueOldestAge, "queue_age"), (.instanceCount, "instances"),
    ])
    func metricNames(_ metric: Metric, _ name: String) {
        #expect(metric.name == name)
        #expect(Metric(policyName: name) == metric)
    }

    @Test func unknownPolicyNames() {
        #expect(Metric(policyName: "rps") == .requestRate)
        #expect(Metric(policyName: "latency_pxx") == nil)
        #expect(Metric(policyName: "gpu") == nil)
    }
}
