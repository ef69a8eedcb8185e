import Blueprint

extension ScalingConstraints {
    /// The caps an environment puts on one of its services: the budget (when its action is `hold`;
    /// a per-service cap too), each datastore's connections it `uses`, and its `upstream`.
    ///
    /// `counts` gives the other services' instance counts (the controller passes the counts it is
    /// about to run; `ballast decide` their expected, else minimum, counts).
    ///
    /// ```swift
    /// let caps = ScalingConstraints(service: api, environment: production, catalog: .builtin()) {
    ///     $0.scaling?.expected ?? $0.scaling?.min ?? $0.instances
    /// }
    /// ```
    public init(service: ServiceSpec, environment: ResolvedEnvironment, catalog: Catalog, counts: (ServiceSpec) -> Int) {
        self.init()
        if let budget = environment.budget, budget.action == .hold, let price = catalog.monthlyPrice(ofPlan: service.plan), price > 0 {
            let others = catalog.monthlyCost(of: environment) { $0.name == service.name ? 0 : counts($0) }
            var constraint = BudgetConstraint(monthlyLimit: budget.monthly, pricePerInstance: price, otherServices: others)
            if let cap = budget.services[service.name] {
                let own = BudgetConstraint(monthlyLimit: cap, pricePerInstance: price, otherServices: 0)
                if (own.maxInstances ?? Int.max) < (constraint.maxInstances ?? Int.max) { constraint = own }
            }
            self.budget = constraint
        }
        for (datastoreName, perInstance) in service.uses.sorted(by: { $0.key < $1.key }) where perInstance > 0 {
            guard let datastore = environment.datastore(named: datastoreName), let maxConnections = datastore.maxConnections else { continue }
            var others = 0
            for other in environment.services where other.name != service.name {
                others += (other.uses[datastoreName] ?? 0) * counts(other)
            }
            connections.append(ConnectionConstraint(datastore: datastoreName, maxConnections: maxConnections, perInstance: perInstance, otherServices: others))
        }
        if let upstream = service.upstream {
            self.upstream = UpstreamConstraint(name: upstream.name, requestsPerMinute: upstream.requestsPerMinute, perInstance: upstream.perInstance)
        }
    }
}
