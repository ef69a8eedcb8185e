extension Catalog {
    /// Monthly price of one instance of a service's plan; nil when the plan is not in the catalog.
    public func monthlyPrice(ofPlan plan: String) -> Double? {
        computePlan(named: plan)?.monthly
    }

    /// Monthly price of a datastore, storage and compute included; nil when its plan is unknown.
    ///
    /// Supabase: the plan's fee plus the compute size, less the plan's compute credit on paid plans.
    public func monthlyPrice(of datastore: DatastoreSpec) -> Double? {
        if let declared = datastore.monthly { return declared }
        switch datastore.type {
        case .keyvalue:
            return keyValuePlan(named: datastore.plan)?.monthly
        case .postgres:
            guard let plan = postgresPlan(named: datastore.plan) else { return nil }
            return plan.monthly + Double(datastore.storageGB ?? 0) * postgresStoragePerGB
        case .external:
            guard datastore.vendor == "supabase", let plan = supabasePlans.first(where: { $0.name == datastore.plan }) else { return datastore.vendor == nil ? 0 : nil }
            let compute = supabaseCompute.first { $0.name == (datastore.compute ?? "nano") }?.monthly ?? 0
            let credit = plan.monthly > 0 ? Swift.min(compute, supabaseComputeCredit) : 0
            return plan.monthly + compute - credit
        }
    }

    /// The environment's monthly cost with every service at the given count (by default its
    /// minimum: `scaling.min`, or its fixed `instances`), datastores included.
    public func monthlyCost(of environment: ResolvedEnvironment, instances: (ServiceSpec) -> Int = { $0.scaling?.min ?? $0.instances }) -> Double {
        // By index: iterating would copy every ServiceSpec.
        var services = 0.0
        for index in environment.services.indices {
            let service = environment.services[index]
            services += (monthlyPrice(ofPlan: service.plan) ?? 0) * Double(service.type.isScalable ? instances(service) : 1)
        }
        let datastores = environment.datastores.reduce(0.0) { $0 + (monthlyPrice(of: $1) ?? 0) }
        return services + datastores
    }
}
