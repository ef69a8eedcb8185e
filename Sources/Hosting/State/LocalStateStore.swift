import Foundation
import Planning
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The default state store: `<directory>/state/<project>.<environment>.json`, written atomically,
/// and a lock file beside it (`….json.lock`) holding who has it.
///
/// The lock is created exclusively (`O_EXCL`), so two processes cannot both hold it. A lock left by a
/// process that is gone (same host, no such PID) is taken over.
///
/// A write is refused, as the Redis store refuses it, unless the file holds the same lineage and the
/// serial exactly one below the new one (no file: the new serial must be 1): anything else means another
/// writer got in since this one read the state (one that ignored the lock, or took over a lock it thought
/// abandoned). The check and the write are not one atomic step across processes; the lock is what
/// keeps two writers apart, the check catches the writer the lock did not stop.
public struct LocalStateStore: StateStore {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public init(directory: String = ".ballast", project: String, environment: String) {
        self.path = (directory as NSString).appendingPathComponent("state/\(project).\(environment).json")
    }

    public var location: String { path }
    public var lockPath: String { path + ".lock" }

    public func load() throws -> BallastState? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(BallastState.self, from: data)
        } catch {
            throw StateStoreError(operation: "read-state", location: path, message: FileErrorText.describe(error))
        }
    }

    public func save(_ state: BallastState) throws {
        if let refusal = try refusal(toWrite: state) {
            throw StateStoreError(operation: "write-state", location: path, message: refusal)
        }
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            try encoder.encode(state).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw StateStoreError(operation: "write-state", location: path, message: FileErrorText.describe(error))
        }
    }

    /// Why `state` may not replace what the file holds now; nil when it follows it.
    private func refusal(toWrite state: BallastState) throws -> String? {
        guard let stored = try load() else {
            return state.serial == 1 ? nil : "refused to write serial \(state.serial): there is no state file; it was deleted since it was read."
        }
        if stored.lineage != state.lineage {
            return "refused to write: the stored state has lineage \(stored.lineage), not \(state.lineage); another state was written here."
        }
        if stored.serial != state.serial - 1 {
            return "refused to write serial \(state.serial): the stored serial is \(stored.serial), not \(state.serial - 1); "
                + "the state was changed by another operation since it was read (stale)."
        }
        return nil
    }

    public func lock(operation: String, timeout: TimeInterval) async throws -> StateLock {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let info = LockInfo.forThisProcess(path: path, operation: operation)
        let body = try info.encoded()
        let deadline = Date().addingTimeInterval(max(0, timeout))
        let lockPath = self.lockPath
        while true {
            let fd = open(lockPath, O_CREAT | O_EXCL | O_WRONLY, 0o644)
            if fd >= 0 {
                _ = body.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
                let id = info.id
                return StateLock(info: info) {
                    // Only remove the lock if it is still ours.
                    if let current = Self.readLock(lockPath), current.id == id { unlink(lockPath) }
                }
            }
            let holder = Self.readLock(lockPath)
            if let holder, holder.holderIsGone {
                unlink(lockPath)   // its process is gone
                continue
            }
            if Date() >= deadline {
                throw StateStoreError(operation: "lock-state", location: path,
                                      message: "Error acquiring the state lock: another operation holds it.", holder: holder)
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
    }

    static func readLock(_ path: String) -> LockInfo? {
        FileManager.default.contents(atPath: path).flatMap(LockInfo.decode)
    }
}
