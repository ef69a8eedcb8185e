import Foundation

/// A token bucket: `capacity` tokens, refilled continuously at `capacity / period` per second.
///
/// ```swift
/// var bucket = TokenBucket(capacity: 10, period: 60, now: now)   // 10 calls a minute
/// if bucket.take(now: now) { call() }
/// ```
public struct TokenBucket: Sendable, Equatable {
    public let capacity: Double
    /// Seconds to refill from empty to full.
    public let period: Double
    public private(set) var tokens: Double
    public private(set) var updatedAt: Date

    public init(capacity: Double, period: Double, now: Date) {
        self.capacity = max(0, capacity)
        self.period = max(0.001, period)
        self.tokens = self.capacity
        self.updatedAt = now
    }

    mutating func refill(now: Date) {
        let elapsed = now.timeIntervalSince(updatedAt)
        guard elapsed > 0 else { return }
        tokens = min(capacity, tokens + elapsed * capacity / period)
        updatedAt = now
    }

    /// Tokens available at `now`.
    public mutating func available(now: Date) -> Double {
        refill(now: now)
        return tokens
    }

    /// Takes one token if there is one.
    public mutating func take(now: Date) -> Bool {
        refill(now: now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Takes every token (after a 429: the server says the budget is spent).
    public mutating func drain(now: Date) {
        refill(now: now)
        tokens = 0
    }

    /// Seconds until one token is available.
    public mutating func wait(now: Date) -> Double {
        refill(now: now)
        return tokens >= 1 ? 0 : (1 - tokens) * period / max(capacity, 0.001)
    }
}
