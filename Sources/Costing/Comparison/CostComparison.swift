/// Two projections side by side (`ballast cost --compare-env production`): development vs production.
///
/// ```swift
/// let comparison = CostComparison(base: development, other: production)
/// comparison.rows.first { $0.name == "worker" }?.delta   // expected cost of production minus development
/// ```
public struct CostComparison: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var name: String
        public var category: LineItem.Category
        /// Nil when the line exists only in the other environment.
        public var base: CostRange?
        /// Nil when the line exists only in the base environment.
        public var other: CostRange?
        /// Expected cost of `other` minus `base`.
        public var delta: Money {
            (other?.expected ?? .zero) - (base?.expected ?? .zero)
        }
    }

    public var base: Projection
    public var other: Projection
    public var rows: [Row]

    public init(base: Projection, other: Projection) {
        self.base = base
        self.other = other
        var rows: [Row] = []
        let left = base.lineItems, right = other.lineItems
        for item in left {
            let match = right.first { $0.name == item.name && $0.category == item.category }
            rows.append(Row(name: item.name, category: item.category, base: item.monthly, other: match?.monthly))
        }
        for item in right where !left.contains(where: { $0.name == item.name && $0.category == item.category }) {
            rows.append(Row(name: item.name, category: item.category, base: nil, other: item.monthly))
        }
        // Keep categories together: services, datastores, usage.
        let order: [LineItem.Category] = [.service, .datastore, .usage]
        self.rows = order.flatMap { category in rows.filter { $0.category == category } }
    }

    /// Expected total of `other` minus `base`.
    public var totalDelta: CostRange {
        CostRange(min: other.totals.min - base.totals.min, expected: other.totals.expected - base.totals.expected, max: other.totals.max - base.totals.max)
    }
}
