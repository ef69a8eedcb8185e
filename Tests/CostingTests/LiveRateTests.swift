import Blueprint
import Costing
import Foundation
import Testing

@Suite("Live rate")
struct LiveRateTests {
    let estimator = CostEstimator(catalog: Fixture.catalog)

    /// Monthly price of `count` instances of `plan`, computed from the catalog here.
    func price(_ plan: String, _ count: Int) -> Decimal {
        Decimal.exact(Fixture.catalog.computePlan(named: plan)!.monthly) * Decimal(count)
    }

    @Test func runningCountsArePricedFromTheCatalogAndComparedWithTheBlueprint() throws {
        let env = Fixture.production()
        let running = [
            RunningService(name: "backend-api", plan: "standard", instances: 4),   // inside [2, 5]
            RunningService(name: "ai-service", plan: "pro", instances: 1),         // plan differs from standard
            RunningService(name: "worker", plan: "starter", instances: 9),         // outside [1, 6]
            RunningService(name: "someone-elses", plan: "pro_max", instances: 7),  // not in the environment: not counted
        ]
        let projection = estimator.project(env, running: running)
        let live = try #require(projection.live)

        let status = Dictionary(uniqueKeysWithValues: live.services.map { ($0.name, $0.status) })
        #expect(status == ["backend-api": .asDeclared, "ai-service": .planDiffers, "worker": .countDiffers, "admin": .notDeployed])

        let compute = price("standard", 4) + price("pro", 1) + price("starter", 9)
        #expect(live.computeNow.amount == compute)
        let fixed = projection.datastores.map(\.monthly).sum()
        #expect(live.fixed == fixed)
        #expect(live.monthlyNow.amount == compute + fixed.amount)
        #expect(live.expected == projection.totals.expected)
        #expect(live.budget == projection.budget?.monthly)
        #expect(live.withinBudget == (live.monthlyNow <= projection.budget!.monthly))
        #expect(projection.notes.contains { $0.contains("Not running on the provider: admin") })
    }

    @Test func suspendedServicesCostNothing() {
        let env = Fixture.production()
        let running = env.services.map { RunningService(name: $0.name, plan: $0.plan, instances: 2, suspended: $0.name == "worker") }
        let live = estimator.project(env, running: running).live!
        let worker = live.services.first { $0.name == "worker" }!
        #expect(worker.status == .suspended && worker.monthlyNow == .zero && worker.instances == 0)
        let others = env.services.filter { $0.name != "worker" }.map { price($0.plan, 2) }.reduce(0, +)
        #expect(live.computeNow.amount == others)
    }

    @Test func withoutRunningServicesThereIsNoLiveRate() {
        #expect(estimator.project(Fixture.production()).live == nil)
    }

    @Test func actualsUseTheRunningCountWhereTheJournalIsSilent() throws {
        let env = Fixture.production()
        let now = Fixture.date(11, 0)  // 10 days into November
        let running = [RunningService(name: "backend-api", plan: "standard", instances: 4)]
        let projection = estimator.project(env, journal: [], now: now, running: running)
        let actuals = try #require(projection.actuals)
        let backend = try #require(actuals.services.first { $0.name == "backend-api" })
        #expect(backend.source == .live)
        #expect(backend.currentInstances == 4 && backend.currentPlan == "standard")
        let seconds = Decimal(10 * 86_400 * 4)
        #expect(backend.plans.map(\.instanceSeconds) == [seconds])
        // Spend = instance-seconds x the per-second price, to the cent.
        let perSecond = Decimal.exact(Fixture.catalog.computePlan(named: "standard")!.monthly) / (Decimal.exact(Fixture.catalog.hoursPerMonth) * 3600)
        #expect(backend.spend.amount == (seconds * perSecond).rounded(scale: 2))
        // A service that is neither journalled nor running keeps the blueprint's count.
        #expect(actuals.services.first { $0.name == "worker" }?.source == .blueprint)
    }
}
