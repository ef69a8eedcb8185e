import Blueprint
import Foundation

/// What an environment will cost per month: at least, probably and at most, line by line.
///
/// Returned by ``CostEstimator/project(_:usage:journal:now:)``; rendered by the `Reports` module
/// (text, Markdown, JSON, HTML). Every money value is already rounded to the cent and every total is the
/// sum of its rounded lines.
///
/// ```swift
/// let projection = CostEstimator(catalog: .builtin()).project(environment)
/// projection.totals.max          // the most the scale rules allow, per month
/// projection.budget?.warnings    // e.g. "At max … exceeds the $400.00 budget"
/// ```
public struct Projection: Sendable, Equatable {
    public var project: String
    public var environment: String
    public var currency: String
    public var catalogName: String
    public var catalogDate: String
    public var hoursPerMonth: Decimal
    public var services: [ServiceCost]
    public var datastores: [DatastoreCost]
    public var usage: [UsageLine]
    public var totals: CostRange
    /// The part of ``totals`` that comes from usage (usage lines and services priced by run hours).
    public var usageTotal: Money
    public var budget: BudgetStatus?
    public var actuals: Actuals?
    /// The monthly cost change of a saved plan, when one was given (`--plan FILE`).
    public var planDelta: CostDelta?
    /// The monthly rate at the plans and counts running now, when the hosting provider was read
    /// (`--sandbox`, `--live`).
    public var live: LiveRate?
    /// Things the reader should know: prices not found, assumptions made.
    public var notes: [String]

    public init(project: String, environment: String, currency: String, catalogName: String, catalogDate: String,
                hoursPerMonth: Decimal, services: [ServiceCost] = [], datastores: [DatastoreCost] = [], usage: [UsageLine] = [],
                totals: CostRange = .zero, usageTotal: Money = .zero, budget: BudgetStatus? = nil, actuals: Actuals? = nil, notes: [String] = []) {
        self.project = project
        self.environment = environment
        self.currency = currency
        self.catalogName = catalogName
        self.catalogDate = catalogDate
        self.hoursPerMonth = hoursPerMonth
        self.services = services
        self.datastores = datastores
        self.usage = usage
        self.totals = totals
        self.usageTotal = usageTotal
        self.budget = budget
        self.actuals = actuals
        self.notes = notes
    }

    /// Services first, then datastores, then usage, as labelled amounts (for charts and comparisons).
    public var lineItems: [LineItem] {
        services.map { LineItem(name: $0.name, category: .service, kind: $0.kind, monthly: $0.monthly) }
            + datastores.map { LineItem(name: $0.name, category: .datastore, kind: .fixed, monthly: .fixed($0.monthly)) }
            + usage.map { LineItem(name: $0.label, category: .usage, kind: .usage, monthly: .fixed($0.monthly)) }
    }
}

/// A projected line of any category, for charts and side-by-side comparisons.
public struct LineItem: Sendable, Equatable {
    public enum Category: String, Sendable, Codable { case service, datastore, usage }
    public var name: String
    public var category: Category
    public var kind: LineKind
    public var monthly: CostRange
}

/// Whether a cost is the same every month (plans) or depends on usage (tokens, requests, run hours).
public enum LineKind: String, Sendable, Equatable, Codable {
    case fixed
    case usage
}

/// A monthly amount at the lowest, expected and highest instance counts.
public struct CostRange: Sendable, Equatable {
    public var min: Money
    public var expected: Money
    public var max: Money

    public init(min: Money, expected: Money, max: Money) {
        self.min = min
        self.expected = expected
        self.max = max
    }

    public static func fixed(_ amount: Money) -> CostRange { CostRange(min: amount, expected: amount, max: amount) }
    public static let zero = CostRange.fixed(.zero)

    public var isRange: Bool { min != max }

    public static func + (lhs: CostRange, rhs: CostRange) -> CostRange {
        CostRange(min: lhs.min + rhs.min, expected: lhs.expected + rhs.expected, max: lhs.max + rhs.max)
    }
}

