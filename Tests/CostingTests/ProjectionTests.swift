import Blueprint
import Costing
import Foundation
import Testing

@Suite("Projection")
struct ProjectionTests {
    let estimator = CostEstimator(catalog: Fixture.catalog)

    /// The catalog's price for `count` instances of `plan`, computed here from the catalog, not copied.
    func price(_ plan: String, _ count: Decimal) -> Decimal {
        Decimal.exact(Fixture.catalog.computePlan(named: plan)!.monthly) * count
    }

    @Test func totalsAreTheCatalogPricesOfTheResolvedPlansAndCounts() {
        let env = Fixture.production()
        let projection = estimator.project(env)
        let catalog = Fixture.catalog

        var low: Decimal = 0, expected: Decimal = 0, high: Decimal = 0
        for service in env.services {
            if let scaling = service.scaling {
                low += price(service.plan, Decimal(scaling.min))
                expected += price(service.plan, Decimal(scaling.expected ?? scaling.min))
                high += price(service.plan, Decimal(scaling.max))
            } else {
                for bucket in [0, 1, 2] {
                    let amount = price(service.plan, Decimal(service.instances))
                    if bucket == 0 { low += amount } else if bucket == 1 { expected += amount } else { high += amount }
                }
            }
        }
        var datastores: Decimal = Decimal.exact(catalog.keyValuePlan(named: "starter")!.monthly)
        let supabasePlan = Decimal.exact(catalog.supabasePlans.first { $0.name == "pro" }!.monthly)
        let small = Decimal.exact(catalog.supabaseCompute.first { $0.name == "small" }!.monthly)
        datastores += supabasePlan + small - Swift.min(small, Decimal.exact(catalog.supabaseComputeCredit))
        datastores += Decimal.exact(catalog.postgresPlan(named: "basic_1gb")!.monthly) + 15 * Decimal.exact(catalog.postgresStoragePerGB)

        #expect(projection.totals.min.amount == low + datastores)
        #expect(projection.totals.expected.amount == expected + datastores)
        #expect(projection.totals.max.amount == high + datastores)
        #expect(projection.datastores.map(\.monthly).sum().amount == datastores)
        // Totals are the sum of the lines.
        #expect(projection.totals.expected == projection.services.map(\.monthly.expected).sum() + projection.datastores.map(\.monthly).sum())
    }

    @Test func expectedComesFromDeclaredThenMinimum() {
        let projection = estimator.project(Fixture.production())
        let backend = projection.services.first { $0.name == "backend-api" }!
        let worker = projection.services.first { $0.name == "worker" }!
        let admin = projection.services.first { $0.name == "admin" }!
        #expect(backend.instances == InstanceRange(min: 2, expected: 3, max: 5))
        #expect(backend.expectedSource == .declared)
        #expect(worker.instances == InstanceRange(min: 1, expected: 1, max: 6))
        #expect(worker.expectedSource == .minimum)
        #expect(admin.instances == .fixed(1))
        #expect(!admin.autoscaled && backend.autoscaled)
    }

    @Test(arguments: [3, 5, 8, 20])
    func rangesWidenWithMax(max: Int) {
        let narrow = estimator.project(Fixture.production(backendMax: max))
        let wide = estimator.project(Fixture.production(backendMax: max + 1))
        let a = narrow.services.first { $0.name == "backend-api" }!, b = wide.services.first { $0.name == "backend-api" }!
        #expect(b.monthly.max.amount - a.monthly.max.amount == price("standard", 1))
        #expect(b.monthly.min == a.monthly.min)
        #expect(b.monthly.expected == a.monthly.expected)
        #expect(wide.totals.max > narrow.totals.max)
        #expect(wide.totals.min == narrow.totals.min)
    }

