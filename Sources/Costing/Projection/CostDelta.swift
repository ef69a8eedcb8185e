/// The monthly cost change of a set of resource changes, such as a saved plan (`ballast cost --plan FILE`).
///
/// `Costing` does not know the plan format; the command maps each change of the plan into a ``Line``.
///
/// ```swift
/// let delta = CostDelta(source: "tfplan.json", environment: "production",
///                       lines: [.init(name: "service.worker", action: "scale", before: Money(14), after: Money(28))])
/// delta.delta.signedFormatted   // "+$14.00"
/// ```
public struct CostDelta: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        /// `service.worker`, `datastore.redis`.
        public var name: String
        /// `create`, `update`, `scale`, `replace`, `delete`, `import`, `no-op`.
        public var action: String
        public var before: Money
        public var after: Money
        public var delta: Money { after - before }

        public init(name: String, action: String, before: Money, after: Money) {
            self.name = name
            self.action = action
            self.before = before
            self.after = after
        }
    }

    /// Where the changes come from (the plan file's path).
    public var source: String
    public var environment: String
    public var lines: [Line]
    public var before: Money
    public var after: Money
    public var delta: Money { after - before }

    public init(source: String, environment: String, lines: [Line]) {
        self.source = source
        self.environment = environment
        self.lines = lines
        self.before = lines.map(\.before).sum()
        self.after = lines.map(\.after).sum()
    }

    /// Lines whose monthly cost changes, largest change first.
    public var changedLines: [Line] {
        lines.filter { $0.delta != .zero }.sorted { $0.delta.amount.magnitudeDecimal > $1.delta.amount.magnitudeDecimal }
    }
}
