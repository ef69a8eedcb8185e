import CPrefetch

/// Cache hints for a tick of many services: start loading the memory a decision is about to touch
/// so that its cache misses overlap instead of waiting one after another.
///
/// A 1,000-service tick is bound by memory, not arithmetic: a decision takes three to four times
/// as long when its data is not in the cache, and in a tick it never is (each service's readings
/// and history arrays were written long before, and the tick's other services pass through the
/// cache in between). The lines it misses are the readings' two arrays (``ObservedMetrics``) and
/// the recommendations the stabilization window scans on reads, and the decision's freshly
/// allocated arrays on writes (`scripts/count-engine-instructions misses`; figures in
/// docs/benchmarks.md, Engine).
///
/// A hint changes no result: nothing here is read by the engine's logic, and a hint to an address
/// that is not mapped is ignored. Memory layouts (an array's 32-byte header, its single storage
/// reference) are used only to choose addresses; were they different, the hints would
/// merely point elsewhere.
enum Prefetch {
    /// Where, inside a ``DecisionInput`` in memory, the references a decision follows first are:
    /// the metrics' entries and samples (``ObservedMetrics``) and the history's recommendations,
    /// events and runs.
    /// Nil for a part whose layout is not a single reference (then it is not hinted). (The
    /// observations have no offset to give: a property with an observer is not a stored key path.)
    struct InputLayout {
        let entries: Int?
        let samples: Int?
        let recommendations: Int?
        let events: Int?
        let runs: Int?

        init() {
            let history = MemoryLayout<DecisionInput>.offset(of: \DecisionInput.history)
            func reference<T>(_ type: T.Type, _ offset: Int?) -> Int? {
                MemoryLayout<T>.size == MemoryLayout<UnsafeRawPointer>.size ? offset : nil
            }
            entries = reference([ObservedMetrics.Entry].self, MemoryLayout<DecisionInput>.offset(of: \DecisionInput.metrics.entries))
            samples = reference([InstanceSample].self, MemoryLayout<DecisionInput>.offset(of: \DecisionInput.metrics.samples))
            func inHistory<T>(_ path: KeyPath<ScalingHistory, T>) -> Int? {
                guard let history, let offset = MemoryLayout<ScalingHistory>.offset(of: path) else { return nil }
                return reference(T.self, history + offset)
            }
            recommendations = inHistory(\.recommendations)
            events = inHistory(\.events)
            runs = inHistory(\.runs)
        }
    }

    /// This platform's ``InputLayout``, found once (a caller reads it once per tick).
    static let layout = InputLayout()

    /// Six metrics' entries (40 bytes each) and the array's header.
    static let entryLines = 5
    /// Two per-instance metrics of eight instances each (32 bytes a sample) and the array's header.
    static let sampleLines = 9
    /// Twenty recommendations (a 300 s window at 15 s ticks) and the array's header.
    static let recommendationLines = 6

    /// Hints the parts of the input at `input` (a ``DecisionInput`` in an array's storage) that its
    /// decision reads first. Reads the references stored in the input, never what they point at.
    static func input(at input: UnsafeRawPointer, _ layout: InputLayout) {
        func object(_ offset: Int?, lines: Int) {
            guard let offset, let object = input.load(fromByteOffset: offset, as: UnsafeRawPointer?.self) else { return }
            span(object, bytes: lines * lineBytes)
        }
        object(layout.entries, lines: entryLines)
        object(layout.samples, lines: sampleLines)
        object(layout.recommendations, lines: recommendationLines)
        object(layout.events, lines: 1)
        object(layout.runs, lines: 2)
    }

    /// Hints the newest of `observations` (sustained thresholds start from it): where it lies
    /// depends on the count in the array's header, so this reads that header (a decision ahead).
    static func newest(of observations: borrowing [ScalingHistory.Observation]) {
        observations.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
            ballast_prefetch(base + buffer.count - 1)
        }
    }

    /// Hints every reading of a look-ahead series (the look-ahead and a queueing target walk its
    /// window each decision).
    static func readings(of series: borrowing LookaheadSeries?) {
        guard case .some(let series) = copy series else { return }
        series.readings.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            span(UnsafeRawPointer(base), bytes: buffer.count * MemoryLayout<LookaheadSeries.Reading>.stride)
        }
    }

    /// Hints every line of `array`'s buffer (header and capacity) for writing: the engine reserves
    /// a decision's arrays, hints them, and fills them while the lines arrive.
    static func forWriting<Element>(_ array: borrowing [Element]) {
        let capacity = array.capacity
        array.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, capacity > 0 else { return }
            span(UnsafeRawPointer(base) - headerBytes, bytes: headerBytes + capacity * MemoryLayout<Element>.stride, forWriting: true)
        }
    }

    private static let lineBytes = 64
    /// A Swift array's buffer header (object header, count, capacity) before its elements.
    private static let headerBytes = 32

    /// Hints each line of the `bytes` from `start`.
    @inline(__always)
    private static func span(_ start: UnsafeRawPointer, bytes: Int, forWriting: Bool = false) {
        var offset = 0
        while offset < bytes {
            if forWriting { ballast_prefetch_for_writing(start + offset) } else { ballast_prefetch(start + offset) }
            offset += lineBytes
        }
    }
}
