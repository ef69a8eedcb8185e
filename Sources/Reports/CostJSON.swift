import Costing
import Foundation

/// The JSON document of `ballast cost --format json`: versioned, snake_case, money as decimal strings.
///
/// ```json
/// {"format_version": "1", "currency": "USD", "project": "qc-platform", "environment": "production",
///  "services": [{"name": "worker", "plan": "starter", "instances": {"min": 1, "expected": 2, "max": 6},
///                "monthly": {"min": "7.00", "expected": "14.00", "max": "42.00"}, ...}],
///  "datastores": [...], "usage": [...], "totals": {"min": ..., "expected": ..., "max": ..., "usage": ...},
///  "budget": {...} | null, "actuals": {...} | null, "notes": [...]}
/// ```
struct CostJSONDocument: Encodable {
    struct Range: Encodable {
        var min: Money
        var expected: Money
        var max: Money
        init(_ r: CostRange) { min = r.min; expected = r.expected; max = r.max }
    }

    struct Instances: Encodable {
        var min: Int
        var expected: Decimal
        var max: Int
    }

    struct Service: Encodable {
        var name: String
        var type: String
        var plan: String
        var kind: String
        var autoscaled: Bool
        var expected_source: String
        var unit_monthly: Money
        var hours_per_month: Decimal
        var price_found: Bool
        var instances: Instances
        var monthly: Range
    }

    struct Component: Encodable {
        var name: String
        var quantity: Decimal
        var unit: String
        var unit_price: Money
        var monthly: Money
    }

    struct Datastore: Encodable {
        var name: String
        var type: String
        var vendor: String?
        var plan: String
        var kind: String
        var price_found: Bool
        var monthly: Money
        var components: [Component]
    }

    struct Usage: Encodable {
        var service: String
        var name: String
        var source: String
        var model: String?
        var quantity: Decimal
        var unit: String
        var unit_price: Money
        var monthly: Money
        var kind: String
        var price_found: Bool
    }

    struct Totals: Encodable {
        var min: Money
        var expected: Money
        var max: Money
        var usage: Money
    }

    struct Cap: Encodable {
        var service: String
        var cap: Money
        var at_min: Money
        var at_max: Money
        var exceeds_at_max: Bool
    }

    struct Budget: Encodable {
        var monthly: Money
        var action: String
        var state: String
        var at_min: Money
        var at_expected: Money
        var at_max: Money
        var headroom: Money
        var headroom_at_max: Money
        var exceeds_at_max: Bool
        var month_to_date: Money?
        var projected_month_end: Money?
        var services: [Cap]
        var warnings: [String]
    }

    struct PlanUsage: Encodable {
        var plan: String
        var instance_seconds: Decimal
        var unit_monthly: Money
        var spend: Money
    }

    struct ActualService: Encodable {
        var name: String
        var source: String
        var plans: [PlanUsage]
        var spend: Money
        var current_plan: String
        var current_instances: Int
        var projected_month_end: Money
    }

    struct Change: Encodable {
        var at: String
        var service: String
        var from_plan: String
        var plan: String
        var from: Int
        var to: Int
        var reason: String
        var rule: String?
        var monthly_delta: Money
        var spend_effect: Money
    }

    struct DeltaLine: Encodable {
        var name: String
        var action: String
        var before: Money
        var after: Money
        var delta: Money
    }

    struct Delta: Encodable {
        var source: String
        var environment: String
        var before: Money
        var after: Money
        var delta: Money
        var resources: [DeltaLine]
    }

    struct Point: Encodable {
        var at: String
        var cumulative: Money
    }

    struct Actuals: Encodable {
        var month_start: String
        var month_end: String
        var now: String
        var compute_to_date: Money
        var fixed_to_date: Money
        var month_to_date: Money
        var projected_month_end: Money
        var services: [ActualService]
        var changes: [Change]
        var timeline: [Point]
        var entries_read: Int
        var entries_ignored: Int
    }

