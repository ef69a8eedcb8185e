import Foundation
import Hosting
import Testing

/// The client's pacing as pure logic (`RequestPacer`, time passed in) and end to end against the
/// sandbox server's own rate limits.
@Suite struct RequestPacerTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func grantsOneBelowTheLimitThenWaitsAWindowAfterTheFirstResponse() {
        var pacer = RequestPacer(limit: 10, window: 60)
        #expect(pacer.capacity == 9)
        var ids: [Int] = []
        for _ in 0..<9 {
            guard case .granted(let id) = pacer.reserve(now: t0) else { Issue.record("not granted"); return }
            ids.append(id)
        }
        // All nine in flight: nothing frees a slot but a response.
        #expect(pacer.reserve(now: t0) == .waitForResponse)
        for (offset, id) in ids.enumerated() { pacer.complete(id, now: t0.addingTimeInterval(0.1 + Double(offset) * 0.01)) }
        // The first slot frees one window after its response, wherever the server's window began.
        #expect(waitSeconds(pacer.reserve(now: t0.addingTimeInterval(1))).map { abs($0 - 59.1) < 1e-6 } == true)
        guard case .granted = pacer.reserve(now: t0.addingTimeInterval(60.1)) else { Issue.record("not granted after the window"); return }
        #expect(waitSeconds(pacer.reserve(now: t0.addingTimeInterval(60.1))).map { abs($0 - 0.01) < 1e-6 } == true)
    }

    @Test func aLimitOfOneHasNoHeadroom() {
        var pacer = RequestPacer(limit: 1, window: 10)
        guard case .granted(let id) = pacer.reserve(now: t0) else { Issue.record("not granted"); return }
        #expect(pacer.reserve(now: t0) == .waitForResponse)
        pacer.complete(id, now: t0.addingTimeInterval(1))
        #expect(pacer.reserve(now: t0.addingTimeInterval(1)) == .wait(10))
    }

    @Test func theServersRemainingCountsOtherClientsUntilItsReset() {
        var pacer = RequestPacer(limit: 10, window: 60)
        guard case .granted(let id) = pacer.reserve(now: t0) else { Issue.record("not granted"); return }
        // The server has 7 used (ours and 6 of someone else's) and resets in 20 s.
        pacer.complete(id, now: t0, remaining: 3, resetSeconds: 20)
        #expect(pacer.held(now: t0) == 7)
        for _ in 0..<2 {
            guard case .granted = pacer.reserve(now: t0) else { Issue.record("not granted"); return }
        }
        #expect(pacer.reserve(now: t0) == .wait(20))
        // After the reset only our own three slots are held.
        #expect(pacer.held(now: t0.addingTimeInterval(20)) == 3)
    }

    @Test func aRemainingThatOurRequestsExplainAddsNothing() {
        var pacer = RequestPacer(limit: 10, window: 60)
        var ids: [Int] = []
        for _ in 0..<4 {
            guard case .granted(let id) = pacer.reserve(now: t0) else { Issue.record("not granted"); return }
            ids.append(id)
        }
        // Answers out of order: the server saw 2, then (a stale answer) 1 of ours.
        pacer.complete(ids[1], now: t0.addingTimeInterval(0.2), remaining: 8, resetSeconds: 60)
        pacer.complete(ids[0], now: t0.addingTimeInterval(0.3), remaining: 9, resetSeconds: 60)
        #expect(pacer.held(now: t0.addingTimeInterval(0.3)) == 4)
    }

    @Test func adoptsTheServersLimit() {
        var pacer = RequestPacer(limit: 30, window: 60)
        guard case .granted(let id) = pacer.reserve(now: t0) else { Issue.record("not granted"); return }
        pacer.complete(id, now: t0, serverLimit: 5, remaining: 4, resetSeconds: 60)
        #expect(pacer.capacity == 4)
        for _ in 0..<3 {
            guard case .granted = pacer.reserve(now: t0) else { Issue.record("not granted"); return }
        }
        // Four held: three in flight, and the answered one until a window after its response.
        #expect(pacer.reserve(now: t0) == .wait(60))
    }

    func waitSeconds(_ decision: RequestPacer.Decision) -> Double? {
        if case .wait(let seconds) = decision { return seconds }
        return nil
    }

    /// Ten workers against simulated servers, with random latency either side of the server's check:
    /// a fixed window from the first request after the last one ended (the sandbox's and a common
    /// server design) and windows aligned to the clock at an arbitrary offset. No request is refused.
    @Test(arguments: [SimulatedServer.Kind.startsAtFirstRequest, .alignedToClock(offset: 0.37), .alignedToClock(offset: 0.91)])
    func neverExceedsAFixedWindowWhereverItStarts(kind: SimulatedServer.Kind) {
        var simulation = PacingSimulation(server: SimulatedServer(kind: kind, limit: 12, window: 2), pacer: RequestPacer(limit: 12, window: 2),
                                          start: t0, seed: 7)
        let finished = simulation.run(requests: 400, workers: 10)
        #expect(simulation.server.refused == 0)
        #expect(simulation.server.accepted == 400)
        // And not needlessly slow: 400 requests at 11 a window of 2 s plus at most 0.4 s of latency each.
        let windows = (400.0 / 11).rounded(.up)
        #expect(finished.timeIntervalSince(t0) <= windows * 2.4 + 1)
    }
}

