import Blueprint
import Costing
import Foundation
import Testing

@Suite("Actuals")
struct ActualsTests {
    let estimator = CostEstimator(catalog: Fixture.catalog)

    func entry(_ at: Date, _ service: String, _ plan: String, _ from: Int, _ to: Int, acted: Bool = true, fromPlan: String? = nil,
               environment: String? = "production", reason: String = "test") -> JournalEntry {
        JournalEntry(at: at, environment: environment, service: service, plan: plan, fromPlan: fromPlan, from: from, to: to, reason: reason, acted: acted)
    }

    func perSecond(_ plan: String) -> Decimal {
        Decimal.exact(Fixture.catalog.computePlan(named: plan)!.monthly) / (730 * 3600)
    }

    /// Worker: 2 instances from the 1st to the 3rd 12:00, then 4 until the 5th, then 1 until now (10th).
    /// Known instance-seconds: 2 x 216000 + 4 x 129600 + 1 x 432000 (starter).
    @Test func instanceSecondsTimesPriceToTheCent() throws {
        let now = Fixture.date(10)
        let journal = [
            entry(Fixture.date(1), "worker", "starter", 2, 2, acted: false),
            entry(Fixture.date(3, 12), "worker", "starter", 2, 4, reason: "queue depth 340 > 100"),
            entry(Fixture.date(4, 12), "worker", "starter", 4, 5, acted: false, reason: "dry run"),
            entry(Fixture.date(5), "worker", "starter", 4, 1, reason: "queue empty"),
            entry(Fixture.date(6), "worker", "starter", 1, 1, acted: false, environment: "development"),
        ]
        let projection = estimator.project(Fixture.production(), journal: journal, now: now)
        let actuals = try #require(projection.actuals)
        let worker = try #require(actuals.services.first { $0.name == "worker" })

        let seconds: Decimal = 2 * 216_000 + 4 * 129_600 + 1 * 432_000
        #expect(worker.source == .journal)
        #expect(worker.plans.map(\.plan) == ["starter"])
        #expect(worker.plans[0].instanceSeconds == seconds)
        #expect(worker.spend.amount == (seconds * perSecond("starter")).rounded(scale: 2))
        #expect(worker.currentInstances == 1)
        #expect(actuals.entriesIgnored == 1)

        // Month-end at the current count: 1 instance for the 21 remaining days of November (10th to 1st).
        let remaining: Decimal = 21 * 86_400
        #expect(worker.projectedMonthEnd.amount == worker.spend.amount + (remaining * perSecond("starter")).rounded(scale: 2))

        // A service without entries runs at its blueprint count since the start of the month.
        let admin = try #require(actuals.services.first { $0.name == "admin" })
        #expect(admin.source == .blueprint)
        #expect(admin.plans[0].instanceSeconds == Decimal(9 * 86_400))
        #expect(admin.spend.amount == (9 * 86_400 * perSecond("starter")).rounded(scale: 2))

        // Datastores prorated over the 30-day month: 9 days of 30.
        let fixed = projection.datastores.map(\.monthly).sum().amount
        #expect(actuals.fixedToDate.amount == (fixed * 9 / 30).rounded(scale: 2))
        #expect(actuals.monthToDate == actuals.services.map(\.spend).sum() + actuals.fixedToDate)
        #expect(actuals.projectedMonthEnd == actuals.services.map(\.projectedMonthEnd).sum() + projection.datastores.map(\.monthly).sum())
        #expect(actuals.timeline.last?.cumulative == actuals.monthToDate)
        #expect(actuals.timeline.first?.cumulative == .zero)
    }

    @Test func planChangesSplitInstanceSeconds() throws {
        let now = Fixture.date(2)
        let journal = [
            entry(Fixture.date(1), "backend-api", "standard", 2, 2, acted: false),
            entry(Fixture.date(1, 6), "backend-api", "pro", 2, 2, fromPlan: "standard", reason: "right-size: memory 85%"),
        ]
        let actuals = try #require(estimator.project(Fixture.production(), journal: journal, now: now).actuals)
        let backend = try #require(actuals.services.first { $0.name == "backend-api" })
        #expect(backend.plans.map(\.plan) == ["pro", "standard"])
        #expect(backend.plans[0].instanceSeconds == Decimal(2 * 18 * 3600))
        #expect(backend.plans[1].instanceSeconds == Decimal(2 * 6 * 3600))
        #expect(backend.spend.amount == (2 * 18 * 3600 * perSecond("pro")).rounded(scale: 2) + (2 * 6 * 3600 * perSecond("standard")).rounded(scale: 2))
        let change = try #require(actuals.changes.first)
        #expect(change.fromPlan == "standard" && change.plan == "pro")
        #expect(change.monthlyDelta.amount == 2 * (Money.computeMonthly("pro") - Money.computeMonthly("standard")))
    }

    @Test func biggestChangesComeFirstWithReasons() throws {
        let now = Fixture.date(10)
        let journal = [
            entry(Fixture.date(2), "worker", "starter", 1, 2, reason: "small bump"),
            entry(Fixture.date(3), "backend-api", "standard", 2, 5, reason: "p95 3.1s > 2s for 5m"),
            entry(Fixture.date(9), "backend-api", "standard", 5, 3, reason: "cpu < 30% for 15m"),
        ]
        let actuals = try #require(estimator.project(Fixture.production(), journal: journal, now: now).actuals)
        #expect(actuals.changes.first?.reason == "p95 3.1s > 2s for 5m")
        let first = actuals.changes[0]
        // +3 standard instances for 6 days.
        #expect(first.spendEffect.amount == (3 * 6 * 86_400 * perSecond("standard")).rounded(scale: 2))
        #expect(first.monthlyDelta.amount == 3 * Money.computeMonthly("standard"))
        #expect(actuals.changes.count == 3)
    }

    @Test func monthBoundariesUseTheStateCarriedIn() throws {
        // Scaled to 3 in October; November's actuals start at 3.
        let journal = [entry(Fixture.date(20, month: 10), "worker", "starter", 1, 3)]
        let actuals = try #require(estimator.project(Fixture.production(), journal: journal, now: Fixture.date(1, 1)).actuals)
        let worker = try #require(actuals.services.first { $0.name == "worker" })
        #expect(worker.plans[0].instanceSeconds == Decimal(3 * 3600))
        #expect(actuals.changes.isEmpty)
    }

    @Test func budgetSeesActuals() throws {
        let journal = [entry(Fixture.date(1), "worker", "starter", 6, 6, acted: false)]
        let projection = estimator.project(Fixture.production(budget: 200), journal: journal, now: Fixture.date(15))
        let budget = try #require(projection.budget)
        #expect(budget.monthToDate == projection.actuals?.monthToDate)
        #expect(budget.projectedMonthEnd == projection.actuals?.projectedMonthEnd)
    }
}
