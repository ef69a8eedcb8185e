import Foundation

/// A change the controller wants made on the hosting API this tick.
public struct PlannedChange: Sendable, Equatable {
    /// How urgent the change is; lower goes first.
    public enum Urgency: Int, Sendable, Comparable, CaseIterable {
        /// A scale-up for a service breaching its SLO (a rule fired on a breach, or below its minimum).
        case breach = 0
        /// Any other scale-up (resume included).
        case scaleUp = 1
        /// Bringing a count back inside its bounds (drift).
        case correction = 2
        /// Scale-downs (and suspends) last: they save money, they never fix an outage.
        case scaleDown = 3

        public static func < (lhs: Urgency, rhs: Urgency) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public var service: String
    public var serviceId: String
    public var from: Int
    public var to: Int
    public var urgency: Urgency
    /// How much the change matters within its urgency (bigger first): the size of the breach or step.
    public var weight: Double

    public init(service: String, serviceId: String, from: Int, to: Int, urgency: Urgency, weight: Double = 0) {
        self.service = service
        self.serviceId = serviceId
        self.from = from
        self.to = to
        self.urgency = urgency
        self.weight = weight
    }
}

/// Spends Render's write budget on the most urgent changes first.
///
/// Two kinds of bucket, as Render counts them: about 30 writes a minute per user (API key) and about
/// 10 scale calls a minute per service. Each tick the controller hands in what it wants; the scheduler
/// admits changes in order of urgency (scale-ups breaching an SLO, other scale-ups, corrections,
/// scale-downs) while tokens last, and defers the rest, which the next tick decides again. After a
/// 429 the user bucket is drained, and a service whose call failed waits out an exponential backoff.
///
/// ```swift
/// var scheduler = ActuationScheduler(now: now)
/// let (admitted, deferred) = scheduler.admit(changes, now: now)
/// for change in admitted { ...; scheduler.record(change, outcome: .failed(status: 429), now: now) }
/// ```
public struct ActuationScheduler: Sendable {
    public struct Limits: Sendable, Equatable {
        public var writesPerMinute: Double
        public var scaleCallsPerServicePerMinute: Double
        /// First backoff after an API error for a service, in seconds; doubled per further error, capped.
        public var initialBackoff: Double
        public var maxBackoff: Double

        public init(writesPerMinute: Double = 30, scaleCallsPerServicePerMinute: Double = 10, initialBackoff: Double = 5, maxBackoff: Double = 300) {
            self.writesPerMinute = writesPerMinute
            self.scaleCallsPerServicePerMinute = scaleCallsPerServicePerMinute
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
        }

        /// Render's published limits (see `../shared/reference/render.md` §1).
        public static let render = Limits()
    }

    public enum Outcome: Sendable, Equatable {
        case succeeded
        /// The API answered an error (`status` 429 drains the user bucket) or could not be reached (nil).
        case failed(status: Int?)
    }

    /// Why a change was not admitted.
    public enum Deferral: Sendable, Equatable, CustomStringConvertible {
        case userBudget
        case serviceBudget
        case backoff(until: Date)

        public var description: String {
            switch self {
            case .userBudget: "the API key's write budget (about 30 a minute) is spent"
            case .serviceBudget: "the service's scale budget (about 10 a minute) is spent"
            case .backoff(let until): "backing off after an API error until \(JournalDate.format(until))"
            }
        }
    }

    public let limits: Limits
    private var user: TokenBucket
    private var services: [String: TokenBucket] = [:]
    private var failures: [String: (count: Int, until: Date)] = [:]

    public init(limits: Limits = .render, now: Date) {
        self.limits = limits
        self.user = TokenBucket(capacity: limits.writesPerMinute, period: 60, now: now)
    }

    /// Orders `changes` by urgency (then weight, then name) and admits those the budgets allow.
    public mutating func admit(_ changes: [PlannedChange], now: Date) -> (admitted: [PlannedChange], deferred: [(PlannedChange, Deferral)]) {
        let ordered = changes.sorted { a, b in
            if a.urgency != b.urgency { return a.urgency < b.urgency }
            if a.weight != b.weight { return a.weight > b.weight }
            return a.service < b.service
        }
        var admitted: [PlannedChange] = []
        var deferred: [(PlannedChange, Deferral)] = []
        for change in ordered {
            if let failure = failures[change.service], failure.until > now {
                deferred.append((change, .backoff(until: failure.until)))
                continue
            }
            var bucket = services[change.service]
                ?? TokenBucket(capacity: limits.scaleCallsPerServicePerMinute, period: 60, now: now)
            guard bucket.available(now: now) >= 1 else {
                services[change.service] = bucket
                deferred.append((change, .serviceBudget))
                continue
            }
            guard user.take(now: now) else {
                deferred.append((change, .userBudget))
                continue
            }
            _ = bucket.take(now: now)
            services[change.service] = bucket
            admitted.append(change)
        }
        // Services whose bucket is full again need no entry (1,000 services stay small).
        if services.count > 256 {
            services = services.filter { var b = $0.value; return b.available(now: now) < b.capacity }
        }
        return (admitted, deferred)
    }

    /// Notes how an admitted change went: errors start (or lengthen) the service's backoff; 429 drains
    /// the user bucket.
    public mutating func record(_ change: PlannedChange, outcome: Outcome, now: Date) {
        switch outcome {
        case .succeeded:
            failures[change.service] = nil
        case .failed(let status):
            if status == 429 { user.drain(now: now) }
            let count = (failures[change.service]?.count ?? 0) + 1
            let delay = min(limits.maxBackoff, limits.initialBackoff * pow(2, Double(count - 1)))
            failures[change.service] = (count, now.addingTimeInterval(delay))
        }
    }

    /// Write tokens left for the API key at `now`.
    public mutating func userTokens(now: Date) -> Double { user.available(now: now) }
}

/// ISO 8601 for messages.
enum JournalDate {
    static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
    }
}
