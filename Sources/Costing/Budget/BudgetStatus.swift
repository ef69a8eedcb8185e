import Blueprint

/// How a projection sits against the environment's budget policy.
///
/// The controller will not scale past the budget (`action: hold`) or will warn (`action: alert`); this
/// says whether the scale rules can reach it, and how much room is left.
///
/// ```swift
/// if let budget = projection.budget, budget.exceedsAtMax { print(budget.warnings[0]) }
/// ```
public struct BudgetStatus: Sendable, Equatable {
    /// The state, worst first.
    public enum State: String, Sendable, Equatable, Codable {
        /// Even the minimum counts cost more than the budget.
        case overAtMin = "over_at_min"
        /// The expected cost is over the budget.
        case overExpected = "over_expected"
        /// Only the maximum the scale rules allow is over: the controller will cap there.
        case overAtMax = "over_at_max"
        case within
    }

    /// A per-service cap from the budget policy.
    public struct ServiceCap: Sendable, Equatable {
        public var service: String
        public var cap: Money
        public var atMin: Money
        public var atMax: Money
        public var exceedsAtMax: Bool { atMax > cap }
    }

    public var monthly: Money
    public var action: BudgetSpec.Action
    public var atMin: Money
    public var atExpected: Money
    public var atMax: Money
    /// Budget minus the expected cost (negative when over).
    public var headroom: Money
    /// Budget minus the cost at max (negative when the rules can exceed it).
    public var headroomAtMax: Money
    public var state: State
    public var services: [ServiceCap]
    /// Spend so far this month and the projected month end, when the journal was read.
    public var monthToDate: Money?
    public var projectedMonthEnd: Money?
    public var warnings: [String]

    public var exceedsAtMax: Bool { atMax > monthly }
    /// Whether the projected month end (or, without actuals, the expected cost) lands inside the budget.
    public var landsInside: Bool { (projectedMonthEnd ?? atExpected) <= monthly }

    /// Compares a projection's totals with a budget.
    public static func evaluate(_ budget: BudgetSpec, totals: CostRange, services: [ServiceCost], actuals: Actuals?) -> BudgetStatus {
        let limit = Money(catalog: budget.monthly).roundedToCents
        let state: State
        if totals.min > limit { state = .overAtMin }
        else if totals.expected > limit { state = .overExpected }
        else if totals.max > limit { state = .overAtMax }
        else { state = .within }

        var warnings: [String] = []
        let consequence = budget.action == .hold
            ? "the controller will hold scale-ups at the budget"
            : "the controller will keep scaling and alert (action: alert)"
        switch state {
        case .overAtMin:
            warnings.append("Even at minimum instances the environment costs \(totals.min.formatted)/month, over the \(limit.formatted) budget by \((totals.min - limit).formatted).")
        case .overExpected:
            warnings.append("The expected cost \(totals.expected.formatted)/month is over the \(limit.formatted) budget by \((totals.expected - limit).formatted); \(consequence).")
        case .overAtMax:
            warnings.append("At the maximum the scale rules allow the environment costs \(totals.max.formatted)/month, over the \(limit.formatted) budget by \((totals.max - limit).formatted); \(consequence).")
        case .within:
            break
        }

        var caps: [ServiceCap] = []
        for (name, cap) in budget.services.sorted(by: { $0.key < $1.key }) {
            let capMoney = Money(catalog: cap).roundedToCents
            guard let service = services.first(where: { $0.name == name }) else {
                warnings.append("The budget caps `\(name)`, which is not a service of this environment.")
                continue
            }
            let entry = ServiceCap(service: name, cap: capMoney, atMin: service.monthly.min, atMax: service.monthly.max)
            if entry.exceedsAtMax {
                warnings.append("`\(name)` can reach \(entry.atMax.formatted)/month at max, over its \(capMoney.formatted) cap.")
            }
            caps.append(entry)
        }

        if let actuals, actuals.projectedMonthEnd > limit {
            warnings.append("At the current counts the month is projected to end at \(actuals.projectedMonthEnd.formatted), over the \(limit.formatted) budget.")
        }

        return BudgetStatus(monthly: limit, action: budget.action, atMin: totals.min, atExpected: totals.expected, atMax: totals.max,
                            headroom: limit - totals.expected, headroomAtMax: limit - totals.max, state: state, services: caps,
                            monthToDate: actuals?.monthToDate, projectedMonthEnd: actuals?.projectedMonthEnd, warnings: warnings)
    }
}
