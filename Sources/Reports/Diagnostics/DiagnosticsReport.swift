import Blueprint
import Foundation

/// Renders diagnostics as Terraform does (boxed, with the source line) or as JSON for scripts.
///
/// ```swift
/// print(DiagnosticsReport(diagnostics, source: { file, line in lines[line - 1] }).text())
/// ```
public struct DiagnosticsReport {
    public let diagnostics: Diagnostics
    /// The text of a line of a file, when it can be shown.
    public let source: (String, Int) -> String?

    public init(_ diagnostics: Diagnostics, source: @escaping (String, Int) -> String? = { _, _ in nil }) {
        self.diagnostics = diagnostics
        self.source = source
    }

    public func text() -> String {
        var out = ""
        for d in diagnostics.sorted {
            out += "╷\n"
            out += "│ \(d.severity == .error ? "Error" : "Warning"): \(d.summary)\n"
            out += "│\n"
            if let range = d.range {
                out += "│   on \(range.filename) line \(range.start.line), column \(range.start.column)\(d.path.isEmpty ? "" : ", in \(d.path)"):\n"
                if let line = source(range.filename, range.start.line) {
                    let shown = line.count > 120 ? String(line.prefix(120)) + "…" : line
                    out += "│ \(String(repeating: " ", count: max(0, 4 - String(range.start.line).count)))\(range.start.line): \(shown)\n"
                }
                out += "│\n"
            } else if !d.path.isEmpty {
                out += "│   in \(d.path):\n│\n"
            }
            for line in d.detail.split(separator: "\n", omittingEmptySubsequences: false) {
                out += "│ \(line)\n"
            }
            out += "╵\n"
        }
        return out
    }

    public func summaryLine(subject: String) -> String {
        let errors = diagnostics.errorCount, warnings = diagnostics.warningCount
        if errors == 0 {
            return warnings == 0 ? "Success! \(subject) is valid." : "Success! \(subject) is valid, with \(warnings) warning\(warnings == 1 ? "" : "s")."
        }
        return "\(subject) has \(errors) error\(errors == 1 ? "" : "s") and \(warnings) warning\(warnings == 1 ? "" : "s")."
    }

    struct JSONView: Encodable {
        struct Position: Encodable { let line: Int; let column: Int }
        struct Range: Encodable { let filename: String; let start: Position }
        struct Item: Encodable {
            let severity: String
            let summary: String
            let detail: String
            let path: String
            let range: Range?
        }
        let valid: Bool
        let error_count: Int
        let warning_count: Int
        let diagnostics: [Item]
    }

    public func json() -> String {
        let view = JSONView(
            valid: !diagnostics.hasErrors,
            error_count: diagnostics.errorCount,
            warning_count: diagnostics.warningCount,
            diagnostics: diagnostics.sorted.map { d in
                .init(severity: d.severity.rawValue, summary: d.summary, detail: d.detail, path: d.path,
                      range: d.range.map { .init(filename: $0.filename, start: .init(line: $0.start.line, column: $0.start.column)) })
            })
        return encodeJSON(view)
    }
}

/// Pretty, key-sorted JSON as every Ballast report prints it.
public func encodeJSON<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    guard let data = try? encoder.encode(value) else { return "{}" }
    return String(decoding: data, as: UTF8.self)
}
