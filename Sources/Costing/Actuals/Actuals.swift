import Foundation

/// What the month has cost so far, from the controller's journal, and where it will end.
///
/// Compute is billed per second: spend = instance-seconds per plan x the plan's per-second price
/// (monthly price over ``Projection/hoursPerMonth``). Datastores and usage lines are prorated over the
/// calendar month. Each per-plan line is rounded to the cent; totals are sums of rounded lines.
public struct Actuals: Sendable, Equatable {
    /// Instance-seconds on one plan and what they cost.
    public struct PlanUsage: Sendable, Equatable {
        public var plan: String
        /// Exact to the millisecond.
        public var instanceSeconds: Decimal
        public var unitMonthly: Money
        public var spend: Money
    }

    /// Where the counts of a service came from.
    public enum Source: String, Sendable, Equatable, Codable {
        /// The journal has entries for it.
        case journal
        /// No entries: the blueprint's count since the start of the month is assumed.
        case blueprint
        /// No entries, but the hosting provider was read: the count and plan running now are assumed
        /// since the start of the month.
        case live
    }

    public struct Service: Sendable, Equatable {
        public var name: String
        public var plans: [PlanUsage]
        public var spend: Money
        public var currentPlan: String
        public var currentInstances: Int
        /// Spend to date plus the current count until the end of the month.
        public var projectedMonthEnd: Money
        public var source: Source
    }

    /// A scale or plan change the controller made this month, and what it did to spend.
    public struct Change: Sendable, Equatable {
        public var at: Date
        public var service: String
        public var fromPlan: String
        public var plan: String
        public var from: Int
        public var to: Int
        public var reason: String
        public var rule: String?
        /// The change in the monthly rate (full month at the new count minus at the old).
        public var monthlyDelta: Money
        /// What the change added to (or saved from) this month's spend, until the next change or now.
        public var spendEffect: Money
    }

    /// Cumulative spend at a moment, for the spend-over-time chart.
    public struct Point: Sendable, Equatable {
        public var at: Date
        public var cumulative: Money
        /// Monthly rate of all compute at that moment (for reading the slope).
        public var computeMonthlyRate: Money
    }

    public var monthStart: Date
    public var monthEnd: Date
    public var now: Date
    public var services: [Service]
    /// Compute spend so far.
    public var computeToDate: Money
    /// Datastores and usage, prorated over the calendar month to `now`.
    public var fixedToDate: Money
    public var monthToDate: Money
    public var projectedMonthEnd: Money
    /// The biggest changes by their effect on this month's spend, largest first.
    public var changes: [Change]
    /// Spend over time: month start, every change, now.
    public var timeline: [Point]
    public var entriesRead: Int
    /// Entries for other environments or services not in the blueprint.
    public var entriesIgnored: Int

    /// Fraction of the calendar month elapsed, 0...1.
    public var elapsedFraction: Double {
        let total = monthEnd.timeIntervalSince(monthStart)
        return total > 0 ? min(1, max(0, now.timeIntervalSince(monthStart) / total)) : 0
    }
}
