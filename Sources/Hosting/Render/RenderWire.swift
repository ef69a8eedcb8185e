import Foundation

// Render's JSON wire types, named and shaped as in `../shared/render-api/openapi.json`.
//
// Every enum the spec declares (plan, region, runtime, status, …) is carried as a `String`: Render adds
// values over time (new plan names appear), and a client that refused to decode them would break on a
// Tuesday for no reason. `RenderProvider` maps these to the neutral `Live*` types; the sandbox stores and
// serves them as they are, so both sides agree on one definition.

/// `error`: every 4xx/5xx body. Both fields are optional in the spec.
public struct RenderErrorBody: Codable, Sendable, Equatable {
    public var id: String?
    public var message: String?

    public init(id: String? = nil, message: String? = nil) {
        self.id = id
        self.message = message
    }
}

/// `owner` (a workspace).
public struct RenderOwner: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var email: String
    public var type: String
    public var twoFactorAuthEnabled: Bool?
}

public struct RenderOwnerWithCursor: Codable, Sendable {
    public var owner: RenderOwner
    public var cursor: String
}

/// `webServiceDetails.autoscaling`, also the body of `PUT /services/{id}/autoscaling`.
public struct RenderAutoscaling: Codable, Sendable, Equatable {
    public struct Criterion: Codable, Sendable, Equatable {
        public var enabled: Bool
        public var percentage: Int
    }

    public struct Criteria: Codable, Sendable, Equatable {
        public var cpu: Criterion
        public var memory: Criterion
    }

    public var enabled: Bool
    public var min: Int
    public var max: Int
    public var criteria: Criteria
}

public struct RenderServerPort: Codable, Sendable, Equatable {
    public var port: Int
    public var `protocol`: String
}

public struct RenderDisk: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var sizeGB: Int
    public var mountPath: String
}

/// `envSpecificDetails`: the native (`buildCommand`, `startCommand`) and Docker shapes in one struct.
public struct RenderEnvSpecificDetails: Codable, Sendable, Equatable {
    public var buildCommand: String?
    public var startCommand: String?
    public var preDeployCommand: String?
    public var dockerCommand: String?
    public var dockerContext: String?
    public var dockerfilePath: String?
    public var registryCredentialId: String?

    public init(buildCommand: String? = nil, startCommand: String? = nil, preDeployCommand: String? = nil,
                dockerCommand: String? = nil, dockerContext: String? = nil, dockerfilePath: String? = nil) {
        self.buildCommand = buildCommand
        self.startCommand = startCommand
        self.preDeployCommand = preDeployCommand
        self.dockerCommand = dockerCommand
        self.dockerContext = dockerContext
        self.dockerfilePath = dockerfilePath
    }

    var isEmpty: Bool {
        buildCommand == nil && startCommand == nil && preDeployCommand == nil && dockerCommand == nil
            && dockerContext == nil && dockerfilePath == nil && registryCredentialId == nil
    }
}

/// `serviceDetails` of a service: the union of the web, private, worker and cron shapes.
public struct RenderServiceDetails: Codable, Sendable, Equatable {
    public var env: String?
    public var runtime: String?
    public var plan: String?
    public var region: String?
    public var numInstances: Int?
    public var buildPlan: String?
    public var healthCheckPath: String?
    public var url: String?
    public var openPorts: [RenderServerPort]?
    public var envSpecificDetails: RenderEnvSpecificDetails?
    public var autoscaling: RenderAutoscaling?
    public var disk: RenderDisk?
    public var schedule: String?
    public var lastSuccessfulRunAt: String?
    public var maxShutdownDelaySeconds: Int?
}

/// `service`.
public struct RenderService: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var ownerId: String
    public var type: String
    public var slug: String
    public var createdAt: String
    public var updatedAt: String
    public var dashboardUrl: String
    public var autoDeploy: String
    public var rootDir: String
    public var notifyOnFail: String
    public var suspended: String
    public var suspenders: [String]
    public var branch: String?
    public var repo: String?
    public var imagePath: String?
    public var environmentId: String?
    public var serviceDetails: RenderServiceDetails
}

public struct RenderServiceWithCursor: Codable, Sendable {
    public var service: RenderService
    public var cursor: String
}

/// `serviceAndDeploy`: the 201 body of `POST /services`.
public struct RenderServiceAndDeploy: Codable, Sendable {
    public var service: RenderService
    public var deployId: String?
}

/// `image` in `servicePOST` / `servicePATCH`.
public struct RenderImage: Codable, Sendable, Equatable {
    public var ownerId: String
    public var imagePath: String
    public var registryCredentialId: String?
}

/// `envVarInput`: `{key, value}` or `{key, generateValue: true}`.
public struct RenderEnvVarInput: Codable, Sendable, Equatable {
    public var key: String
    public var value: String?
    public var generateValue: Bool?
}

/// `envVar`.
public struct RenderEnvVar: Codable, Sendable, Equatable {
    public var key: String
    public var value: String
}

public struct RenderEnvVarWithCursor: Codable, Sendable {
    public var envVar: RenderEnvVar
    public var cursor: String
}

/// `serviceDetails` in `servicePOST` (web/private/worker/cron POST shapes in one struct).
public struct RenderServiceDetailsPOST: Codable, Sendable, Equatable {
    public var runtime: String?
    public var plan: String?
    public var region: String?
    public var numInstances: Int?
    public var autoscaling: RenderAutoscaling?
    public var healthCheckPath: String?
    public var envSpecificDetails: RenderEnvSpecificDetails?
    public var preDeployCommand: String?
    public var schedule: String?
    public var maxShutdownDelaySeconds: Int?
}