    struct LiveService: Encodable {
        var name: String
        var declared_plan: String
        var plan: String?
        var instances: Int
        var monthly_now: Money
        var expected: Money
        var status: String
        var price_found: Bool
    }

    struct Live: Encodable {
        var services: [LiveService]
        var compute_now: Money
        var fixed: Money
        var monthly_now: Money
        var expected: Money
        var budget: Money?
        var within_budget: Bool?
    }

    var format_version = CostReport.formatVersion
    var currency: String
    var project: String
    var environment: String
    var catalog: [String: String]
    var services: [Service]
    var datastores: [Datastore]
    var usage: [Usage]
    var totals: Totals
    var budget: Budget?
    var actuals: Actuals?
    var live: Live?
    var plan: Delta?
    var notes: [String]

    // `budget`, `actuals` and `live` are always present, null when absent.
    enum CodingKeys: String, CodingKey {
        case format_version, currency, project, environment, catalog, services, datastores, usage, totals, budget, actuals, live, plan, notes
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(format_version, forKey: .format_version)
        try c.encode(currency, forKey: .currency)
        try c.encode(project, forKey: .project)
        try c.encode(environment, forKey: .environment)
        try c.encode(catalog, forKey: .catalog)
        try c.encode(services, forKey: .services)
        try c.encode(datastores, forKey: .datastores)
        try c.encode(usage, forKey: .usage)
        try c.encode(totals, forKey: .totals)
        try c.encode(budget, forKey: .budget)
        try c.encode(actuals, forKey: .actuals)
        try c.encode(live, forKey: .live)
        try c.encode(plan, forKey: .plan)
        try c.encode(notes, forKey: .notes)
    }