/// A rate-limited server in simulated time: counts per fixed window and answers `Ratelimit-*` as
/// Render does (`Reset` in whole seconds, rounded up).
struct SimulatedServer: Sendable {
    enum Kind: Sendable, CustomStringConvertible {
        case startsAtFirstRequest
        case alignedToClock(offset: Double)

        var description: String {
            switch self {
            case .startsAtFirstRequest: "window from the first request"
            case .alignedToClock(let offset): "clock-aligned windows, offset \(offset) s"
            }
        }
    }

    let kind: Kind
    let limit: Int
    let window: Double
    var windowStart: Date?
    var count = 0
    var accepted = 0
    var refused = 0

    init(kind: Kind, limit: Int, window: Double) {
        self.kind = kind
        self.limit = limit
        self.window = window
    }

    /// (allowed, remaining, reset seconds) for a request that reaches the server at `now`.
    mutating func check(now: Date) -> (Bool, Int, Double) {
        let start: Date
        switch kind {
        case .startsAtFirstRequest:
            if let current = windowStart, now.timeIntervalSince(current) < window {
                start = current
            } else {
                start = now
            }
        case .alignedToClock(let offset):
            start = Date(timeIntervalSince1970: ((now.timeIntervalSince1970 - offset) / window).rounded(.down) * window + offset)
        }
        if start != windowStart {
            windowStart = start
            count = 0
        }
        let reset = max(1, (window - now.timeIntervalSince(start)).rounded(.up))
        guard count < limit else {
            refused += 1
            return (false, 0, reset)
        }
        count += 1
        accepted += 1
        return (true, limit - count, reset)
    }
}

/// A discrete-event run of workers sending through one `RequestPacer` to a `SimulatedServer`.
struct PacingSimulation {
    enum Event {
        case ready(worker: Int)
        case arrive(worker: Int, id: Int)
        case respond(worker: Int, id: Int, remaining: Int, reset: Double)
    }

    var server: SimulatedServer
    var pacer: RequestPacer
    let start: Date
    var random: UInt64
    private var events: [(time: Date, order: Int, event: Event)] = []
    private var order = 0

    init(server: SimulatedServer, pacer: RequestPacer, start: Date, seed: UInt64) {
        self.server = server
        self.pacer = pacer
        self.start = start
        self.random = seed
    }

    mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        random &+= 0x9E37_79B9_7F4A_7C15
        var z = random
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return range.lowerBound + Double(z >> 11) / Double(1 << 53) * (range.upperBound - range.lowerBound)
    }

    mutating func schedule(_ time: Date, _ event: Event) {
        order += 1
        events.append((time, order, event))
    }

    /// Sends `requests` in all from `workers` concurrent workers; returns when the last response came.
    mutating func run(requests: Int, workers: Int) -> Date {
        var toSend = requests
        var waitingForResponse: [Int] = []
        var now = start
        for worker in 0..<workers { schedule(start, .ready(worker: worker)) }
        while let next = events.indices.min(by: { (events[$0].time, events[$0].order) < (events[$1].time, events[$1].order) }) {
            let (time, _, event) = events.remove(at: next)
            now = time
            switch event {
            case .ready(let worker):
                guard toSend > 0 else { continue }
                switch pacer.reserve(now: now) {
                case .granted(let id):
                    toSend -= 1
                    schedule(now.addingTimeInterval(uniform(0.001...0.2)), .arrive(worker: worker, id: id))
                case .wait(let seconds):
                    schedule(now.addingTimeInterval(seconds), .ready(worker: worker))
                case .waitForResponse:
                    waitingForResponse.append(worker)
                }
            case .arrive(let worker, let id):
                let (_, remaining, reset) = server.check(now: now)
                schedule(now.addingTimeInterval(uniform(0.001...0.2)), .respond(worker: worker, id: id, remaining: remaining, reset: reset))
            case .respond(let worker, let id, let remaining, let reset):
                pacer.complete(id, now: now, serverLimit: server.limit, remaining: remaining, resetSeconds: reset)
                schedule(now, .ready(worker: worker))
                for waiting in waitingForResponse { schedule(now, .ready(worker: waiting)) }
                waitingForResponse = []
            }
        }
        return now
    }
}