/// `servicePOST`.
public struct RenderServicePOST: Codable, Sendable, Equatable {
    public var type: String
    public var name: String
    public var ownerId: String
    public var repo: String?
    public var autoDeploy: String?
    public var branch: String?
    public var image: RenderImage?
    public var rootDir: String?
    public var envVars: [RenderEnvVarInput]?
    public var environmentId: String?
    public var serviceDetails: RenderServiceDetailsPOST?
}

/// `serviceDetails` in `servicePATCH`.
public struct RenderServiceDetailsPATCH: Codable, Sendable, Equatable {
    public var plan: String?
    public var healthCheckPath: String?
    public var envSpecificDetails: RenderEnvSpecificDetails?
    public var preDeployCommand: String?
    public var runtime: String?
    public var schedule: String?
    public var maxShutdownDelaySeconds: Int?
}

/// `servicePATCH`.
public struct RenderServicePATCH: Codable, Sendable, Equatable {
    public var autoDeploy: String?
    public var repo: String?
    public var branch: String?
    public var image: RenderImage?
    public var name: String?
    public var rootDir: String?
    public var serviceDetails: RenderServiceDetailsPATCH?
}

/// `serviceInstance`.
public struct RenderServiceInstance: Codable, Sendable, Equatable {
    public var id: String
    public var createdAt: String
}

public struct RenderScaleBody: Codable, Sendable {
    public var numInstances: Int
}

public struct RenderCIDRBlock: Codable, Sendable, Equatable {
    public var cidrBlock: String
    public var description: String
}

/// `keyValue` / `keyValueDetail` (the detail shape omits `dashboardUrl`).
public struct RenderKeyValue: Codable, Sendable, Equatable {
    public struct Options: Codable, Sendable, Equatable {
        public var maxmemoryPolicy: String?
    }

    public var id: String
    public var createdAt: String
    public var updatedAt: String
    public var status: String
    public var region: String
    public var plan: String
    public var name: String
    public var owner: RenderOwner
    public var options: Options
    public var ipAllowList: [RenderCIDRBlock]
    public var environmentId: String?
    public var version: String
    public var dashboardUrl: String?
}

public struct RenderKeyValueWithCursor: Codable, Sendable {
    public var keyValue: RenderKeyValue
    public var cursor: String
}

/// `keyValuePOSTInput`.
public struct RenderKeyValuePOST: Codable, Sendable, Equatable {
    public var name: String
    public var ownerId: String
    public var plan: String
    public var region: String?
    public var environmentId: String?
    public var maxmemoryPolicy: String?
    public var ipAllowList: [RenderCIDRBlock]?
}

/// `keyValuePATCHInput`.
public struct RenderKeyValuePATCH: Codable, Sendable, Equatable {
    public var name: String?
    public var plan: String?
    public var maxmemoryPolicy: String?
    public var ipAllowList: [RenderCIDRBlock]?
}

/// `readReplica`.
public struct RenderReadReplica: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
}

/// The `project` a `postgresDetail` carries.
public struct RenderProject: Codable, Sendable, Equatable {
    public var id: String
    public var createdAt: String
    public var updatedAt: String
    public var name: String
    public var owner: RenderOwner
    public var environmentIds: [String]
}

/// `postgres` / `postgresDetail`.
public struct RenderPostgres: Codable, Sendable, Equatable {
    public var id: String
    public var ipAllowList: [RenderCIDRBlock]
    public var createdAt: String
    public var updatedAt: String
    public var databaseName: String
    public var databaseUser: String
    public var environmentId: String?
    public var highAvailabilityEnabled: Bool
    public var name: String
    public var owner: RenderOwner
    public var project: RenderProject?
    public var plan: String
    public var diskSizeGB: Int?
    public var region: String
    public var readReplicas: [RenderReadReplica]
    public var role: String
    public var status: String
    public var version: String
    public var suspended: String
    public var suspenders: [String]
    public var dashboardUrl: String?
    public var diskAutoscalingEnabled: Bool
}

public struct RenderPostgresWithCursor: Codable, Sendable {
    public var postgres: RenderPostgres
    public var cursor: String
}

/// `postgresPOSTInput`.
public struct RenderPostgresPOST: Codable, Sendable, Equatable {
    public var name: String
    public var ownerId: String
    public var plan: String
    public var version: String
    public var region: String?
    public var databaseName: String?
    public var databaseUser: String?
    public var diskSizeGB: Int?
    public var enableDiskAutoscaling: Bool?
    public var enableHighAvailability: Bool?
    public var environmentId: String?
    public var ipAllowList: [RenderCIDRBlock]?
}

/// `postgresPATCHInput`.
public struct RenderPostgresPATCH: Codable, Sendable, Equatable {
    public var name: String?
    public var plan: String?
    public var diskSizeGB: Int?
    public var enableDiskAutoscaling: Bool?
    public var enableHighAvailability: Bool?
    public var ipAllowList: [RenderCIDRBlock]?
}

/// One time series of `GET /metrics/*`.
public struct RenderMetricSeriesWire: Codable, Sendable, Equatable {
    public struct Label: Codable, Sendable, Equatable {
        public var field: String
        public var value: String
    }

    /// The spec lists `unit` as required on every point too (and declares no such property); the sandbox
    /// sends it, the client ignores it.
    public struct Point: Codable, Sendable, Equatable {
        public var timestamp: String
        public var value: Double
        public var unit: String?
    }

    public var labels: [Label]
    public var values: [Point]
    public var unit: String
}

/// JSON coding shared by the client and the sandbox.
enum RenderJSON {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static func decoder() -> JSONDecoder { JSONDecoder() }

    static func formatDate(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// RFC 3339 with or without fractional seconds.
    static func parseDate(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        return try? fractional.parse(text)
    }
}