    init(_ p: Projection) {
        currency = p.currency
        project = p.project
        environment = p.environment
        catalog = ["name": p.catalogName, "date": p.catalogDate, "hours_per_month": p.hoursPerMonth.quantityDescription]
        services = p.services.map {
            Service(name: $0.name, type: $0.type.rawValue, plan: $0.plan, kind: $0.kind.rawValue, autoscaled: $0.autoscaled,
                    expected_source: $0.expectedSource.code, unit_monthly: $0.unitMonthly, hours_per_month: $0.hours, price_found: $0.priceFound,
                    instances: Instances(min: $0.instances.min, expected: $0.instances.expected, max: $0.instances.max), monthly: Range($0.monthly))
        }
        datastores = p.datastores.map {
            Datastore(name: $0.name, type: $0.type.rawValue, vendor: $0.vendor, plan: $0.plan, kind: LineKind.fixed.rawValue, price_found: $0.priceFound,
                      monthly: $0.monthly, components: $0.components.map { Component(name: $0.name, quantity: $0.quantity, unit: $0.unit, unit_price: $0.unitPrice, monthly: $0.monthly) })
        }
        usage = p.usage.map {
            Usage(service: $0.service, name: $0.name, source: $0.source.rawValue, model: $0.model, quantity: $0.quantity, unit: $0.unit,
                  unit_price: $0.unitPrice, monthly: $0.monthly, kind: LineKind.usage.rawValue, price_found: $0.priceFound)
        }
        totals = Totals(min: p.totals.min, expected: p.totals.expected, max: p.totals.max, usage: p.usageTotal)
        budget = p.budget.map { b in
            Budget(monthly: b.monthly, action: b.action.rawValue, state: b.state.rawValue, at_min: b.atMin, at_expected: b.atExpected, at_max: b.atMax,
                   headroom: b.headroom, headroom_at_max: b.headroomAtMax, exceeds_at_max: b.exceedsAtMax, month_to_date: b.monthToDate,
                   projected_month_end: b.projectedMonthEnd,
                   services: b.services.map { Cap(service: $0.service, cap: $0.cap, at_min: $0.atMin, at_max: $0.atMax, exceeds_at_max: $0.exceedsAtMax) },
                   warnings: b.warnings)
        }
        actuals = p.actuals.map { a in
            Actuals(month_start: JournalEntry.formatDate(a.monthStart), month_end: JournalEntry.formatDate(a.monthEnd), now: JournalEntry.formatDate(a.now),
                    compute_to_date: a.computeToDate, fixed_to_date: a.fixedToDate, month_to_date: a.monthToDate, projected_month_end: a.projectedMonthEnd,
                    services: a.services.map { s in
                        ActualService(name: s.name, source: s.source.rawValue,
                                      plans: s.plans.map { PlanUsage(plan: $0.plan, instance_seconds: $0.instanceSeconds, unit_monthly: $0.unitMonthly, spend: $0.spend) },
                                      spend: s.spend, current_plan: s.currentPlan, current_instances: s.currentInstances, projected_month_end: s.projectedMonthEnd)
                    },
                    changes: a.changes.map {
                        Change(at: JournalEntry.formatDate($0.at), service: $0.service, from_plan: $0.fromPlan, plan: $0.plan, from: $0.from, to: $0.to,
                               reason: $0.reason, rule: $0.rule, monthly_delta: $0.monthlyDelta, spend_effect: $0.spendEffect)
                    },
                    timeline: a.timeline.map { Point(at: JournalEntry.formatDate($0.at), cumulative: $0.cumulative) },
                    entries_read: a.entriesRead, entries_ignored: a.entriesIgnored)
        }
        live = p.live.map { l in
            Live(services: l.services.map {
                     LiveService(name: $0.name, declared_plan: $0.declaredPlan, plan: $0.plan, instances: $0.instances, monthly_now: $0.monthlyNow,
                                 expected: $0.expected, status: $0.status.rawValue, price_found: $0.priceFound)
                 },
                 compute_now: l.computeNow, fixed: l.fixed, monthly_now: l.monthlyNow, expected: l.expected, budget: l.budget, within_budget: l.withinBudget)
        }
        plan = p.planDelta.map { d in
            Delta(source: d.source, environment: d.environment, before: d.before, after: d.after, delta: d.delta,
                  resources: d.lines.map { DeltaLine(name: $0.name, action: $0.action, before: $0.before, after: $0.after, delta: $0.delta) })
        }
        notes = p.notes
    }
}

struct CostComparisonJSONDocument: Encodable {
    struct Row: Encodable {
        var name: String
        var category: String
        var base: CostJSONDocument.Range?
        var other: CostJSONDocument.Range?
        var delta: Money
    }

    var format_version = CostReport.formatVersion
    var currency: String
    var base: CostJSONDocument
    var other: CostJSONDocument
    var rows: [Row]
    var total_delta: CostJSONDocument.Range

    init(_ c: CostComparison) {
        currency = c.base.currency
        base = CostJSONDocument(c.base)
        other = CostJSONDocument(c.other)
        rows = c.rows.map { Row(name: $0.name, category: $0.category.rawValue, base: $0.base.map(CostJSONDocument.Range.init),
                                other: $0.other.map(CostJSONDocument.Range.init), delta: $0.delta) }
        total_delta = CostJSONDocument.Range(c.totalDelta)
    }
}

extension ExpectedSource {
    /// `fixed`, `journal`, `declared`, `minimum`.
    var code: String {
        switch self {
        case .fixed: return "fixed"
        case .journal: return "journal"
        case .declared: return "declared"
        case .minimum: return "minimum"
        }
    }
}

extension CostReport {
    /// Pretty-printed, keys sorted, ending in a newline.
    public static func json(_ projection: Projection) -> String {
        encode(CostJSONDocument(projection))
    }

    public static func json(_ comparison: CostComparison) -> String {
        encode(CostComparisonJSONDocument(comparison))
    }

    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // The documents hold only strings, numbers and booleans: encoding cannot fail.
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
