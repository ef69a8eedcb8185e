import Blueprint
import Foundation
import MetricSources
import Scaling

/// Reads, for one service, every metric its policy needs, from the first source that serves each,
/// all concurrently and each within `timeout`, and turns the readings into the engine's
/// ``ObservedMetric`` values (percentages as fractions, latencies in seconds; stale or failed reads
/// as `.unavailable`).
///
/// ```swift
/// let collector = MetricCollector(sources: [queueSource, renderSource], timeout: 2, maxAge: 180)
/// let observed = await collector.collect(names: policy.metricNames, for: target, now: now)
/// observed.metrics["queue_depth"]   // .total(500)
/// ```
public struct MetricCollector: Sendable {
    public var sources: [any MetricSource]
    /// Seconds one read may take before it counts as unavailable.
    public var timeout: Double
    /// Seconds after which a sample is stale (unavailable).
    public var maxAge: Double

    public init(sources: [any MetricSource], timeout: Double = 5, maxAge: Double = 300) {
        self.sources = sources
        self.timeout = timeout
        self.maxAge = maxAge
    }

    /// What one service's reads gave: engine inputs, and the same as text for the journal.
    public struct Observed: Sendable {
        public var metrics: [String: ObservedMetric]
        public var inputs: [String: String]
        /// Sources some of whose reads failed, and sources some of whose reads succeeded (for `/readyz`:
        /// a source is down when it failed and never answered).
        public var failedSources: Set<String>
        public var answeringSources: Set<String>
    }

    /// The metric a policy name stands for, and the factor from the source's unit to the engine's
    /// (percent to a fraction, milliseconds to seconds).
    static func metric(named name: String) -> (Metric, scale: Double)? {
        guard let metric = Metric(policyName: name) else { return nil }
        switch metric.unit {
        case "%": return (metric, 0.01)
        case "ms": return (metric, 0.001)
        default: return (metric, 1)
        }
    }

    public func collect(names: [String], for target: MetricTarget, now: Date) async -> Observed {
        var observed = Observed(metrics: [:], inputs: [:], failedSources: [], answeringSources: [])
        let timeout = self.timeout
        let maxAge = self.maxAge
        let sources = self.sources
        await withTaskGroup(of: (String, ObservedMetric, String, Bool).self) { group in
            for name in names {
                guard let (metric, scale) = Self.metric(named: name) else {
                    observed.metrics[name] = .unavailable("no source reads a metric named \(name)")
                    continue
                }
                guard let source = sources.first(where: { $0.serves(metric) }) else {
                    observed.metrics[name] = .unavailable("no configured source serves \(name)")
                    continue
                }
                group.addTask {
                    let reading = await Self.withTimeout(timeout, name: "\(source.name) \(name)") {
                        await source.read(metric, for: target, now: now)
                    }
                    switch reading.fresh(maxAge: maxAge, now: now) {
                    case .sample(let sample):
                        return (name, .total(sample.value * scale), source.name, true)
                    case .unavailable(let reason):
                        return (name, .unavailable("\(source.name): \(reason)"), source.name, false)
                    }
                }
            }
            for await (name, metric, source, answered) in group {
                observed.metrics[name] = metric
                if answered { observed.answeringSources.insert(source) } else { observed.failedSources.insert(source) }
            }
        }
        for (name, metric) in observed.metrics {
            switch metric {
            case .total(let value): observed.inputs[name] = Self.format(value)
            case .instances(let samples): observed.inputs[name] = metric.summaryValue.map(Self.format) ?? "\(samples.count) instances, no values"
            case .unavailable(let reason): observed.inputs[name] = "unavailable: \(reason)"
            }
        }
        return observed
    }

    /// Runs `body`, answering `.unavailable` if it takes longer than `seconds`. The slow read is
    /// cancelled and left behind (not awaited), so it cannot hold up the tick.
    static func withTimeout(_ seconds: Double, name: String, _ body: @escaping @Sendable () async -> MetricReading) async -> MetricReading {
        let once = ResumeOnce()
        return await withCheckedContinuation { (continuation: CheckedContinuation<MetricReading, Never>) in
            let work = Task { await body() }
            let timer = Task {
                try? await Task.sleep(nanoseconds: UInt64(max(0.001, seconds) * 1_000_000_000))
                if !Task.isCancelled, once.resume(continuation, with: .unavailable(String(format: "%@ timed out after %.1f s", name, seconds))) {
                    work.cancel()
                }
            }
            Task {
                let reading = await work.value
                if once.resume(continuation, with: reading) { timer.cancel() }
            }
        }
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(format: "%.4g", value)
    }
}

/// Resumes a continuation exactly once, whoever comes first.
final class ResumeOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false

    @discardableResult
    func resume<T: Sendable>(_ continuation: CheckedContinuation<T, Never>, with value: T) -> Bool {
        let first = lock.withLock { () -> Bool in
            if done { return false }
            done = true
            return true
        }
        if first { continuation.resume(returning: value) }
        return first
    }
}
