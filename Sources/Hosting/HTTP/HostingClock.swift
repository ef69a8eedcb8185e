import Foundation

/// The time source for the client's backoff and rate limiting and the sandbox's boot delays and metrics.
///
/// `SystemHostingClock` is real time; `ManualHostingClock` is a test's, where `sleep` returns at once
/// after moving time forward, so a test of a one-hour rate limit takes microseconds.
public protocol HostingClock: Sendable {
    func now() -> Date
    func sleep(seconds: Double) async throws
}

/// Wall-clock time and real sleeping.
public struct SystemHostingClock: HostingClock {
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(seconds: Double) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
    }
}

/// A clock a test moves: `advance(by:)`, and `sleep` advances instead of waiting (and records the sleep).
public final class ManualHostingClock: HostingClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    private var sleeps: [Double] = []

    public init(start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        self.current = start
    }

    public func now() -> Date {
        lock.withLock { current }
    }

    public func advance(by seconds: Double) {
        lock.withLock { current = current.addingTimeInterval(seconds) }
    }

    public func sleep(seconds: Double) async throws {
        try Task.checkCancellation()
        lock.withLock {
            sleeps.append(seconds)
            if seconds > 0 { current = current.addingTimeInterval(seconds) }
        }
    }

    /// Every `sleep` asked for so far, in seconds.
    public var recordedSleeps: [Double] {
        lock.withLock { sleeps }
    }
}
