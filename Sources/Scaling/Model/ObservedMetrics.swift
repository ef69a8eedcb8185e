/// One service's readings this tick, by metric name: what ``DecisionInput/metrics`` holds.
///
/// Used like a dictionary (a literal, a subscript by name, iteration), but laid out for the
/// engine: the metrics one after another in one array, in the order they were given, and every
/// instance's sample of every metric in a second. A decision reaches all of a service's readings
/// through those two arrays, instead of a dictionary's scattered keys and values and one more array
/// per metric (in a 1,000-service tick none of it is in the cache; docs/benchmarks.md, Engine).
///
/// ```swift
/// var metrics: ObservedMetrics = [
///     "cpu": .instances([InstanceSample(0.3, limit: 1), InstanceSample(0.8, limit: 1)]),
///     "queue_depth": .total(8600),
/// ]
/// metrics["latency_p95"] = .unavailable("prometheus timeout")
/// metrics["cpu"]            // .instances([...])
/// ```
///
/// Names are unique: setting a name again replaces its reading (a literal's later entry wins),
/// and two instances of the type are equal when they hold the same readings by name, whatever the order.
public struct ObservedMetrics: Sendable, Equatable, ExpressibleByDictionaryLiteral, Sequence, CustomStringConvertible {
    /// One metric: its name and the form of its reading. An instances reading's samples are
    /// `samples[start ..< start + count]`; an unavailable one's reason is `reasons[start]`.
    struct Entry: Sendable {
        var name: String
        /// ``Reading/Form/total``'s value.
        var value: Double
        var start: UInt32
        var count: UInt32
        var key: NameKey
        var form: Reading.Form
    }

    /// What tells most names apart without comparing them: their UTF-8 length, and whether they are
    /// ASCII. Two names of different lengths can still be equal (`==` on strings is canonical
    /// equivalence: "é" and "e\u{301}", "K" and the Kelvin sign), but not when both are ASCII.
    struct NameKey: Sendable {
        var length: UInt32
        var ascii: Bool

        init(_ name: String) {
            length = UInt32(name.utf8.count)
            ascii = name.utf8.allSatisfy { $0 < 0x80 }
        }

        /// False only when names with these keys cannot be equal.
        @inline(__always)
        func mayEqual(_ other: NameKey) -> Bool {
            length == other.length || !(ascii && other.ascii)
        }
    }

    private(set) var entries: [Entry] = []
    private(set) var samples: [InstanceSample] = []
    private var reasons: [String] = []

    public init() {}

    /// The readings of `metrics`, in the order of their names (a dictionary has no order of its own).
    public init(_ metrics: [String: ObservedMetric]) {
        entries.reserveCapacity(metrics.count)
        for name in metrics.keys.sorted() { append(name, metrics[name]!) }
    }

    /// The readings in the order given; a name given again replaces the earlier reading.
    public init(_ metrics: some Sequence<(String, ObservedMetric)>) {
        for (name, metric) in metrics { self[name] = metric }
    }

    public init(dictionaryLiteral elements: (String, ObservedMetric)...) {
        self.init(elements)
    }

    /// Room for `count` metrics without growing (their samples still grow as they come).
    public mutating func reserveCapacity(_ count: Int) { entries.reserveCapacity(count) }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    /// The metrics' names, in order.
    public var names: [String] { entries.map(\.name) }

    /// `name`'s reading; setting one replaces it (nil removes it).
    public subscript(name: String) -> ObservedMetric? {
        get { index(of: name).map { metric(at: $0) } }
        set {
            guard let index = index(of: name) else {
                if let newValue { append(name, newValue) }
                return
            }
            // A replaced or removed reading leaves its samples behind: the readings are laid out again.
            var rebuilt = ObservedMetrics()
            rebuilt.entries.reserveCapacity(entries.count)
            for other in entries.indices {
                if other == index {
                    if let newValue { rebuilt.append(name, newValue) }
                } else {
                    rebuilt.append(entries[other].name, metric(at: other))
                }
            }
            self = rebuilt
        }
    }

    public func makeIterator() -> some IteratorProtocol<(name: String, metric: ObservedMetric)> {
        var index = 0
        return AnyIterator {
            guard index < entries.count else { return nil }
            defer { index += 1 }
            return (entries[index].name, metric(at: index))
        }
    }

    public var description: String {
        "[" + entries.indices.map { "\(entries[$0].name): \(metric(at: $0))" }.joined(separator: ", ") + "]"
    }

    public static func == (a: ObservedMetrics, b: ObservedMetrics) -> Bool {
        guard a.count == b.count else { return false }
        for index in a.entries.indices where b[a.entries[index].name] != a.metric(at: index) { return false }
        return true
    }

    // MARK: The engine's side

    /// The index of `name`'s entry (found as a dictionary keyed by `String` would: by `==`).
    func index(of name: String) -> Int? {
        entries.withUnsafeBufferPointer { entries in Self.index(of: name, NameKey(name), in: entries, from: 0) }
    }

    /// The index of the entry named `name` (whose key is `key`), trying `hint` first.
    @inline(__always)
    static func index(of name: String, _ key: NameKey, in entries: UnsafeBufferPointer<Entry>, from hint: Int) -> Int? {
        guard let base = entries.baseAddress else { return nil }
        // (Through the pointer: a copy of an entry would retain its name.)
        func matches(_ index: Int) -> Bool { base[index].key.mayEqual(key) && base[index].name == name }
        if hint < entries.count, matches(hint) { return hint }
        for index in entries.indices where index != hint && matches(index) { return index }
        return nil
    }

    /// `name`'s reading, summed (no array is made); ``Reading/Form/absent`` when there is none.
    func reading(_ name: String) -> Reading {
        guard let index = index(of: name) else { return Reading() }
        return entries.withUnsafeBufferPointer { entries in
            samples.withUnsafeBufferPointer { samples in Reading(entries.baseAddress! + index, samples: samples) }
        }
    }

    // MARK: Layout

    private func metric(at index: Int) -> ObservedMetric {
        let entry = entries[index]
        switch entry.form {
        case .total: return .total(entry.value)
        case .unavailable: return .unavailable(reasons[Int(entry.start)])
        case .instances, .absent:
            let start = Int(entry.start)
            return .instances(Array(samples[start ..< start + Int(entry.count)]))
        }
    }

    private mutating func append(_ name: String, _ metric: ObservedMetric) {
        var entry = Entry(name: name, value: 0, start: 0, count: 0, key: NameKey(name), form: .total)
        switch metric {
        case .total(let value):
            entry.value = value
        case .unavailable(let reason):
            entry.form = .unavailable
            entry.start = UInt32(reasons.count)
            reasons.append(reason)
        case .instances(let list):
            entry.form = .instances
            entry.start = UInt32(samples.count)
            entry.count = UInt32(list.count)
            samples.append(contentsOf: list)
        }
        entries.append(entry)
    }
}
