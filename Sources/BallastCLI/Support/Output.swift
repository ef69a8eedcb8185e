import ArgumentParser
import Blueprint
import Foundation
import Reports

enum DiagnosticsReportPrinter {
    static func text(_ diagnostics: Diagnostics, lines: SourceFiles.LineSource) -> String {
        DiagnosticsReport(diagnostics, source: { lines.line($0, $1) }).text()
    }
}

/// Writes a command's output to a file (atomically) or standard output.
func emit(_ text: String, to path: String?) throws {
    let body = text.hasSuffix("\n") ? text : text + "\n"
    if let path {
        do {
            try Data(body.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CLIError("cannot write '\(path)': \(error.localizedDescription)")
        }
    } else {
        FileHandle.standardOutput.write(Data(body.utf8))
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}

/// A command failure with a message for the user; exits 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
