import Blueprint

/// A service as it runs on the hosting provider right now: what `ballast cost --sandbox` (or `--live`)
/// reads so the report can say what the environment costs at this moment, beside what the blueprint
/// says it will cost.
///
/// Provider-neutral and free of I/O: the command reads the hosting API and hands these in.
public struct RunningService: Sendable, Equatable {
    public var name: String
    /// Plan in API spelling (`starter`, `pro_plus`).
    public var plan: String
    /// Instances running now (Render's `numInstances`, also under native autoscaling).
    public var instances: Int
    public var suspended: Bool

    public init(name: String, plan: String, instances: Int, suspended: Bool = false) {
        self.name = name
        self.plan = plan
        self.instances = instances
        self.suspended = suspended
    }
}

/// What the environment's services cost per month at the counts and plans running now, against the
/// blueprint's projection and the budget.
///
/// Compute only: datastores and usage lines are taken from the projection (the blueprint's plans), so
/// ``monthlyNow`` is comparable with the projection's totals.
public struct LiveRate: Sendable, Equatable {
    /// How a running service compares with its blueprint declaration.
    public enum Status: String, Sendable, Equatable, Codable {
        /// Same plan, and a count the blueprint allows (inside `[min, max]` for scaled services).
        case asDeclared = "as_declared"
        /// Running on another plan than the blueprint's.
        case planDiffers = "plan_differs"
        /// Running with a count outside what the blueprint allows.
        case countDiffers = "count_differs"
        /// In the blueprint, not on the provider (not applied yet, or deleted outside Ballast).
        case notDeployed = "not_deployed"
        /// Suspended on the provider: no compute is billed.
        case suspended
    }

    public struct Service: Sendable, Equatable {
        public var name: String
        /// The blueprint's plan (API spelling).
        public var declaredPlan: String
        /// The plan running now; nil when not deployed.
        public var plan: String?
        /// Instances running now (0 when suspended or not deployed).
        public var instances: Int
        /// Monthly cost at the plan and count running now.
        public var monthlyNow: Money
        /// The projection's expected monthly cost of the same service.
        public var expected: Money
        public var status: Status
        public var priceFound: Bool
    }

    public var services: [Service]
    /// Compute at the running counts.
    public var computeNow: Money
    /// Datastores and usage lines, as projected (priced from the blueprint).
    public var fixed: Money
    /// ``computeNow`` + ``fixed``: the monthly rate the environment runs at now.
    public var monthlyNow: Money
    /// The projection's expected total, for comparison.
    public var expected: Money
    /// The budget, when the environment has one.
    public var budget: Money?
    /// Things the reader should know: services not deployed, plans not in the catalog.
    public var notes: [String]

    public var withinBudget: Bool? { budget.map { monthlyNow <= $0 } }
}

extension CostEstimator {
    /// Prices the services running now and compares each with the projection's line for it.
    ///
    /// `running` may hold services of other environments or projects; only the environment's
    /// services (by name) are counted. Cron jobs are priced as projected (run time, not instances).
    public func liveRate(_ environment: ResolvedEnvironment, projection: Projection, running: [RunningService]) -> LiveRate {
        let byName = Dictionary(running.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var services: [LiveRate.Service] = []
        var notes: [String] = []
        for (spec, line) in zip(environment.services, projection.services) {
            let declared = normalizedPlanName(spec.plan)
            guard let live = byName[spec.name] else {
                services.append(.init(name: spec.name, declaredPlan: declared, plan: nil, instances: 0, monthlyNow: .zero,
                                      expected: line.monthly.expected, status: .notDeployed, priceFound: true))
                continue
            }
            let plan = normalizedPlanName(live.plan)
            let unit = unitMonthly(plan: plan)
            if unit == nil { notes.append("Plan `\(live.plan)` of running service `\(spec.name)` is not in the catalog `\(catalog.name)`; priced at $0.00.") }
            let count = live.suspended ? 0 : live.instances
            let monthly: Money
            if line.kind == .usage {
                monthly = live.suspended ? .zero : line.monthly.expected
            } else {
                monthly = ((unit ?? .zero) * count).roundedToCents
            }
            let status: LiveRate.Status
            if live.suspended {
                status = .suspended
            } else if plan != declared {
                status = .planDiffers
            } else if spec.type != .cron, !(line.instances.min...Swift.max(line.instances.min, line.instances.max)).contains(count) {
                status = .countDiffers
            } else {
                status = .asDeclared
            }
            services.append(.init(name: spec.name, declaredPlan: declared, plan: plan, instances: count, monthlyNow: monthly,
                                  expected: line.monthly.expected, status: status, priceFound: unit != nil))
        }
        let missing = services.filter { $0.status == .notDeployed }.map(\.name)
        if !missing.isEmpty {
            notes.append("Not running on the provider: \(missing.joined(separator: ", ")) (not applied yet, or deleted outside Ballast); counted at $0.00.")
        }
        let compute = services.map(\.monthlyNow).sum()
        let fixed = projection.datastores.map(\.monthly).sum() + projection.usage.map(\.monthly).sum()
        return LiveRate(services: services, computeNow: compute, fixed: fixed, monthlyNow: compute + fixed,
                        expected: projection.totals.expected, budget: projection.budget?.monthly, notes: notes)
    }
}
