/// The kinds of Render service a blueprint can declare, with the API's spelling.
public enum ServiceType: String, Sendable, Codable, CaseIterable {
    case web, worker, pserv, cron

    /// The name Render's API uses (`web_service`, `background_worker`, …).
    public var apiName: String {
        switch self {
        case .web: return "web_service"
        case .worker: return "background_worker"
        case .pserv: return "private_service"
        case .cron: return "cron_job"
        }
    }

    public init?(apiName: String) {
        guard let match = Self.allCases.first(where: { $0.apiName == apiName }) else { return nil }
        self = match
    }

    /// Cron jobs run to completion and have no instance count.
    public var isScalable: Bool { self != .cron }
}

/// An environment variable: a plain value, or a reference to a secret that is never printed.
public enum EnvValue: Sendable, Equatable, Hashable {
    case plain(String)
    /// The secret's name; its value comes from the process environment at apply time.
    case secret(String)
    /// Render generates a random value at creation.
    case generated
}

public struct EnvVarSpec: Sendable, Equatable, Hashable {
    public var key: String
    public var value: EnvValue

    public init(key: String, value: EnvValue) {
        self.key = key
        self.value = value
    }

    public var isSensitive: Bool {
        if case .plain = value { return false }
        return true
    }
}

/// Which job queue drives a worker's `queue_depth` and `queue_age` metrics.
public struct QueueBinding: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case bullmq, sidekiq, celery, rq, list, stream
    }

    /// The datastore (a `keyvalue` one) holding the queue.
    public var redis: String
    public var kind: Kind
    public var name: String
    /// Key prefix (BullMQ's `bull`, RQ's `rq`); nil takes the queue system's default.
    public var prefix: String?

    public init(redis: String, kind: Kind, name: String, prefix: String? = nil) {
        self.redis = redis
        self.kind = kind
        self.name = name
        self.prefix = prefix
    }
}

/// Where the controller may move a service's instance count, and by which policy.
public struct ScalingSpec: Sendable, Equatable, Codable {
    public var min: Int
    public var max: Int
    /// A scale policy name from `policies/`, or `render-native` for Render's own autoscaling.
    public var policy: String
    public var queue: QueueBinding?
    /// The count expected most of the time, for cost projections.
    public var expected: Int?
    /// Render-native autoscaling targets (1-90 %), used only with `policy: render-native`.
    public var targetCPUPercent: Int?
    public var targetMemoryPercent: Int?

    public init(min: Int, max: Int, policy: String, queue: QueueBinding? = nil, expected: Int? = nil) {
        self.min = min
        self.max = max
        self.policy = policy
        self.queue = queue
        self.expected = expected
    }

    /// True when Render's native autoscaling, not Ballast's controller, moves the count.
    public var isRenderNative: Bool { policy == ScalingSpec.renderNative }
    public static let renderNative = "render-native"
}

/// A resource request that resolves to the cheapest plan that fits.
public struct ResourceRequest: Sendable, Equatable, Codable {
    public var cpu: Double
    public var memoryMB: Double

    public init(cpu: Double, memoryMB: Double) {
        self.cpu = cpu
        self.memoryMB = memoryMB
    }
}

/// A persistent disk attached to a service (it then cannot scale past one instance).
public struct DiskSpec: Sendable, Equatable, Codable {
    public var name: String
    public var mountPath: String
    public var sizeGB: Int
}

/// An upstream a service calls whose rate limit bounds useful throughput (OpenAI, for the AI service).
public struct UpstreamSpec: Sendable, Equatable, Codable {
    public var name: String
    /// Requests per minute the upstream allows the whole application.
    public var requestsPerMinute: Double
    /// Requests per minute one instance can send at full load.
    public var perInstance: Double
}

/// One service of an environment, after overlays and plan resolution.
public struct ServiceSpec: Sendable, Equatable {
    public var name: String
    public var type: ServiceType
    public var runtime: String
    /// Plan name as Render's API spells it (`starter`, `pro_plus`).
    public var plan: String
    /// The request the plan was chosen for, when the blueprint gave resources instead of a plan.
    public var resources: ResourceRequest?
    public var region: String
    public var instances: Int
    public var scaling: ScalingSpec?
    public var healthCheckPath: String?
    public var env: [EnvVarSpec]
    /// Connections per instance to each datastore, by datastore name.
    public var uses: [String: Int]
    public var protect: Bool
    public var schedule: String?
    public var disk: DiskSpec?
    public var repo: String?
    public var branch: String?
    public var buildCommand: String?
    public var startCommand: String?
    public var image: String?
    public var upstream: UpstreamSpec?
    /// Where the service was declared, for diagnostics.
    public var mark: SourceMark?
    /// Where some of its keys were written (`plan`, `instances`, `scaling.max`, …), for diagnostics.
    public var marks: [String: SourceMark] = [:]

    public init(name: String, type: ServiceType, runtime: String, plan: String, region: String, instances: Int = 1) {
        self.name = name
        self.type = type
        self.runtime = runtime
        self.plan = plan
        self.region = region
        self.instances = instances
        self.env = []
        self.uses = [:]
        self.protect = false
    }

    /// The bounds inside which the count is not the blueprint's to set (nil when the count is fixed).
    public var managedRange: ClosedRange<Int>? {
        scaling.map { $0.min...$0.max }
    }
}
