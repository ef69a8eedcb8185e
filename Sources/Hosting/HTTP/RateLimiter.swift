import Foundation

/// Client-side pacing: Ballast stays inside Render's budgets instead of learning them from 429s.
///
/// Each Render bucket (`RenderRateLimits.bucket`) is paced on its own by a `RequestPacer`, which
/// holds a slot for every request from the moment it is sent until one window after its response
/// came back, and lets a request go only while fewer than the bucket's limit (less one, as headroom)
/// are held. Since a request reaches the server somewhere between its send and its response, no
/// window of the server's, wherever it starts, can then see more than the limit: this needs neither
/// the server's clock nor its window boundaries, and it counts requests in flight at any parallelism.
/// Every response's `Ratelimit-Limit`/`-Remaining`/`-Reset` re-anchors the pacer on the server's view
/// (traffic from other clients of the same key, a different limit), which only ever makes it slower.
public actor RateLimiter {
    private let limits: RenderRateLimits
    private let clock: any HostingClock
    private var pacers: [String: RequestPacer] = [:]
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// A reservation: pass it back to `complete` once the request has an outcome.
    public struct Ticket: Sendable {
        let bucket: String
        let id: Int
    }

    public init(limits: RenderRateLimits = .render, clock: any HostingClock = SystemHostingClock()) {
        self.limits = limits
        self.clock = clock
    }

    /// Waits until a request may be sent, and reserves its slot.
    public func acquire(method: String, path: String) async throws -> Ticket {
        let (name, limit) = limits.bucket(method: method, path: path)
        while true {
            try Task.checkCancellation()
            var pacer = pacers[name] ?? RequestPacer(limit: limit.requests, window: limit.window)
            let decision = pacer.reserve(now: clock.now())
            pacers[name] = pacer
            switch decision {
            case .granted(let id):
                return Ticket(bucket: name, id: id)
            case .wait(let seconds):
                try await clock.sleep(seconds: seconds)
            case .waitForResponse:
                // Every slot is held by a request in flight: the next `complete` frees one.
                await withCheckedContinuation { waiters.append($0) }
            }
        }
    }

    /// The request of `ticket` ended: with a response (its `Ratelimit-*` headers, when present), or
    /// without one (`responded: false`; it may still have reached the server, so it is counted).
    public func complete(_ ticket: Ticket, limit: Int? = nil, remaining: Int? = nil, resetSeconds: Double? = nil) {
        if var pacer = pacers[ticket.bucket] {
            pacer.complete(ticket.id, now: clock.now(), serverLimit: limit, remaining: remaining, resetSeconds: resetSeconds)
            pacers[ticket.bucket] = pacer
        }
        let woken = waiters
        waiters = []
        for waiter in woken { waiter.resume() }
    }
}

/// The pacing of one rate-limit bucket: pure logic, time passed in.
///
/// A slot is held from `reserve` (send) until `window` after `complete` (response). A request is
/// granted while the held slots, plus the server's unexplained usage, stay under `limit - headroom`.
public struct RequestPacer: Sendable {
    public enum Decision: Equatable {
        /// Send now; give the id back to `complete`.
        case granted(Int)
        /// Nothing may be sent before this many seconds have passed.
        case wait(Double)
        /// Every slot is held by a request still in flight.
        case waitForResponse
    }

    /// The bucket's limit per window (the server's `Ratelimit-Limit` once one was seen).
    public private(set) var limit: Int
    public let window: TimeInterval
    /// Slots kept free below the limit.
    public let headroom: Int
    private var nextId = 0
    /// Requests sent and not yet answered.
    private var inFlight: Set<Int> = []
    /// When each answered request's slot frees, in order (responses are recorded as they come, so
    /// `now + window` never decreases).
    private var releases: [Date] = []
    private var releasesStart = 0
    /// Slots the server says are used beyond ours (other clients of the key), until its reset.
    private var foreign: [(count: Int, until: Date)] = []

    /// `headroom` defaults to one slot below the limit (none for a limit of 1).
    public init(limit: Int, window: TimeInterval, headroom: Int? = nil) {
        self.limit = max(1, limit)
        self.window = window
        self.headroom = headroom ?? (limit > 1 ? 1 : 0)
    }

    /// How many requests may be in one window.
    public var capacity: Int { max(1, limit - headroom) }

    /// Slots held right now.
    public mutating func held(now: Date) -> Int {
        expire(now: now)
        return inFlight.count + (releases.count - releasesStart) + foreign.reduce(0) { $0 + $1.count }
    }

    /// Reserves a slot for a request sent at `now`, or says how long to wait.
    public mutating func reserve(now: Date) -> Decision {
        if held(now: now) < capacity {
            nextId += 1
            inFlight.insert(nextId)
            return .granted(nextId)
        }
        let nextRelease = ([releases.count > releasesStart ? releases[releasesStart] : nil] + foreign.map(\.until)).compactMap { $0 }.min()
        guard let nextRelease else { return .waitForResponse }
        return .wait(max(0.001, nextRelease.timeIntervalSince(now)))
    }

    /// The request `id` has an outcome at `now`; `remaining`/`resetSeconds` are the server's view
    /// after it (`Ratelimit-Remaining`, `Ratelimit-Reset` in seconds until the window resets).
    public mutating func complete(_ id: Int, now: Date, serverLimit: Int? = nil, remaining: Int? = nil, resetSeconds: Double? = nil) {
        guard inFlight.remove(id) != nil else { return }
        releases.append(now.addingTimeInterval(window))
        if let serverLimit, serverLimit > 0 { limit = serverLimit }
        guard let remaining, let resetSeconds, resetSeconds > 0 else { return }
        // The server has `limit - remaining` used in its window, which ends at the latest at
        // now + reset (`Ratelimit-Reset` is rounded up). Ours that may be among them are every slot held;
        // anything beyond is someone else's, and holds slots until that reset.
        expire(now: now)
        let used = limit - max(0, remaining)
        let ours = inFlight.count + (releases.count - releasesStart) + foreign.reduce(0) { $0 + $1.count }
        if used > ours {
            foreign.append((count: used - ours, until: now.addingTimeInterval(min(resetSeconds, window * 2))))
        }
    }

    private mutating func expire(now: Date) {
        while releasesStart < releases.count, releases[releasesStart] <= now { releasesStart += 1 }
        if releasesStart > 64, releasesStart * 2 > releases.count {
            releases.removeFirst(releasesStart)
            releasesStart = 0
        }
        foreign.removeAll { $0.until <= now }
    }
}
