import Foundation
import Planning

/// Where Ballast keeps its ``BallastState`` and the lock that keeps two applies from interleaving.
///
/// ```swift
/// let store = LocalStateStore(directory: ".ballast", project: "qc-platform", environment: "production")
/// let lock = try await store.lock(operation: "apply", timeout: 10)
/// defer { lock.release() }
/// var state = try store.load() ?? BallastState(lineage: UUID().uuidString, project: "qc-platform", environment: "production")
/// ```
///
/// - Important: hold the lock from reading the state until the last write of an apply.
public protocol StateStore: Sendable {
    /// Nil when nothing was applied yet.
    func load() throws -> BallastState?
    /// Replaces the stored state (atomically).
    func save(_ state: BallastState) throws
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
public final class StateLock: Sendable {
    public let info: LockInfo
    private let releaseAction: @Sendable () -> Void

    public init(info: LockInfo, release: @escaping @Sendable () -> Void) {
        self.info = info
        self.releaseAction = release
    }

    public func release() {
        releaseAction()
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