/// Instance counts: the floor, the count expected most of the time, and the ceiling.
public struct InstanceRange: Sendable, Equatable {
    public var min: Int
    /// May be fractional when it is a time-weighted average from the journal (one decimal place).
    public var expected: Decimal
    public var max: Int

    public init(min: Int, expected: Decimal, max: Int) {
        self.min = min
        self.expected = expected
        self.max = max
    }

    public static func fixed(_ count: Int) -> InstanceRange { InstanceRange(min: count, expected: Decimal(count), max: count) }
}

/// Where a service's expected instance count came from.
public enum ExpectedSource: Sendable, Equatable {
    /// The count is fixed (no scaling block).
    case fixed
    /// Time-weighted average of the journal over the last `days` days.
    case journal(days: Int)
    /// `scaling.expected` in the blueprint.
    case declared
    /// Nothing better known: the minimum.
    case minimum

    public var label: String {
        switch self {
        case .fixed: return "fixed"
        case .journal(let days): return "journal (\(days)d average)"
        case .declared: return "declared"
        case .minimum: return "minimum"
        }
    }
}

/// One service's projection.
public struct ServiceCost: Sendable, Equatable {
    public var name: String
    public var type: ServiceType
    /// API spelling (`starter`, `pro_plus`).
    public var plan: String
    /// One instance for ``hours`` hours of the month (the full month unless the usage file says otherwise).
    public var unitMonthly: Money
    /// Hours per month it runs: the catalog's month, or the usage file's `hours`.
    public var hours: Decimal
    public var instances: InstanceRange
    public var monthly: CostRange
    public var expectedSource: ExpectedSource
    /// `.usage` when priced by run hours from the usage file (cron jobs).
    public var kind: LineKind
    /// False when the plan is not in the catalog; the line is then priced at zero.
    public var priceFound: Bool
    /// Managed by the controller or by Render's native autoscaling.
    public var autoscaled: Bool
    public var note: String?
}

/// One datastore's projection, broken into components (plan, storage, compute, credit).
public struct DatastoreCost: Sendable, Equatable {
    public var name: String
    public var type: DatastoreType
    public var plan: String
    public var vendor: String?
    public var components: [CostComponent]
    public var monthly: Money
    public var priceFound: Bool
    public var note: String?

    /// `Key Value`, `Postgres`, `Supabase`, or the vendor's name.
    public var kindLabel: String {
        switch type {
        case .keyvalue: return "Key Value"
        case .postgres: return "Postgres"
        case .external: return vendor.map { $0.prefix(1).uppercased() + $0.dropFirst() } ?? "External"
        }
    }
}

/// A priced quantity inside a line: `storage 10 GB x $0.30 = $3.00`.
public struct CostComponent: Sendable, Equatable {
    public var name: String
    public var quantity: Decimal
    public var unit: String
    public var unitPrice: Money
    public var monthly: Money

    public init(name: String, quantity: Decimal, unit: String, unitPrice: Money, monthly: Money) {
        self.name = name
        self.quantity = quantity
        self.unit = unit
        self.unitPrice = unitPrice
        self.monthly = monthly
    }
}

/// A usage-based cost from the usage file: tokens of a model, or requests.
public struct UsageLine: Sendable, Equatable {
    public enum Source: String, Sendable, Equatable, Codable {
        case tokens, requests
    }

    public var service: String
    public var name: String
    public var source: Source
    /// In ``unit``s: `40` of `1M input tokens`, `300000` of `requests`.
    public var quantity: Decimal
    public var unit: String
    /// Price of one ``unit`` (unrounded for requests: a fraction of a cent).
    public var unitPrice: Money
    public var monthly: Money
    public var model: String?
    public var priceFound: Bool

    /// `ai-service: gpt-4o input tokens`.
    public var label: String { "\(service): \(name)" }
}
