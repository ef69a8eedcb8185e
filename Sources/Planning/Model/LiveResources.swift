import Blueprint

/// Render's native autoscaling settings, as the API shapes them (`PUT /services/{id}/autoscaling`).
public struct AutoscalingConfig: Sendable, Equatable, Codable {
    public struct Criterion: Sendable, Equatable, Codable {
        public var enabled: Bool
        public var percentage: Int

        public init(enabled: Bool, percentage: Int) {
            self.enabled = enabled
            self.percentage = percentage
        }
    }

    public var enabled: Bool
    public var min: Int
    public var max: Int
    public var cpu: Criterion
    public var memory: Criterion

    public init(enabled: Bool, min: Int, max: Int, cpu: Criterion, memory: Criterion) {
        self.enabled = enabled
        self.min = min
        self.max = max
        self.cpu = cpu
        self.memory = memory
    }
}

/// A service as the hosting provider reports it: what `plan` compares the blueprint with.
///
/// Provider-neutral: `Hosting` maps Render's JSON to this, and the planner never sees HTTP.
public struct LiveService: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var type: ServiceType
    public var runtime: String
    /// Plan in API spelling; unknown plan names are kept as they come.
    public var plan: String
    public var region: String
    /// The manual instance count; meaningless while native autoscaling is enabled.
    public var numInstances: Int
    public var autoscaling: AutoscalingConfig?
    public var suspended: Bool
    public var healthCheckPath: String?
    public var ownerId: String
    public var schedule: String?
    public var repo: String?
    public var branch: String?
    public var buildCommand: String?
    public var startCommand: String?
    public var image: String?
    public var hasDisk: Bool
    public var createdAt: String?
    public var updatedAt: String?

    public init(id: String, name: String, type: ServiceType, runtime: String, plan: String, region: String,
                numInstances: Int, autoscaling: AutoscalingConfig? = nil, suspended: Bool = false,
                healthCheckPath: String? = nil, ownerId: String, hasDisk: Bool = false) {
        self.id = id
        self.name = name
        self.type = type
        self.runtime = runtime
        self.plan = plan
        self.region = region
        self.numInstances = numInstances
        self.autoscaling = autoscaling
        self.suspended = suspended
        self.healthCheckPath = healthCheckPath
        self.ownerId = ownerId
        self.hasDisk = hasDisk
    }
}

/// A Key Value or Postgres instance as the provider reports it.
public struct LiveDatastore: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var type: DatastoreType
    public var plan: String
    public var region: String
    public var ownerId: String
    public var status: String?
    public var version: String?
    public var diskSizeGB: Int?
    public var maxmemoryPolicy: String?

    public init(id: String, name: String, type: DatastoreType, plan: String, region: String, ownerId: String) {
        self.id = id
        self.name = name
        self.type = type
        self.plan = plan
        self.region = region
        self.ownerId = ownerId
    }
}

/// An environment variable as stored on the provider. Values are compared, never printed when sensitive.
public struct LiveEnvVar: Sendable, Equatable, Codable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}
