import Foundation

extension Trace {
    /// Reads `timestamp,value` CSV: an optional header line, blank lines and `#` comments are
    /// skipped; timestamps are ISO 8601 (`1995-07-01T04:00:00Z`, fractional seconds and `+hh:mm`
    /// offsets accepted) or Unix seconds; values are non-negative numbers. The step is taken from the
    /// timestamps (the median gap), so irregular rows and gaps are kept where they fall.
    ///
    /// - Throws: ``TraceError`` naming the first bad line (and how many others there are) when a row
    ///   does not parse, timestamps go backwards or repeat, or there are fewer than two rows.
    public static func parse(_ text: String, name: String) throws(TraceError) -> Trace {
        let points = try parsePoints(text, name: name)
        return try fromPoints(points, name: name)
    }

    /// The rows of a CSV trace, checked (see ``parse(_:name:)``).
    public static func parsePoints(_ text: String, name: String) throws(TraceError) -> [TracePoint] {
        var points: [TracePoint] = []
        var problems: [(Int, String)] = []
        var lineNumber = 0
        var seenData = false
        var lastTime = -Double.infinity
        var lastLine = 0
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            var line = rawLine
            if line.last == "\r" { line = line.dropLast() }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 2 else {
                if !seenData && points.isEmpty && problems.isEmpty && fields.count == 1 && Double(fields[0]) == nil && parseTimestamp(fields[0]) == nil {
                    seenData = true   // a one-word header
                    continue
                }
                problems.append((lineNumber, "expected `timestamp,value`, found '\(trimmed.prefix(60))'"))
                continue
            }
            let time = parseTimestamp(fields[0])
            let value = Double(fields[1])
            if !seenData && points.isEmpty && problems.isEmpty && (time == nil || value == nil) && !fields[1].isEmpty && Double(fields[1]) == nil {
                // The header (`timestamp,value` or any words): skip once.
                seenData = true
                continue
            }
            seenData = true
            guard let time else {
                problems.append((lineNumber, "'\(fields[0].prefix(40))' is not a timestamp (expected ISO 8601 such as 1995-07-01T04:00:00Z, or Unix seconds)"))
                continue
            }
            guard let value, value.isFinite else {
                problems.append((lineNumber, "'\(fields[1].prefix(40))' is not a number"))
                continue
            }
            guard value >= 0 else {
                problems.append((lineNumber, "the value \(fields[1]) is negative; a trace counts arrivals"))
                continue
            }
            guard time > lastTime else {
                problems.append((lineNumber, time == lastTime ? "the timestamp \(fields[0]) repeats line \(lastLine)" : "the timestamp \(fields[0]) is earlier than line \(lastLine)'s; rows must be in time order"))
                continue
            }
            lastTime = time
            lastLine = lineNumber
            points.append(TracePoint(time: time, value: value))
        }
        if let (line, message) = problems.first {
            var text = message
            if problems.count > 1 {
                let more = problems.dropFirst().prefix(5).map { String($0.0) }.joined(separator: ", ")
                text += " (and \(problems.count - 1) more bad row\(problems.count == 2 ? "" : "s"): line\(problems.count == 2 ? "" : "s") \(more)\(problems.count > 6 ? ", …" : ""))"
            }
            throw TraceError(trace: name, line: line, message: text)
        }
        guard points.count >= 2 else {
            throw TraceError(trace: name, line: 0, message: points.isEmpty ? "no data rows (expected `timestamp,value` lines)" : "only one data row; a trace needs at least two to know its step")
        }
        return points
    }

    /// A trace from checked rows: the step is the median gap between timestamps; each row covers
    /// `[t, t + min(gap to the next row, step))` and gaps longer than the step carry no arrivals.
    public static func fromPoints(_ points: [TracePoint], name: String) throws(TraceError) -> Trace {
        guard points.count >= 2 else { throw TraceError(trace: name, line: 0, message: "a trace needs at least two rows") }
        var gaps: [Double] = []
        gaps.reserveCapacity(points.count - 1)
        for i in 1..<points.count { gaps.append(points[i].time - points[i - 1].time) }
        gaps.sort()
        let step = gaps[gaps.count / 2]
        let start = points[0].time
        let end = points[points.count - 1].time + step
        let bins = Int(((end - start) / step).rounded(.up))
        var values = [Double](repeating: 0, count: Swift.max(1, bins))
        for i in 0..<points.count {
            let from = points[i].time
            let to = i + 1 < points.count ? Swift.min(points[i + 1].time, from + step) : from + step
            spread(points[i].value, from: from - start, to: to - start, step: step, into: &values)
        }
        return Trace(name: name, start: Date(timeIntervalSince1970: start), interval: step, values: values)
    }

    /// The same arrivals on a grid of `interval` seconds starting at ``start``: a coarser grid sums,
    /// a finer one spreads each interval's arrivals evenly (arrivals are assumed uniform inside an
    /// interval of the source).
    public func resampled(to interval: Double) -> Trace {
        precondition(interval > 0, "interval must be positive")
        if abs(interval - self.interval) < 1e-9 { return self }
        let bins = Int((duration / interval - 1e-9).rounded(.up))
        var out = [Double](repeating: 0, count: Swift.max(1, bins))
        for (i, value) in values.enumerated() where value != 0 {
            let from = Double(i) * self.interval
            Self.spread(value, from: from, to: from + self.interval, step: interval, into: &out)
        }
        return Trace(name: name, start: start, interval: interval, values: out)
    }

    /// Adds `value` spread evenly over `[from, to)` (seconds from the grid's start) to the bins of width `step`.
    static func spread(_ value: Double, from: Double, to: Double, step: Double, into bins: inout [Double]) {
        guard to > from else { return }
        let rate = value / (to - from)
        var t = from
        var index = Int((from / step + 1e-9).rounded(.down))
        while t < to - 1e-9 && index < bins.count {
            let binEnd = Double(index + 1) * step
            let segmentEnd = Swift.min(to, binEnd)
            if index >= 0 { bins[index] += rate * (segmentEnd - t) }
            t = segmentEnd
            index += 1
        }
    }

    /// `1995-07-01T04:00:00Z`, `1995-07-01 04:00:00`, `…T04:00:00.250+02:00`, or Unix seconds.
    public static func parseTimestamp(_ text: String) -> Double? {
        if let seconds = Double(text), seconds.isFinite, !text.contains("-") || text.hasPrefix("-") { return seconds }
        let bytes = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= bytes.count else { return nil }
            var n = 0
            for i in from..<(from + count) {
                let b = bytes[i]
                guard b >= 48 && b <= 57 else { return nil }
                n = n * 10 + Int(b - 48)
            }
            return n
        }
        guard bytes.count >= 10, bytes[4] == 45, bytes[7] == 45,
              let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var hour = 0, minute = 0
        var second = 0.0
        var i = 10
        if bytes.count > 10 {
            guard bytes[10] == 84 || bytes[10] == 32 || bytes[10] == 116, // T, space, t
                  let h = number(11, 2), bytes.count > 13, bytes[13] == 58, let m = number(14, 2) else { return nil }
            hour = h
            minute = m
            i = 16
            if i < bytes.count && bytes[i] == 58 {
                guard let s = number(17, 2) else { return nil }
                second = Double(s)
                i = 19
                if i < bytes.count && (bytes[i] == 46 || bytes[i] == 44) {
                    var j = i + 1
                    var scale = 0.1
                    while j < bytes.count, bytes[j] >= 48 && bytes[j] <= 57 {
                        second += Double(bytes[j] - 48) * scale
                        scale /= 10
                        j += 1
                    }
                    guard j > i + 1 else { return nil }
                    i = j
                }
            }
            guard hour <= 24, minute < 60, second < 61 else { return nil }
        }
        var offset = 0
        if i < bytes.count {
            switch bytes[i] {
            case 90, 122: // Z
                guard i + 1 == bytes.count else { return nil }
            case 43, 45: // + -
                guard let oh = number(i + 1, 2) else { return nil }
                var om = 0
                if i + 3 < bytes.count {
                    let k = bytes[i + 3] == 58 ? i + 4 : i + 3
                    guard let m = number(k, 2), k + 2 == bytes.count else { return nil }
                    om = m
                } else if i + 3 != bytes.count { return nil }
                offset = (oh * 3600 + om * 60) * (bytes[i] == 43 ? 1 : -1)
            default:
                return nil
            }
        }
        // Days from the civil date (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Double(days * 86_400 + hour * 3600 + minute * 60 - offset) + second
    }
}
