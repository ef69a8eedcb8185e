import Foundation

/// A service's instance count and plan over time, rebuilt from its journal entries.
///
/// Before the first entry the service is assumed to have run at that entry's `from` count; from each
/// entry on it runs at ``JournalEntry/countAfter`` on ``JournalEntry/planAfter``. Time is kept in whole
/// milliseconds so instance-seconds are exact decimals.
struct ServiceTimeline: Sendable {
    struct State: Sendable, Equatable {
        var count: Int
        var plan: String
    }

    struct Step: Sendable {
        var at: Int64
        var state: State
        var entry: JournalEntry?
    }

    let initial: State
    /// Sorted by time; entries at the same moment keep journal order (the later wins).
    let steps: [Step]

    init(entries: [JournalEntry]) {
        let sorted = entries.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        if let first = sorted.first {
            initial = State(count: first.from, plan: first.planBefore)
        } else {
            initial = State(count: 0, plan: "")
        }
        steps = sorted.map { Step(at: millis($0.at), state: State(count: $0.countAfter, plan: $0.planAfter), entry: $0) }
    }

    /// A timeline without entries: one state for all time.
    init(constant state: State) {
        initial = state
        steps = []
    }

    var firstAt: Int64? { steps.first?.at }

    func state(at time: Int64) -> State {
        var current = initial
        for step in steps {
            if step.at > time { break }
            current = step.state
        }
        return current
    }

    /// Instance-milliseconds per plan within `[from, to)`.
    func instanceMillis(from start: Int64, to end: Int64) -> [String: Int64] {
        var result: [String: Int64] = [:]
        guard end > start else { return result }
        var segmentStart = Int64.min
        var current = initial
        func add(_ a: Int64, _ b: Int64, _ state: State) {
            let lo = max(a, start), hi = min(b, end)
            if hi > lo, state.count > 0 { result[state.plan, default: 0] += (hi - lo) * Int64(state.count) }
        }
        for step in steps {
            add(segmentStart, step.at, current)
            segmentStart = step.at
            current = step.state
            if segmentStart >= end { break }
        }
        add(segmentStart, Int64.max, current)
        return result
    }

    /// Time-weighted mean count over the last `days` days before `now`, starting no earlier than the
    /// first entry; one decimal place. Nil without entries.
    func averageCount(endingAt now: Date, days: Int) -> Decimal? {
        guard let first = firstAt else { return nil }
        let end = millis(now)
        let start = max(first, end - Int64(days) * 86_400_000)
        guard end > start else { return Decimal(state(at: end).count) }
        let total = instanceMillis(from: start, to: end).values.reduce(0, +)
        return (Decimal(total) / Decimal(end - start)).rounded(scale: 1)
    }
}

/// Milliseconds since 1970, rounded: the unit actuals are exact in.
func millis(_ date: Date) -> Int64 {
    Int64((date.timeIntervalSince1970 * 1000).rounded())
}
