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
    /// - Parameters:
    ///   - counts: instances per service as they stand (or as already decided this tick); a service
    ///     absent counts at its blueprint count (`scaling.min`, else `instances`).
    ///   - plans: live plans per service, where they differ from the blueprint (drift).
    public static func constraints(for service: ServiceSpec, in environment: ResolvedEnvironment, catalog: Catalog,
                                   counts: [String: Int], plans: [String: String]) -> ScalingConstraints {
        func count(_ other: ServiceSpec) -> Int {
            guard other.type.isScalable else { return 1 }
            return counts[other.name] ?? other.scaling?.min ?? other.instances
        }
        func price(_ other: ServiceSpec) -> Double {
            catalog.monthlyPrice(ofPlan: normalizedPlanName(plans[other.name] ?? other.plan)) ?? 0
        }
        var constraints = ScalingConstraints()

        if let budget = environment.budget, budget.action == .hold {
            let unit = price(service)
            var others = environment.datastores.reduce(0.0) { $0 + (catalog.monthlyPrice(of: $1) ?? 0) }
            for other in environment.services where other.name != service.name {
                others += price(other) * Double(count(other))
            }
            var best = BudgetConstraint(monthlyLimit: budget.monthly, pricePerInstance: unit, otherServices: others)
            if let cap = budget.services[service.name] {
                let own = BudgetConstraint(monthlyLimit: cap, pricePerInstance: unit, otherServices: 0)
                if let ownMax = own.maxInstances, ownMax < (best.maxInstances ?? Int.max) { best = own }
            }
            if unit > 0 { constraints.budget = best }
        }

        for (datastoreName, perInstance) in service.uses.sorted(by: { $0.key < $1.key }) where perInstance > 0 {
            guard let datastore = environment.datastore(named: datastoreName), let limit = datastore.maxConnections else { continue }
            var others = 0
            for other in environment.services where other.name != service.name {
                others += (other.uses[datastoreName] ?? 0) * count(other)
            }
            constraints.connections.append(ConnectionConstraint(datastore: datastoreName, maxConnections: limit,
                                                                perInstance: perInstance, otherServices: others))
        }

        if let upstream = service.upstream {
            constraints.upstream = UpstreamConstraint(name: upstream.name, requestsPerMinute: upstream.requestsPerMinute,
                                                      perInstance: upstream.perInstance)
        }
        return constraints
    }
}
