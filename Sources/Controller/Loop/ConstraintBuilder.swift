import Blueprint
import Scaling

/// Computes the limits from the rest of the environment that cap one service's scale-up: the
/// budget (other services at their counts, datastores), datastore connection limits (the services'
/// `uses` × their counts) and the service's upstream ceiling. Pure.
///
/// ```swift
/// let constraints = ConstraintBuilder.constraints(for: worker, in: environment, catalog: catalog,
///                                                 counts: ["backend-api": 2, "worker": 3], plans: [:])
/// constraints.budget?.maxInstances   // 12
/// ```
public enum ConstraintBuilder {
    /// The environment's monthly spend and connections per datastore at the current counts, kept up to
    /// date as a tick decides, so that each service's constraints cost O(its datastores) rather than a
    /// walk over every other service (which made a 1,000-service tick quadratic).
    public struct Totals: Sendable {
        var servicesMonthly: Double = 0
        var datastoresMonthly: Double = 0
        var connections: [String: Int] = [:]
        let catalog: Catalog
        let plans: [String: String]

        public init(environment: ResolvedEnvironment, catalog: Catalog, counts: [String: Int], plans: [String: String]) {
            self.catalog = catalog
            self.plans = plans
            datastoresMonthly = environment.datastores.reduce(0.0) { $0 + (catalog.monthlyPrice(of: $1) ?? 0) }
            for service in environment.services {
                add(service, count: Self.count(service, counts))
            }
        }

        static func count(_ service: ServiceSpec, _ counts: [String: Int]) -> Int {
            guard service.type.isScalable else { return 1 }
            return counts[service.name] ?? service.scaling?.min ?? service.instances
        }

        func price(_ service: ServiceSpec) -> Double {
            catalog.monthlyPrice(ofPlan: normalizedPlanName(plans[service.name] ?? service.plan)) ?? 0
        }

        private mutating func add(_ service: ServiceSpec, count: Int) {
            servicesMonthly += price(service) * Double(count)
            for (datastore, perInstance) in service.uses where perInstance > 0 {
                connections[datastore, default: 0] += perInstance * count
            }
        }

        /// Records that a service's count moved during the tick.
        public mutating func update(_ service: ServiceSpec, from old: Int, to new: Int) {
            guard service.type.isScalable, old != new else { return }
            add(service, count: new - old)
        }
    }

    /// - Parameters:
    ///   - counts: instances per service as they stand (or as already decided this tick); a service
    ///     absent counts at its blueprint count (`scaling.min`, else `instances`).
    ///   - plans: live plans per service, where they differ from the blueprint (drift).
    public static func constraints(for service: ServiceSpec, in environment: ResolvedEnvironment, catalog: Catalog,
                                   counts: [String: Int], plans: [String: String]) -> ScalingConstraints {
        constraints(for: service, in: environment, counts: counts,
                    totals: Totals(environment: environment, catalog: catalog, counts: counts, plans: plans))
    }

    /// The same, from totals the caller keeps for the whole tick.
    public static func constraints(for service: ServiceSpec, in environment: ResolvedEnvironment, counts: [String: Int],
                                   totals: Totals) -> ScalingConstraints {
        let ownCount = Totals.count(service, counts)
        var constraints = ScalingConstraints()

        if let budget = environment.budget, budget.action == .hold {
            let unit = totals.price(service)
            let others = totals.datastoresMonthly + totals.servicesMonthly - unit * Double(ownCount)
            var best = BudgetConstraint(monthlyLimit: budget.monthly, pricePerInstance: unit, otherServices: max(0, others))
            if let cap = budget.services[service.name] {
                let own = BudgetConstraint(monthlyLimit: cap, pricePerInstance: unit, otherServices: 0)
                if let ownMax = own.maxInstances, ownMax < (best.maxInstances ?? Int.max) { best = own }
            }
            if unit > 0 { constraints.budget = best }
        }

        for (datastoreName, perInstance) in service.uses.sorted(by: { $0.key < $1.key }) where perInstance > 0 {
            guard let datastore = environment.datastore(named: datastoreName), let limit = datastore.maxConnections else { continue }
            let others = (totals.connections[datastoreName] ?? 0) - perInstance * ownCount
            constraints.connections.append(ConnectionConstraint(datastore: datastoreName, maxConnections: limit,
                                                                perInstance: perInstance, otherServices: max(0, others)))
        }

        if let upstream = service.upstream {
            constraints.upstream = UpstreamConstraint(name: upstream.name, requestsPerMinute: upstream.requestsPerMinute,
                                                      perInstance: upstream.perInstance)
        }
        return constraints
    }
}
