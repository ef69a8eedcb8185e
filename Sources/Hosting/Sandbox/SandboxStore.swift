import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The sandbox's state, in memory and (with a directory) in `state.json` beside a `state.lock`.
///
/// Several processes may share a directory (`ballast sandbox serve` and `ballast plan --sandbox`):
/// every access takes an advisory `flock` on the lock file, reloads the file if another process
/// replaced it, and a change is written to a temporary file and renamed over the old one.
final class SandboxStore: @unchecked Sendable {
    let directory: URL?
    private let lock = NSLock()
    private var state: SandboxState
    private var lockDescriptor: Int32 = -1
    private var loadedStamp: FileStamp?

    private struct FileStamp: Equatable {
        var inode: UInt64
        var size: Int64
        var seconds: Int
        var nanoseconds: Int
    }

    init(directory: String?, initial: () -> SandboxState) throws {
        guard let directory else {
            self.directory = nil
            self.state = initial()
            state.reindexServices()
            return
        }
        let url = URL(fileURLWithPath: directory, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            // Foundation's error prints as "Error Domain=NSCocoaErrorDomain Code=516 …": say what and why.
            throw SandboxFailure(500, "cannot use '\(directory)' as the sandbox's folder: \((error as NSError).localizedDescription)")
        }
        self.directory = url
        self.state = SandboxState()
        let descriptor = open(url.appendingPathComponent("state.lock").path, O_CREAT | O_RDWR, 0o644)
        guard descriptor >= 0 else {
            throw SandboxFailure(500, "cannot open \(url.appendingPathComponent("state.lock").path): \(String(cString: strerror(errno)))")
        }
        self.lockDescriptor = descriptor
        try withFileLock(exclusive: true) {
            if try reloadIfChanged() == false {
                state = initial()
                try save()
            }
        }
    }

    deinit {
        if lockDescriptor >= 0 { close(lockDescriptor) }
    }

    /// The saved state's file name inside the sandbox's directory.
    static let stateFileName = "state.json"
    private var stateURL: URL? { directory?.appendingPathComponent(Self.stateFileName) }

    /// Reads the current state.
    func read<T>(_ body: (SandboxState) throws -> T) throws -> T {
        try lock.withLock {
            try withFileLock(exclusive: false) {
                _ = try reloadIfChanged()
                return try body(state)
            }
        }
    }

    /// Changes the state in place and saves it.
    ///
    /// - Important: `body` must throw before it changes anything (validate, then mutate): the state is
    ///   changed in place, not copied, so that one change costs O(change) and not O(state). With a
    ///   directory, a throw also drops the in-memory state, so the next access reloads the saved one.
    func write<T>(_ body: (inout SandboxState) throws -> T) throws -> T {
        try modify { state, changed in
            changed = true
            return try body(&state)
        }
    }

    /// Like `write`, but saves only if `body` sets `changed`: for reads that may bring the state up to
    /// date (instance boots, the emulated autoscaler) and usually find nothing to do.
    func modify<T>(_ body: (inout SandboxState, inout Bool) throws -> T) throws -> T {
        try lock.withLock {
            try withFileLock(exclusive: true) {
                _ = try reloadIfChanged()
                var changed = false
                let result: T
                do {
                    result = try body(&state, &changed)
                } catch {
                    if stateURL != nil { loadedStamp = nil }
                    state.reindexServices()
                    throw error
                }
                state.reindexServices()
                if changed { try save() }
                return result
            }
        }
    }

    private func withFileLock<T>(exclusive: Bool, _ body: () throws -> T) throws -> T {
        guard lockDescriptor >= 0 else { return try body() }
        while flock(lockDescriptor, exclusive ? LOCK_EX : LOCK_SH) != 0 {
            if errno != EINTR { throw SandboxFailure(500, "cannot lock the sandbox state: \(String(cString: strerror(errno)))") }
        }
        defer { _ = flock(lockDescriptor, LOCK_UN) }
        return try body()
    }

    private func stamp() -> FileStamp? {
        guard let path = stateURL?.path else { return nil }
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
        return FileStamp(inode: UInt64(info.st_ino), size: Int64(info.st_size), seconds: info.st_mtimespec.tv_sec, nanoseconds: info.st_mtimespec.tv_nsec)
        #else
        return FileStamp(inode: UInt64(info.st_ino), size: Int64(info.st_size), seconds: info.st_mtim.tv_sec, nanoseconds: info.st_mtim.tv_nsec)
        #endif
    }

    /// Loads the file if it changed since we last saw it. False when there is no file.
    private func reloadIfChanged() throws -> Bool {
        guard let url = stateURL else { return true }
        guard let current = stamp() else { return false }
        if current == loadedStamp { return true }
        let data = try Data(contentsOf: url)
        do {
            state = try Self.decoder.decode(SandboxState.self, from: data)
            state.reindexServices()
        } catch {
            throw SandboxFailure(500, "the sandbox state \(url.path) is unreadable (\(error)); move it away to start afresh")
        }
        loadedStamp = current
        return true
    }

    private func save() throws {
        guard let url = stateURL, let directory else { return }
        let data = try Self.encoder.encode(state)
        let temporary = directory.appendingPathComponent(".state.json.\(getpid()).tmp")
        try data.write(to: temporary)
        guard rename(temporary.path, url.path) == 0 else {
            throw SandboxFailure(500, "cannot replace \(url.path): \(String(cString: strerror(errno)))")
        }
        loadedStamp = stamp()
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .secondsSince1970
        return encoder
    }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }
}
