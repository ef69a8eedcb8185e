import Foundation
import Planning

/// Where Ballast keeps its ``BallastState`` and the lock that keeps two applies from interleaving.
///
/// ```swift
/// let store = LocalStateStore(directory: ".ballast", project: "qc-platform", environment: "production")
/// let lock = try await store.lock(operation: "apply", timeout: 10)
/// var state = try await store.load() ?? BallastState(lineage: UUID().uuidString, project: "qc-platform", environment: "production")
/// state.serial += 1
/// try await store.save(state)
/// await lock.unlock()
/// ```
///
/// Two stores: ``LocalStateStore`` (a JSON file under `.ballast/`) and `RedisStateStore` (module
/// `StateRedis`, for `--state redis://…`).
///
/// - Important: hold the lock from reading the state until the last write of an apply. Every write
///   carries the serial one above the one read (the executor counts them); both stores refuse a write
///   whose predecessor is not the serial in the store.
public protocol StateStore: Sendable {
    /// Nil when nothing was applied yet.
    func load() async throws -> BallastState?
    /// Replaces the stored state (atomically).
    func save(_ state: BallastState) async throws
    /// Waits up to `timeout` seconds for the lock, then fails naming who holds it.
    func lock(operation: String, timeout: TimeInterval) async throws -> StateLock
    /// Where the state lives, for messages.
    var location: String { get }
}

/// Who holds a state lock, as recorded in the lock (Terraform's `Lock Info`).
public struct LockInfo: Sendable, Codable, Equatable {
    public var id: String
    public var path: String
    public var operation: String
    public var who: String
    public var pid: Int32
    public var host: String
    public var created: Date

    public init(id: String, path: String, operation: String, who: String, pid: Int32, host: String, created: Date) {
        self.id = id
        self.path = path
        self.operation = operation
        self.who = who
        self.pid = pid
        self.host = host
        self.created = created
    }

    public var description: String {
        """
        Lock Info:
          ID:        \(id)
          Path:      \(path)
          Operation: \(operation)
          Who:       \(who)
          Created:   \(ISO8601DateFormatter().string(from: created))
        """
    }
}

/// A held lock; release it when done (releasing twice is harmless).
///
/// From async code prefer `await lock.unlock()`: it returns once the lock is gone. `release()` is for
/// synchronous code (`defer`); for a lock held in Redis it only starts the release, and the lock
/// expires by itself if the process ends first.
public final class StateLock: Sendable {
    public let info: LockInfo
    private let releaseNow: (@Sendable () -> Void)?
    private let releaseLater: (@Sendable () async -> Void)?

    /// A lock released synchronously (a lock file).
    public init(info: LockInfo, release: @escaping @Sendable () -> Void) {
        self.info = info
        self.releaseNow = release
        self.releaseLater = nil
    }

    /// A lock whose release needs a round trip (Redis).
    public init(info: LockInfo, unlock: @escaping @Sendable () async -> Void) {
        self.info = info
        self.releaseNow = nil
        self.releaseLater = unlock
    }

    public func release() {
        if let releaseNow { return releaseNow() }
        if let releaseLater { Task { await releaseLater() } }
    }

    public func unlock() async {
        if let releaseNow { return releaseNow() }
        await releaseLater?()
    }
}

/// A state operation that failed: reading, writing or locking.
public struct StateStoreError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var location: String
    public var message: String
    /// Set when the lock is held by someone else.
    public var holder: LockInfo?

    public init(operation: String, location: String, message: String, holder: LockInfo? = nil) {
        self.operation = operation
        self.location = location
        self.message = message
        self.holder = holder
    }

    public var description: String {
        var text = "\(operation) \(location): \(message)"
        if let holder { text += "\n" + holder.description }
        return text
    }
}
