import Costing
import Foundation
import Hosting

/// Where decisions are written and read back (`ballast controller decisions`, `ballast cost`).
///
/// ```swift
/// let journal: any DecisionJournal = RedisStreamJournal(redis: redis, key: "ballast:qc-platform:production:journal")
/// try await journal.append([record])
/// let lastHour = try await journal.read(since: now.addingTimeInterval(-3600), service: "worker")
/// ```
public protocol DecisionJournal: Sendable {
    /// A short description for logs: `redis stream ballast:…:journal`, `file .ballast/journal.jsonl`.
    var location: String { get }
    func append(_ records: [DecisionRecord]) async throws
    /// Records at or after `since` (all when nil), of one service (all when nil), oldest first.
    func read(since: Date?, service: String?) async throws -> [DecisionRecord]
}

/// The journal file could not be written, and why.
public struct JournalFileError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// A JSON-lines file: one ``DecisionRecord`` per line, appended (the journal without Redis).
public actor FileJournal: DecisionJournal {
    public nonisolated let path: String

    public init(path: String) {
        self.path = path
    }

    public nonisolated var location: String { "file \(path)" }

    public func append(_ records: [DecisionRecord]) async throws {
        guard !records.isEmpty else { return }
        let text = records.map { $0.encodedLine() + "\n" }.joined()
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: path) {
                _ = FileManager.default.createFile(atPath: path, contents: nil)
            }
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
        } catch {
            throw JournalFileError(description: "cannot write the journal file \(path): \(FileErrorText.describe(error))")
        }
    }

    public func read(since: Date?, service: String?) async throws -> [DecisionRecord] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var records: [DecisionRecord] = []
        for line in text.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let record = try? DecisionRecord.decode(String(line)) else { continue }
            if let since, record.entry.at < since { continue }
            if let service, record.entry.service != service { continue }
            records.append(record)
        }
        return records
    }
}

/// Records kept while the journal cannot be written (Redis down) and written once it can: bounded,
/// oldest dropped first, so an outage costs at most the oldest explanations, never the process.
public actor JournalBuffer {
    public let journal: any DecisionJournal
    public let capacity: Int
    private var pending: [DecisionRecord] = []
    public private(set) var dropped = 0

    public init(journal: any DecisionJournal, capacity: Int = 10_000) {
        self.journal = journal
        self.capacity = capacity
    }

    /// Appends `records` after anything still pending; on failure keeps them for the next call.
    /// Returns the error, if the journal could not be written.
    @discardableResult
    public func write(_ records: [DecisionRecord]) async -> (any Error)? {
        pending.append(contentsOf: records)
        if pending.count > capacity {
            dropped += pending.count - capacity
            pending.removeFirst(pending.count - capacity)
        }
        guard !pending.isEmpty else { return nil }
        do {
            try await journal.append(pending)
            pending.removeAll(keepingCapacity: true)
            return nil
        } catch {
            return error
        }
    }

    public var pendingCount: Int { pending.count }
}
