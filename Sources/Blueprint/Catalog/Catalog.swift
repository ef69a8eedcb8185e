/// Prices and sizes as data: Render compute, Key Value and Postgres plans, Supabase compute sizes and
/// AI model token prices. The built-in one is ``Catalog/builtinYAML``; users may pass their own file.
///
/// ```swift
/// let catalog = try Catalog.builtin()
/// catalog.cheapestComputePlan(fitting: .init(cpu: 1, memoryMB: 1024), for: .web)?.name  // "standard"
/// ```
public struct Catalog: Sendable, Equatable {
    public struct ComputePlan: Sendable, Equatable {
        public var name: String
        public var cpu: Double
        public var memoryMB: Double
        public var monthly: Double
        /// Whether services on it may run more than one instance.
        public var scalable: Bool
        /// Service types allowed on it; empty means all.
        public var types: [ServiceType]
    }

    public struct DatastorePlan: Sendable, Equatable {
        public var name: String
        public var memoryMB: Double?
        public var maxConnections: Int?
        public var monthly: Double
    }

    public struct ModelPrice: Sendable, Equatable {
        public var name: String
        /// USD per one million tokens.
        public var inputPerMillion: Double
        public var outputPerMillion: Double
    }

    public var name: String
    public var currency: String
    public var date: String
    public var source: String
    /// Render reports months as 730 hours; compute is billed per second.
    public var hoursPerMonth: Double
    public var compute: [ComputePlan]
    public var keyValue: [DatastorePlan]
    public var postgres: [DatastorePlan]
    public var postgresStoragePerGB: Double
    public var supabasePlans: [DatastorePlan]
    public var supabaseCompute: [DatastorePlan]
    public var supabaseComputeCredit: Double
    public var models: [ModelPrice]

    public func computePlan(named name: String) -> ComputePlan? {
        compute.first { $0.name == name }
    }

    public func keyValuePlan(named name: String) -> DatastorePlan? {
        keyValue.first { $0.name == name }
    }

    public func postgresPlan(named name: String) -> DatastorePlan? {
        postgres.first { $0.name == name }
    }

    public func model(named name: String) -> ModelPrice? {
        models.first { $0.name == name }
    }

    /// The cheapest compute plan with at least the requested CPU and memory that the type may use.
    /// Free plans are never chosen this way: they sleep when idle and cannot scale.
    public func cheapestComputePlan(fitting request: ResourceRequest, for type: ServiceType) -> ComputePlan? {
        // One pass, no intermediate arrays: the first of the cheapest (then smallest) fitting plans.
        var best: ComputePlan?
        for plan in compute where plan.name != "free" && plan.cpu + 1e-9 >= request.cpu && plan.memoryMB + 1e-9 >= request.memoryMB
            && (plan.types.isEmpty || plan.types.contains(type)) {
            if let current = best, !((plan.monthly, plan.cpu) < (current.monthly, current.cpu)) { continue }
            best = plan
        }
        return best
    }

    /// Price of one instance for one second, from the monthly price over ``hoursPerMonth``.
    public func perSecond(monthly: Double) -> Double {
        monthly / (hoursPerMonth * 3600)
    }
}

/// Plan names as users write them (`Pro Plus`, `pro-plus`, `basic-1gb`) in Render API spelling (`pro_plus`, `basic_1gb`).
public func normalizedPlanName(_ text: String) -> String {
    text.trimmingSpaces.lowercased()
        .split(whereSeparator: { $0 == " " || $0 == "-" || $0 == "_" })
        .joined(separator: "_")
}
