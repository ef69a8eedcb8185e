/// A monthly spending cap and what to do when the controller reaches it.
public struct BudgetSpec: Sendable, Equatable, Codable {
    public enum Action: String, Sendable, Codable, CaseIterable {
        /// Stop scaling up (the default).
        case hold
        /// Keep scaling but warn.
        case alert
    }

    public var monthly: Double
    public var action: Action
    /// Per-service caps, by service name.
    public var services: [String: Double]

    public init(monthly: Double, action: Action = .hold, services: [String: Double] = [:]) {
        self.monthly = monthly
        self.action = action
        self.services = services
    }
}

/// Everything one environment of a blueprint asks for, with overlays applied and plans resolved.
///
/// This is the "desired state" that `plan` compares with Render, the controller scales within and
/// `cost` prices.
public struct ResolvedEnvironment: Sendable, Equatable {
    public var project: String
    public var environment: String
    public var owner: String?
    public var region: String
    public var budget: BudgetSpec?
    /// Guardrail policy names checked on plans of this environment.
    public var guardrails: [String]
    public var services: [ServiceSpec]
    public var datastores: [DatastoreSpec]
    /// The blueprint file, for diagnostics.
    public var file: String

    public init(project: String, environment: String, owner: String?, region: String, file: String) {
        self.project = project
        self.environment = environment
        self.owner = owner
        self.region = region
        self.budget = nil
        self.guardrails = []
        self.services = []
        self.datastores = []
        self.file = file
    }

    public func service(named name: String) -> ServiceSpec? {
        services.first { $0.name == name }
    }

    public func datastore(named name: String) -> DatastoreSpec? {
        datastores.first { $0.name == name }
    }
}