    @Test func expectedFromTheJournalWinsOverDeclared() {
        // backend-api ran 2 instances for 6 days and 4 for 1 day: 7-day average 16/7 = 2.3.
        let now = Fixture.date(20)
        let entries = [
            JournalEntry(at: Fixture.date(13), environment: "production", service: "backend-api", plan: "standard", from: 2, to: 2, reason: "start", acted: false),
            JournalEntry(at: Fixture.date(19), environment: "production", service: "backend-api", plan: "standard", from: 2, to: 4, reason: "p95 2.4s > 2s", acted: true),
        ]
        let projection = estimator.project(Fixture.production(), journal: entries, now: now)
        let backend = projection.services.first { $0.name == "backend-api" }!
        #expect(backend.expectedSource == .journal(days: 7))
        #expect(backend.instances.expected == Decimal(string: "2.3"))
        #expect(backend.monthly.expected.amount == (price("standard", Decimal(string: "2.3")!)).rounded(scale: 2))
    }

    @Test func datastoreComponents() {
        let projection = estimator.project(Fixture.production())
        let supabase = projection.datastores.first { $0.name == "postgres" }!
        #expect(supabase.components.map(\.name) == ["Supabase pro plan", "compute small", "compute credit"])
        #expect(supabase.components.last!.monthly.amount == -Decimal.exact(Fixture.catalog.supabaseComputeCredit))
        let reports = projection.datastores.first { $0.name == "reports-db" }!
        #expect(reports.components[1].quantity == 15)
        #expect(reports.components[1].unit == "GB")

        // A free Supabase project: nano compute, no credit.
        let dev = estimator.project(Fixture.development())
        let free = dev.datastores.first { $0.name == "postgres" }!
        #expect(free.monthly == .zero)
        #expect(free.components.map(\.name) == ["Supabase free plan", "compute nano"])
    }

    @Test func unknownPlansArePricedAtZeroWithANote() {
        var env = Fixture.development()
        env.services[0].plan = "mega"
        let projection = estimator.project(env)
        #expect(!projection.services[0].priceFound)
        #expect(projection.services[0].monthly == .zero)
        #expect(projection.notes.contains { $0.contains("mega") })
    }

    @Test func budgetStatus() {
        // Max: backend 5 x 25 + ai 3 x 25 + worker 6 x 7 + admin 7 + datastores; over $200, under at min.
        let projection = estimator.project(Fixture.production(budget: 200))
        let budget = projection.budget!
        #expect(budget.monthly == Money(200))
        #expect(budget.atMin == projection.totals.min)
        #expect(budget.atMax == projection.totals.max)
        #expect(budget.headroom == Money(200) - projection.totals.expected)
        #expect(budget.headroomAtMax == Money(200) - projection.totals.max)
        #expect(budget.exceedsAtMax)
        #expect(budget.state == .overAtMax)
        #expect(budget.warnings.first?.contains("controller will hold") == true)
        // The worker's $30 cap: 6 starter instances reach $42.
        let cap = budget.services.first { $0.service == "worker" }!
        #expect(cap.atMax.amount == price("starter", 6))
        #expect(cap.exceedsAtMax)

        let roomy = estimator.project(Fixture.production(budget: 10_000)).budget!
        #expect(roomy.state == .within)
        #expect(!roomy.exceedsAtMax)
        #expect(estimator.project(Fixture.production(budget: 50)).budget!.state == .overAtMin)
    }

    @Test func cronJobsAreUsageBased() {
        var env = Fixture.development()
        env.services.append(Fixture.service("nightly", .cron, plan: "starter"))
        let unpriced = estimator.project(env).services.last!
        #expect(unpriced.kind == .usage)
        #expect(unpriced.monthly == .zero)
        #expect(unpriced.note != nil)

        let usage = UsageFile(services: [.init(name: "nightly", hours: 73)])
        let priced = estimator.project(env, usage: usage).services.last!
        #expect(priced.monthly.expected.amount == (price("starter", 1) * 73 / 730).rounded(scale: 2))
    }

    @Test func comparisonSideBySide() {
        let dev = estimator.project(Fixture.development())
        let prod = estimator.project(Fixture.production())
        let comparison = CostComparison(base: dev, other: prod)
        let worker = comparison.rows.first { $0.name == "worker" }!
        #expect(worker.delta == prod.services.first { $0.name == "worker" }!.monthly.expected - dev.services.first { $0.name == "worker" }!.monthly.expected)
        #expect(comparison.rows.first { $0.name == "admin" }!.base == nil)
        #expect(comparison.totalDelta.expected == prod.totals.expected - dev.totals.expected)
    }
}
