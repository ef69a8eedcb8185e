/// One metric's reading as the rules use it: a total, or its instances summed in one pass (the
/// sums every rule and the summary need, in sample order, so that each is the same number the
/// rules computed when each walked the samples itself). Plain numbers: a decision keeps its
/// readings on the stack and releases nothing.
struct Reading {
    enum Form: UInt8 { case absent, instances, total, unavailable }

    var form = Form.absent
    /// ``Form/total``'s value.
    var total = 0.0
    /// Instances listed.
    var samples = 0
    /// Ready instances that reported: Σ values, Σ positive limits, how many.
    var readySum = 0.0, readyLimits = 0.0, readyCount = 0
    /// Every instance that reported (ready or not): Σ values, Σ positive limits, how many.
    var reportedSum = 0.0, reportedLimits = 0.0, reportedCount = 0
    /// Whether every instance that reported has a positive limit.
    var reportedLimited = true
    /// Ready instances that reported nothing: Σ limits, how many.
    var missingLimits = 0.0, missingCount = 0
    /// Instances still booting (reported or not): Σ limits, how many.
    var unreadyLimits = 0.0, unreadyCount = 0
    /// Whether some instance, reported or not, has no positive limit (utilisation is unknown).
    var unlimited = false

    init() {}

    init(_ metric: borrowing ObservedMetric) {
        switch metric {
        case .total(let value):
            form = .total
            total = value
        case .unavailable:
            form = .unavailable
        case .instances(let list):
            form = .instances
            samples = list.count
            list.withUnsafeBufferPointer { buffer in
                for sample in buffer { add(sample) }
            }
        }
    }

    /// The reading of the entry at `entry`, whose samples (if any) are in `samples` (``ObservedMetrics``'
    /// layout). Read through a pointer: a copy of the entry would retain its name.
    init(_ entry: UnsafePointer<ObservedMetrics.Entry>, samples: UnsafeBufferPointer<InstanceSample>) {
        form = entry.pointee.form
        switch form {
        case .total:
            total = entry.pointee.value
        case .instances:
            let start = Int(entry.pointee.start), count = Int(entry.pointee.count)
            self.samples = count
            for sample in UnsafeBufferPointer(rebasing: samples[start ..< start + count]) { add(sample) }
        case .absent, .unavailable:
            break
        }
    }

    @inline(__always)
    private mutating func add(_ sample: InstanceSample) {
        let limit = sample.limit ?? 0
        let limited = limit > 0
        if !limited { unlimited = true }
        if let value = sample.value {
            reportedSum += value
            reportedCount += 1
            if limited { reportedLimits += limit } else { reportedLimited = false }
            if sample.ready {
                readySum += value
                readyCount += 1
                if limited { readyLimits += limit }
            } else {
                unreadyCount += 1
                unreadyLimits += limit
            }
        } else if sample.ready {
            missingCount += 1
            missingLimits += limit
        } else {
            unreadyCount += 1
            unreadyLimits += limit
        }
    }

    /// The summary threshold rules compare and histories keep (``ObservedMetric/summaryValue`` is
    /// this): utilisation over ready instances that
    /// reported when limits are known, else their average; everyone who reported when no ready
    /// instance did; the total itself; nil when unavailable or nobody reported.
    var summary: Double? {
        switch form {
        case .total: return total
        case .absent, .unavailable: return nil
        case .instances:
            var sum = readySum, limits = readyLimits, count = readyCount
            if count == 0 {
                sum = reportedSum
                limits = reportedLimits
                count = reportedCount
            }
            guard count > 0 else { return nil }
            if reportedLimited && limits > 0 { return sum / limits }
            return sum / Double(count)
        }
    }

    /// Instances that are ready (reported or not).
    var ready: Int { readyCount + missingCount }

    /// The service-wide value a look-ahead, a queueing target or a forecast reads: the total, or the
    /// sum over the instances that reported; nil when unavailable or nobody reported
    /// (``Lookahead/reading(_:metrics:)`` and a forecast's sample are this).
    var serviceValue: Double? {
        switch form {
        case .total: return total
        case .instances: return reportedCount > 0 ? reportedSum : nil
        case .absent, .unavailable: return nil
        }
    }
}

extension Reading {
    /// Room for this many readings on the stack; a plan that reads more gets a heap buffer.
    static let inlineCapacity = 8
    private typealias Inline = (Reading, Reading, Reading, Reading, Reading, Reading, Reading, Reading)

    /// Calls `body` with `count` absent readings (`Reading()`), on the stack when they fit.
    /// (`withUnsafeTemporaryAllocation` would do, but it returns `body`'s result through a
    /// `Result`, which copies a decision and everything it holds once more.)
    @inline(__always)
    static func withBuffer<R>(count: Int, _ body: (UnsafeMutableBufferPointer<Reading>) -> R) -> R {
        if count <= inlineCapacity {
            var inline: Inline = (Reading(), Reading(), Reading(), Reading(), Reading(), Reading(), Reading(), Reading())
            return withUnsafeMutableBytes(of: &inline) { raw in
                body(UnsafeMutableBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: Reading.self), count: count))
            }
        }
        let heap = UnsafeMutablePointer<Reading>.allocate(capacity: count)
        heap.initialize(repeating: Reading(), count: count)
        defer { heap.deallocate() }
        return body(UnsafeMutableBufferPointer(start: heap, count: count))
    }
}
