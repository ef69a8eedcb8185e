import Blueprint
import Foundation
import MetricSources
import Scaling

/// Reads every metric the services' policies need, from the first source that serves each, and
/// turns the readings into the engine's ``ObservedMetric`` values (percentages as fractions,
/// latencies in seconds; stale or failed reads as `.unavailable`).
///
/// A tick asks each source once for all its readings of all services (``MetricSource/read(_:now:)``:
/// Render's metrics API answers a hundred services per request, a queue's numbers come in one round
/// trip), the sources concurrently, each within `timeout`.
///
/// ```swift
/// let collector = MetricCollector(sources: [queueSource, renderSource], timeout: 5, maxAge: 180)
/// let observed = await collector.collect([.init(key: "worker", names: policy.metricNames, target: target)], now: now)
/// observed["worker"]?.metrics["queue_depth"]   // .total(500)
/// ```
public struct MetricCollector: Sendable {
    public var sources: [any MetricSource]
    /// Seconds one source may take for all its reads of a tick before they count as unavailable.
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
        /// In the order of the subject's names (the order its policy reads them, which the engine tries first).
        public var metrics: ObservedMetrics
        public var inputs: [String: String]
        /// Sources some of whose reads failed, and sources some of whose reads succeeded (for `/readyz`:
        /// a source is down when it failed and never answered).
        public var failedSources: Set<String>
        public var answeringSources: Set<String>
    }

    /// One service to read: its key in the result, the policy's metric names, where to find it.
    public struct Subject: Sendable {
        public var key: String
        public var names: [String]
        public var target: MetricTarget

        public init(key: String, names: [String], target: MetricTarget) {
            self.key = key
            self.names = names
            self.target = target
        }
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

    /// One service's metrics.
    public func collect(names: [String], for target: MetricTarget, now: Date) async -> Observed {
        await collect([Subject(key: target.service, names: names, target: target)], now: now)[target.service]!
    }

    /// Every subject's metrics, by key: one batch read per source.
    public func collect(_ subjects: [Subject], now: Date) async -> [String: Observed] {
        /// Where a reading goes: the subject, the policy's name for it, the factor to the engine's unit.
        struct Slot {
            var subject: Int
            var name: String
            var scale: Double
        }
        var observed = [Observed](repeating: Observed(metrics: ObservedMetrics(), inputs: [:], failedSources: [], answeringSources: []),
                                  count: subjects.count)
        // Each subject's readings as they arrive, source by source; laid out in its names' order at the end.
        var found = [[String: ObservedMetric]](repeating: [:], count: subjects.count)
        var requests = [[MetricRequest]](repeating: [], count: sources.count)
        var slots = [[Slot]](repeating: [], count: sources.count)
        for (index, subject) in subjects.enumerated() {
            for name in subject.names {
                guard let (metric, scale) = Self.metric(named: name) else {
                    found[index][name] = .unavailable("no source reads a metric named \(name)")
                    continue
                }
                guard let source = sources.firstIndex(where: { $0.serves(metric) }) else {
                    found[index][name] = .unavailable("no configured source serves \(name)")
                    continue
                }
                requests[source].append(MetricRequest(metric, for: subject.target))
                slots[source].append(Slot(subject: index, name: name, scale: scale))
            }
        }
        let timeout = self.timeout
        let sources = self.sources
        let readings = await withTaskGroup(of: (Int, [MetricReading]).self) { group in
            for (index, source) in sources.enumerated() where !requests[index].isEmpty {
                let batch = requests[index]
                group.addTask {
                    let timedOut = MetricReading.unavailable(String(format: "this tick's %d reads timed out after %.1f s", batch.count, timeout))
                    return (index, await Self.withTimeout(timeout, otherwise: [MetricReading](repeating: timedOut, count: batch.count)) {
                        await source.read(batch, now: now)
                    })
                }
            }
            var all = [[MetricReading]](repeating: [], count: sources.count)
            for await (index, readings) in group { all[index] = readings }
            return all
        }
        for (source, readings) in readings.enumerated() {
            let name = sources[source].name
            for (slot, reading) in zip(slots[source], readings) {
                switch reading.fresh(maxAge: maxAge, now: now) {
                case .sample(let sample):
                    found[slot.subject][slot.name] = .total(sample.value * slot.scale)
                    observed[slot.subject].answeringSources.insert(name)
                case .unavailable(let reason):
                    found[slot.subject][slot.name] = .unavailable("\(name): \(reason)")
                    observed[slot.subject].failedSources.insert(name)
                }
            }
        }
        var result: [String: Observed] = [:]
        result.reserveCapacity(subjects.count)
        for (index, subject) in subjects.enumerated() {
            observed[index].metrics = ObservedMetrics(subject.names.compactMap { name in found[index][name].map { (name, $0) } })
            for (name, metric) in observed[index].metrics {
                switch metric {
                case .total(let value): observed[index].inputs[name] = Self.format(value)
                case .instances(let samples): observed[index].inputs[name] = metric.summaryValue.map(Self.format) ?? "\(samples.count) instances, no values"
                case .unavailable(let reason): observed[index].inputs[name] = "unavailable: \(reason)"
                }
            }
            result[subject.key] = observed[index]
        }
        return result
    }

    /// Runs `body`, answering `otherwise` if it takes longer than `seconds`. The slow work is
    /// cancelled and left behind (not awaited), so it cannot hold up the tick.
    public static func withTimeout<T: Sendable>(_ seconds: Double, otherwise: T, _ body: @escaping @Sendable () async -> T) async -> T {
        let once = ResumeOnce()
        return await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            let work = Task { await body() }
            let timer = Task {
                try? await Task.sleep(nanoseconds: UInt64(max(0.001, seconds) * 1_000_000_000))
                if !Task.isCancelled, once.resume(continuation, with: otherwise) {
                    work.cancel()
                }
            }
            Task {
                let value = await work.value
                if once.resume(continuation, with: value) { timer.cancel() }
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
