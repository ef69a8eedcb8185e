import Foundation

/// Client-side pacing: one token bucket per Render bucket, so Ballast stays inside Render's budgets
/// instead of learning them from 429s.
///
/// Reservations are taken at once (a bucket may go negative), and the caller sleeps on the injected
/// clock until its reservation is due; so concurrent callers queue fairly and nothing spins.
public actor RateLimiter {
    private struct Bucket {
        var tokens: Double
        var updated: Date
        /// Not before this instant (from the server's `Ratelimit-Reset` after `Remaining: 0` or a 429).
        var blockedUntil: Date?
    }

    private let limits: RenderRateLimits
    private let clock: any HostingClock
    private var buckets: [String: Bucket] = [:]

    public init(limits: RenderRateLimits = .render, clock: any HostingClock = SystemHostingClock()) {
        self.limits = limits
        self.clock = clock
    }

    /// Waits until a request may be sent.
    public func acquire(method: String, path: String) async throws {
        let wait = reserve(method: method, path: path)
        if wait > 0 { try await clock.sleep(seconds: wait) }
    }

    /// Takes a token and says how long to wait for it, in seconds.
    func reserve(method: String, path: String) -> Double {
        let (name, limit) = limits.bucket(method: method, path: path)
        let now = clock.now()
        let rate = Double(limit.requests) / limit.window
        var bucket = buckets[name] ?? Bucket(tokens: Double(limit.requests), updated: now, blockedUntil: nil)
        let elapsed = max(0, now.timeIntervalSince(bucket.updated))
        bucket.tokens = min(Double(limit.requests), bucket.tokens + elapsed * rate)
        bucket.updated = now
        bucket.tokens -= 1
        var wait = bucket.tokens >= 0 ? 0 : -bucket.tokens / rate
        if let blocked = bucket.blockedUntil {
            if blocked > now { wait = max(wait, blocked.timeIntervalSince(now)) } else { bucket.blockedUntil = nil }
        }
        buckets[name] = bucket
        return wait
    }

    /// Takes in the server's view: with nothing remaining, hold the bucket until its reset.
    public func observe(method: String, path: String, remaining: Int?, resetSeconds: Double?) {
        guard let remaining, remaining <= 0, let resetSeconds, resetSeconds > 0 else { return }
        let (name, limit) = limits.bucket(method: method, path: path)
        let now = clock.now()
        var bucket = buckets[name] ?? Bucket(tokens: 0, updated: now, blockedUntil: nil)
        bucket.blockedUntil = now.addingTimeInterval(min(resetSeconds, limit.window))
        buckets[name] = bucket
    }
}
