/// A configuration problem with where it is and what to do about it, in Terraform's manner.
///
/// ```swift
/// Diagnostic(.error, "Unknown key", detail: "…", path: "services.api.instnces",
///            range: .init(filename: "qc.yaml", start: .init(line: 12, column: 5)))
/// ```
public struct Diagnostic: Sendable, Codable, Hashable, Error {
    public enum Severity: String, Sendable, Codable, Comparable {
        case error, warning

        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            lhs == .error && rhs == .warning
        }
    }

    public struct Range: Sendable, Codable, Hashable {
        public var filename: String
        public var start: SourceMark

        public init(filename: String, start: SourceMark) {
            self.filename = filename
            self.start = start
        }
    }

    public var severity: Severity
    public var summary: String
    public var detail: String
    /// Where in the document, dotted: `services.worker.scaling.max`.
    public var path: String
    public var range: Range?

    public init(_ severity: Severity, _ summary: String, detail: String, path: String, range: Range?) {
        self.severity = severity
        self.summary = summary
        self.detail = detail
        self.path = path
        self.range = range
    }
}

/// An ordered collection of diagnostics; everything that reads configuration appends here and goes on.
public struct Diagnostics: Sendable, Codable, Equatable {
    public private(set) var items: [Diagnostic] = []

    public init(_ items: [Diagnostic] = []) {
        self.items = items
    }

    public var hasErrors: Bool { items.contains { $0.severity == .error } }
    public var errorCount: Int { items.count { $0.severity == .error } }
    public var warningCount: Int { items.count { $0.severity == .warning } }
    public var errors: [Diagnostic] { items.filter { $0.severity == .error } }

    public mutating func append(_ diagnostic: Diagnostic) {
        items.append(diagnostic)
    }

    public mutating func append(contentsOf other: Diagnostics) {
        items.append(contentsOf: other.items)
    }

    public mutating func error(_ summary: String, _ detail: String, path: String, file: String, at mark: SourceMark?) {
        items.append(Diagnostic(.error, summary, detail: detail, path: path, range: mark.map { .init(filename: file, start: $0) }))
    }

    public mutating func warning(_ summary: String, _ detail: String, path: String, file: String, at mark: SourceMark?) {
        items.append(Diagnostic(.warning, summary, detail: detail, path: path, range: mark.map { .init(filename: file, start: $0) }))
    }

    /// Removes exact repeats (the same problem found while resolving several environments).
    public mutating func deduplicate() {
        var seen = Set<Diagnostic>()
        items = items.filter { seen.insert($0).inserted }
    }

    /// Errors first, then by file position.
    public var sorted: [Diagnostic] {
        items.enumerated().sorted { a, b in
            if a.element.severity != b.element.severity { return a.element.severity < b.element.severity }
            let la = a.element.range?.start.line ?? Int.max, lb = b.element.range?.start.line ?? Int.max
            if la != lb { return la < lb }
            return a.offset < b.offset
        }.map(\.element)
    }
}

/// The closest candidate to a misspelt word, for "did you mean" hints.
public func closestMatch(to word: String, in candidates: [String]) -> String? {
    let lowered = word.lowercased()
    // An abbreviation (`prod` for `production`) is the likeliest meaning when only one candidate starts with it.
    if lowered.count >= 3 {
        let prefixed = candidates.filter { $0.lowercased().hasPrefix(lowered) }
        if prefixed.count == 1 { return prefixed[0] }
    }
    var best: (String, Int)?
    for candidate in candidates {
        let distance = editDistance(lowered, candidate.lowercased())
        if distance <= max(2, candidate.count / 3), distance < (best?.1 ?? Int.max) {
            best = (candidate, distance)
        }
    }
    return best?.0
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.utf8), b = Array(b.utf8)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
