import Foundation

/// A workload trace: arrivals (requests or jobs) per interval on a regular grid.
///
/// Read from `timestamp,value` CSV (ISO 8601 UTC timestamps marking the start of each interval, as in
/// `../shared/traces/`) with ``Trace/parse(_:name:)``, then put on the controller's grid with
/// ``Trace/resampled(to:)``.
///
/// ```swift
/// let trace = try Trace.parse(csvText, name: "nasa-jul")
/// let grid = trace.resampled(to: 15)      // arrivals per 15 s
/// grid.values.count                        // intervals
/// ```
public struct Trace: Sendable, Equatable {
    /// What the trace is called in reports (usually the file name).
    public var name: String
    /// When the first interval starts.
    public var start: Date
    /// Seconds per interval.
    public var interval: Double
    /// Arrivals in each interval (not a rate).
    public var values: [Double]

    public init(name: String, start: Date, interval: Double, values: [Double]) {
        self.name = name
        self.start = start
        self.interval = interval
        self.values = values
    }

    /// The same trace with every value multiplied by `factor` (to size a trace to a service).
    public func scaled(by factor: Double) -> Trace {
        var copy = self
        if factor != 1 { copy.values = values.map { $0 * factor } }
        return copy
    }

    /// Seconds covered.
    public var duration: Double { Double(values.count) * interval }

    public var total: Double { values.reduce(0, +) }
    public var peak: Double { values.max() ?? 0 }
    public var mean: Double { values.isEmpty ? 0 : total / Double(values.count) }
}

/// A problem reading a trace file, with the line it was found on.
public struct TraceError: Error, Equatable, CustomStringConvertible {
    public var trace: String
    /// 1-based; 0 when the problem is about the whole file.
    public var line: Int
    public var message: String

    public init(trace: String, line: Int, message: String) {
        self.trace = trace
        self.line = line
        self.message = message
    }

    public var description: String {
        line > 0 ? "\(trace):\(line): \(message)" : "\(trace): \(message)"
    }
}

/// One parsed row: the interval's start in seconds since 1970 and its value.
public struct TracePoint: Sendable, Equatable {
    public var time: Double
    public var value: Double

    public init(time: Double, value: Double) {
        self.time = time
        self.value = value
    }
}
