import Blueprint
import Costing
import Foundation

/// Hand-made environments shaped like the example system (backend API, AI service, worker, Key Value,
/// Supabase), so the core is tested without the blueprint loader.
enum Fixture {
    static let catalog = Catalog.builtin()

    static func service(_ name: String, _ type: ServiceType = .web, plan: String = "starter", instances: Int = 1,
                        scaling: ScalingSpec? = nil) -> ServiceSpec {
        var spec = ServiceSpec(name: name, type: type, runtime: "node", plan: plan, region: "oregon", instances: instances)
        spec.scaling = scaling
        return spec
    }

    static func production(backendMax: Int = 5, budget: Double? = 400) -> ResolvedEnvironment {
        var env = ResolvedEnvironment(project: "qc-platform", environment: "production", owner: nil, region: "oregon", file: "qc.yaml")
        env.services = [
            service("backend-api", plan: "standard", scaling: ScalingSpec(min: 2, max: backendMax, policy: "web-latency", expected: 3)),
            service("ai-service", plan: "standard", scaling: ScalingSpec(min: 1, max: 3, policy: "web-latency")),
            service("worker", .worker, plan: "starter", scaling: ScalingSpec(min: 1, max: 6, policy: "queue-worker")),
            service("admin", plan: "starter", instances: 1),
        ]
        var redis = DatastoreSpec(name: "redis", type: .keyvalue, plan: "starter")
        redis.maxConnections = 250
        var postgres = DatastoreSpec(name: "postgres", type: .external, plan: "pro")
        postgres.vendor = "supabase"
        postgres.compute = "small"
        var reports = DatastoreSpec(name: "reports-db", type: .postgres, plan: "basic_1gb")
        reports.storageGB = 15
        env.datastores = [redis, postgres, reports]
        if let budget { env.budget = BudgetSpec(monthly: budget, action: .hold, services: ["worker": 30]) }
        return env
    }

    static func development() -> ResolvedEnvironment {
        var env = ResolvedEnvironment(project: "qc-platform", environment: "development", owner: nil, region: "oregon", file: "qc.yaml")
        env.services = [
            service("backend-api", plan: "starter"),
            service("ai-service", plan: "starter"),
            service("worker", .worker, plan: "starter"),
        ]
        var postgres = DatastoreSpec(name: "postgres", type: .external, plan: "free")
        postgres.vendor = "supabase"
        env.datastores = [DatastoreSpec(name: "redis", type: .keyvalue, plan: "free"), postgres]
        return env
    }

    /// `2026-11-DD hh:mm:ss` UTC.
    static func date(_ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0, month: Int = 11) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: 2026, month: month, day: day, hour: hour, minute: minute, second: second))!
    }
}

extension Money {
    /// A catalog price in the test's own arithmetic: monthly price of `plan` from the catalog.
    static func computeMonthly(_ plan: String) -> Decimal {
        Decimal.exact(Fixture.catalog.computePlan(named: plan)!.monthly)
    }
}
