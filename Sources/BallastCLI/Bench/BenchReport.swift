import Foundation

/// What one `ballast bench …` run measured: a table of figures, the machine it ran on, and notes
/// (targets met or missed, what could not be measured). Printed as text or JSON.
///
/// ```swift
/// var report = BenchReport(bench: "engine", columns: ["services", "tick ms"])
/// report.add([.int(1000), .number(1.92, digits: 2)])
/// report.note("target: a 1,000-service tick under 5 ms: met")
/// try emit(report.render(.json), to: nil)
/// ```
struct BenchReport: Sendable {
    /// One cell: numbers stay numbers in JSON.
    enum Cell: Sendable {
        case int(Int)
        case number(Double, digits: Int)
        case text(String)

        var text: String {
            switch self {
            case .int(let value): return String(value)
            case .number(let value, let digits): return BenchFormat.fixed(value, digits: digits)
            case .text(let value): return value
            }
        }

        var json: Any {
            switch self {
            case .int(let value): return value
            case .number(let value, let digits):
                // Rounded as shown, so the JSON and the table agree.
                let scale = pow(10.0, Double(digits))
                return value.isFinite ? (value * scale).rounded() / scale : NSNull()
            case .text(let value): return value
            }
        }
    }

    var bench: String
    var columns: [String]
    var rows: [[Cell]] = []
    var notes: [String] = []
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let build = BenchMachine.buildConfiguration

    init(bench: String, columns: [String]) {
        self.bench = bench
        self.columns = columns
    }

    mutating func add(_ row: [Cell]) {
        precondition(row.count == columns.count, "a bench row has one cell per column")
        rows.append(row)
    }

    mutating func note(_ text: String) {
        notes.append(text)
    }

    func render(_ format: BenchFormat.Output) -> String {
        switch format {
        case .text: return text()
        case .json: return json()
        }
    }

    func text() -> String {
        var out = "ballast bench \(bench) — \(cores) cores, \(build) build, \(BenchMachine.kernel)\n\n"
        let table = [columns] + rows.map { $0.map(\.text) }
        let widths = columns.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        for (index, line) in table.enumerated() {
            let cells = line.enumerated().map { column, cell in
                // Numbers right-aligned, the first (label) column left-aligned.
                column == 0 ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }
            out += cells.joined(separator: "  ") + "\n"
            if index == 0 {
                out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
            }
        }
        if !notes.isEmpty {
            out += "\n" + notes.map { "- " + $0 }.joined(separator: "\n") + "\n"
        }
        return out
    }

    func json() -> String {
        let object: [String: Any] = [
            "bench": bench,
            "cores": cores,
            "build": build,
            "kernel": BenchMachine.kernel,
            "columns": columns,
            "rows": rows.map { row in
                Dictionary(uniqueKeysWithValues: zip(columns, row.map(\.json)))
            },
            "notes": notes,
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Number formatting for bench tables (no locale, no Foundation formatters).
enum BenchFormat {
    enum Output: String, Sendable, CaseIterable {
        case text, json
    }

    static func fixed(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return "-" }
        return String(format: "%.\(digits)f", value)
    }
}

/// Facts about the machine and the process: core count, build configuration, memory.
enum BenchMachine {
    static var buildConfiguration: String {
        #if DEBUG
        return "debug"
        #else
        return "release"
        #endif
    }

    static var kernel: String {
        var name = utsname()
        uname(&name)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
        return "\(field(name.sysname)) \(field(name.release)) \(field(name.machine))"
    }

    /// Peak resident memory of this process in bytes (`VmHWM`), nil where /proc is missing.
    static func peakRSS() -> Int? { statusField("VmHWM:") }

    /// Resident memory of this process now in bytes (`VmRSS`).
    static func currentRSS() -> Int? { statusField("VmRSS:") }

    /// Resident memory after glibc's `malloc_trim(0)` has returned the free memory it holds to the
    /// system: what the live data needs, without the allocator's free lists and fragmentation.
    /// Nil where `malloc_trim` is missing (not glibc).
    static func trimmedRSS() -> Int? {
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "malloc_trim") else { return nil }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
        return currentRSS()
    }

    /// Resets the peak (`VmHWM`) to the current resident size, so that one phase's peak can be read
    /// on its own (Linux: writing 5 to /proc/self/clear_refs). Returns false when not possible.
    @discardableResult
    static func resetPeakRSS() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do {
            try handle.write(contentsOf: Data("5".utf8))
            return true
        } catch {
            return false
        }
    }

    private static func statusField(_ name: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            let digits = line.dropFirst(name.count).filter(\.isNumber)
            return Int(digits).map { $0 * 1024 }
        }
        return nil
    }

    static func megabytes(_ bytes: Int?) -> BenchReport.Cell {
        guard let bytes else { return .text("-") }
        return .number(Double(bytes) / 1_048_576, digits: 1)
    }
}

/// Wall-clock timing on the monotonic clock, and the process's CPU time (which other work on a
/// busy machine does not inflate).
enum Stopwatch {
    /// Seconds `body` took, and what it returned.
    static func time<T>(_ body: () throws -> T) rethrows -> (seconds: Double, value: T) {
        let start = ContinuousClock.now
        let value = try body()
        return (seconds(ContinuousClock.now - start), value)
    }

    static func time<T>(_ body: () async throws -> T) async rethrows -> (seconds: Double, value: T) {
        let start = ContinuousClock.now
        let value = try await body()
        return (seconds(ContinuousClock.now - start), value)
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// CPU seconds this process has used (all threads).
    static func processCPU() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// One measurement: the best wall time and the best CPU time of several runs.
    struct Best<T> {
        var seconds: Double
        var cpu: Double
        var value: T
    }

    /// The best (least) of `runs` timings, wall and CPU separately: the figures least disturbed by
    /// other work on the machine.
    static func best<T>(of runs: Int, _ body: () throws -> T) rethrows -> Best<T> {
        var result: Best<T>?
        for _ in 0..<max(1, runs) {
            let cpuStart = processCPU()
            let run = try time(body)
            let cpu = processCPU() - cpuStart
            if var best = result {
                best.seconds = min(best.seconds, run.seconds)
                best.cpu = min(best.cpu, cpu)
                result = best
            } else {
                result = Best(seconds: run.seconds, cpu: cpu, value: run.value)
            }
        }
        return result!
    }
}

/// Percentiles of a sample (nearest rank).
enum Percentiles {
    static func of(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count - 1, max(0, rank - 1))]
    }
}
