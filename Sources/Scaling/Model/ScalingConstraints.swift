/// Limits from outside the policy that cap a scale-up, each reported with its own reason code
/// (`BudgetLimited`, `ConnectionLimited`, `UpstreamLimited`). They never force a scale-down: a
/// service already above a cap keeps its count.
///
/// ```swift
/// ScalingConstraints(
///     budget: .init(monthlyLimit: 400, pricePerInstance: 25, otherServices: 310),
///     connections: [.init(datastore: "postgres", maxConnections: 60, perInstance: 10, otherServices: 20)],
///     upstream: .init(name: "openai", maxInstances: 4))
/// ```
public struct ScalingConstraints: Sendable, Equatable {
    public var budget: BudgetConstraint?
    public var connections: [ConnectionConstraint]
    public var upstream: UpstreamConstraint?

    public init(budget: BudgetConstraint? = nil, connections: [ConnectionConstraint] = [], upstream: UpstreamConstraint? = nil) {
        self.budget = budget
        self.connections = connections
        self.upstream = upstream
    }

    public static let none = ScalingConstraints()
}

/// The environment's monthly budget and what this service's instances cost within it.
public struct BudgetConstraint: Sendable, Equatable {
    /// The environment's cap, USD per month.
    public var monthlyLimit: Double
    /// What one more instance of this service costs per month (730 h of its plan).
    public var pricePerInstance: Double
    /// Projected monthly spend of everything else in the environment (other services at their
    /// proposed counts, datastores, external services).
    public var otherServices: Double

    public init(monthlyLimit: Double, pricePerInstance: Double, otherServices: Double) {
        self.monthlyLimit = monthlyLimit
        self.pricePerInstance = pricePerInstance
        self.otherServices = otherServices
    }

    /// The most instances the budget pays for; nil when an instance costs nothing.
    public var maxInstances: Int? {
        guard pricePerInstance > 0 else { return nil }
        let room = monthlyLimit - otherServices
        guard room > 0 else { return 0 }
        // A cent of slack so that 400 / 25 is 16, not 15.999….
        return Int(((room + 0.005) / pricePerInstance).rounded(.down))
    }
}

/// A datastore's connection limit shared by the services that use it.
public struct ConnectionConstraint: Sendable, Equatable {
    public var datastore: String
    public var maxConnections: Int
    /// Connections one instance of this service opens (the blueprint's `uses`).
    public var perInstance: Int
    /// Connections the other services hold at their proposed counts.
    public var otherServices: Int

    public init(datastore: String, maxConnections: Int, perInstance: Int, otherServices: Int) {
        self.datastore = datastore
        self.maxConnections = maxConnections
        self.perInstance = perInstance
        self.otherServices = otherServices
    }

    public var maxInstances: Int? {
        guard perInstance > 0 else { return nil }
        return Swift.max(0, (maxConnections - otherServices) / perInstance)
    }
}

/// An upstream whose rate limit bounds useful throughput: instances past `maxInstances` add cost,
/// not throughput (the AI service and OpenAI's rate limit).
public struct UpstreamConstraint: Sendable, Equatable {
    public var name: String
    public var maxInstances: Int

    public init(name: String, maxInstances: Int) {
        self.name = name
        self.maxInstances = maxInstances
    }

    /// From a rate limit: `ceil(requestsPerMinute / perInstance)` instances can be fed.
    public init(name: String, requestsPerMinute: Double, perInstance: Double) {
        self.name = name
        self.maxInstances = perInstance > 0 ? Int((requestsPerMinute / perInstance).rounded(.up)) : Int.max
    }
}
