import Blueprint
import Foundation
import Planning

/// An environment variable to set: a value, or one Render generates (`generateValue: true`).
public struct EnvVarInput: Sendable, Equatable, Codable {
    public var key: String
    /// Nil when `generateValue` is set.
    public var value: String?
    public var generateValue: Bool

    public init(key: String, value: String) {
        self.key = key
        self.value = value
        self.generateValue = false
    }

    public static func generated(_ key: String) -> EnvVarInput {
        var input = EnvVarInput(key: key, value: "")
        input.value = nil
        input.generateValue = true
        return input
    }
}

/// What `createService` needs: the fields of Render's `servicePOST` that a blueprint can set.
///
/// ```swift
/// var request = ServiceCreateRequest(name: "backend-api", type: .web, runtime: "node", ownerId: owner)
/// request.plan = "starter"
/// request.startCommand = "npm start"
/// ```
public struct ServiceCreateRequest: Sendable, Equatable {
    public var name: String
    public var type: ServiceType
    /// `node`, `docker`, `image`, … (API spelling).
    public var runtime: String
    public var ownerId: String
    /// Nil takes Render's default (`starter`).
    public var plan: String?
    /// Nil takes Render's default (`oregon`).
    public var region: String?
    /// Nil takes Render's default (1). Ignored for cron jobs.
    public var numInstances: Int?
    public var autoscaling: AutoscalingConfig?
    public var healthCheckPath: String?
    public var envVars: [EnvVarInput]
    public var repo: String?
    public var branch: String?
    public var rootDir: String?
    public var buildCommand: String?
    public var startCommand: String?
    public var preDeployCommand: String?
    public var dockerCommand: String?
    public var dockerfilePath: String?
    public var dockerContext: String?
    /// For `runtime: image`: the image to run (`docker.io/library/nginx:latest`).
    public var image: String?
    /// For cron jobs.
    public var schedule: String?
    public var autoDeploy: Bool?

    public init(name: String, type: ServiceType, runtime: String, ownerId: String, plan: String? = nil,
                region: String? = nil, numInstances: Int? = nil) {
        self.name = name
        self.type = type
        self.runtime = runtime
        self.ownerId = ownerId
        self.plan = plan
        self.region = region
        self.numInstances = numInstances
        self.envVars = []
    }
}

/// What `updateService` may change (Render's `servicePATCH`); nil fields are left as they are.
public struct ServiceUpdate: Sendable, Equatable {
    public var name: String?
    public var plan: String?
    public var healthCheckPath: String?
    public var buildCommand: String?
    public var startCommand: String?
    public var preDeployCommand: String?
    public var dockerCommand: String?
    public var repo: String?
    public var branch: String?
    public var image: String?
    public var schedule: String?
    public var autoDeploy: Bool?

    public init(name: String? = nil, plan: String? = nil, healthCheckPath: String? = nil) {
        self.name = name
        self.plan = plan
        self.healthCheckPath = healthCheckPath
    }

    public var isEmpty: Bool { self == ServiceUpdate() }
}

/// What `createDatastore` needs (Key Value or Postgres).
public struct DatastoreCreateRequest: Sendable, Equatable {
    public var name: String
    public var type: DatastoreType
    public var ownerId: String
    /// API spelling (`starter`, `basic_1gb`).
    public var plan: String
    public var region: String?
    /// Postgres major version (`"16"`); required by Render for Postgres, nil takes `"16"`.
    public var version: String?
    public var diskSizeGB: Int?
    /// Key Value eviction policy in API spelling (`allkeys_lru`).
    public var maxmemoryPolicy: String?
    public var databaseName: String?
    public var databaseUser: String?
    public var highAvailability: Bool?

    public init(name: String, type: DatastoreType, ownerId: String, plan: String, region: String? = nil) {
        self.name = name
        self.type = type
        self.ownerId = ownerId
        self.plan = plan
        self.region = region
    }
}

/// What `updateDatastore` may change; nil fields are left as they are.
public struct DatastoreUpdate: Sendable, Equatable {
    public var name: String?
    public var plan: String?
    public var diskSizeGB: Int?
    public var maxmemoryPolicy: String?
    public var highAvailability: Bool?

    public init(name: String? = nil, plan: String? = nil) {
        self.name = name
        self.plan = plan
    }
}

/// A running instance of a service.
public struct LiveInstance: Sendable, Equatable, Codable {
    /// `srv-<20>-<5>`.
    public var id: String
    public var createdAt: Date

    public init(id: String, createdAt: Date) {
        self.id = id
        self.createdAt = createdAt
    }
}

/// A workspace ("owner" in Render's paths).
public struct LiveOwner: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var email: String
    /// `user` or `team`.
    public var type: String

    public init(id: String, name: String, email: String, type: String) {
        self.id = id
        self.name = name
        self.email = email
        self.type = type
    }
}
