import Blueprint
import Foundation

/// Reads configuration files for the commands, turning every way a read can fail into a diagnostic.
enum SourceFiles {
    /// Blueprints and policies larger than this are refused before reading.
    static let maxBytes = 16 * 1024 * 1024

    static func read(_ path: String, what: String = "file") -> Result<[UInt8], Diagnostic> {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(Diagnostic(.error, "File not found", detail: "There is no \(what) at '\(path)'.", path: "", range: nil))
        }
        if isDirectory.boolValue {
            return .failure(Diagnostic(.error, "Not a file", detail: "'\(path)' is a directory; give the path of a \(what).", path: "", range: nil))
        }
        if let size = (try? fm.attributesOfItem(atPath: path))?[.size] as? NSNumber, size.intValue > maxBytes {
            return .failure(Diagnostic(.error, "File too large", detail: "'\(path)' is \(size.intValue / 1_048_576) MB; \(what)s are limited to \(maxBytes / 1_048_576) MB.", path: "", range: nil))
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return .failure(Diagnostic(.error, "Cannot read file", detail: "'\(path)' could not be opened (permissions?).", path: "", range: nil))
        }
        defer { try? handle.close() }
        do {
            let data = try handle.read(upToCount: maxBytes + 1) ?? Data()
            if data.count > maxBytes {
                return .failure(Diagnostic(.error, "File too large", detail: "'\(path)' is larger than \(maxBytes / 1_048_576) MB.", path: "", range: nil))
            }
            return .success([UInt8](data))
        } catch {
            return .failure(Diagnostic(.error, "Cannot read file", detail: "'\(path)': \(error.localizedDescription)", path: "", range: nil))
        }
    }

    /// A line of a file for diagnostics' source excerpts (cached per file).
    final class LineSource: @unchecked Sendable {
        private var cache: [String: [Substring]] = [:]

        func line(_ file: String, _ number: Int) -> String? {
            if cache[file] == nil {
                guard case .success(let bytes) = SourceFiles.read(file) else { return nil }
                let text = String(decoding: bytes, as: UTF8.self)
                cache[file] = text.split(separator: "\n", omittingEmptySubsequences: false)
            }
            guard let lines = cache[file], number >= 1, number <= lines.count else { return nil }
            return String(lines[number - 1]).trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
        }
    }
}
