import Blueprint
import Foundation
import Planning

/// The in-process provider: the same wire operations the server uses, mapped to neutral types.
/// Failures are `RenderAPIError`s with the status and message Render would send.
extension Sandbox: HostingProvider, RenderMetricsAPI {
    func call<T>(_ operation: String, _ method: String, _ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let failure as SandboxFailure {
            throw RenderAPIError(kind: .status(failure.status), operation: operation, method: method, path: path, message: failure.message)
        }
    }

    public func listServices(ownerId: String?, names: [String]) async throws -> [LiveService] {
        try call("list-services", "GET", "/services") {
            var filter = ServiceListFilter()
            filter.names = names
            filter.ownerIds = ownerId.map { [$0] } ?? []
            return try store.read { state in
                state.services.filter { filter.matches($0.service) }.compactMap { RenderMapping.liveService($0.service) }
            }
        }
    }

    public func getService(id: String) async throws -> LiveService {
        try call("retrieve-service", "GET", "/services/\(id)") {
            guard let live = RenderMapping.liveService(try wireService(id: id)) else { throw SandboxFailure.notFound(id) }
            return live
        }
    }

    public func createService(_ request: ServiceCreateRequest) async throws -> LiveService {
        try call("create-service", "POST", "/services") {
            let created = try wireCreateService(RenderMapping.servicePOST(request))
            guard let live = RenderMapping.liveService(created.service) else { throw SandboxFailure(500, "unexpected service type") }
            return live
        }
    }

    public func updateService(id: String, _ update: ServiceUpdate) async throws -> LiveService {
        try call("update-service", "PATCH", "/services/\(id)") {
            let current = RenderMapping.liveService(try wireService(id: id))
            let service = try wireUpdateService(id: id, RenderMapping.servicePATCH(update, current: current))
            guard let live = RenderMapping.liveService(service) else { throw SandboxFailure(500, "unexpected service type") }
            return live
        }
    }

    public func scale(serviceId: String, numInstances: Int) async throws {
        try call("scale-service", "POST", "/services/\(serviceId)/scale") { try wireScale(id: serviceId, numInstances: numInstances) }
    }

    public func setAutoscaling(serviceId: String, _ config: AutoscalingConfig) async throws -> AutoscalingConfig {
        try call("autoscale-service", "PUT", "/services/\(serviceId)/autoscaling") {
            RenderMapping.autoscaling(try wireSetAutoscaling(id: serviceId, RenderMapping.autoscaling(config)))
        }
    }

    public func deleteAutoscaling(serviceId: String) async throws {
        try call("delete-autoscaling-config", "DELETE", "/services/\(serviceId)/autoscaling") { try wireDeleteAutoscaling(id: serviceId) }
    }

    public func suspend(serviceId: String) async throws {
        try call("suspend-service", "POST", "/services/\(serviceId)/suspend") { try wireSetSuspended(id: serviceId, true) }
    }

    public func resume(serviceId: String) async throws {
        try call("resume-service", "POST", "/services/\(serviceId)/resume") { try wireSetSuspended(id: serviceId, false) }
    }

    public func deleteService(id: String) async throws {
        try call("delete-service", "DELETE", "/services/\(id)") { try wireDeleteService(id: id) }
    }

    public func listEnvVars(serviceId: String) async throws -> [LiveEnvVar] {
        try call("get-env-vars-for-service", "GET", "/services/\(serviceId)/env-vars") {
            try store.read { state in
                guard let index = state.serviceIndex(serviceId) else { throw SandboxFailure.notFound(serviceId) }
                return state.services[index].envVars.map { LiveEnvVar(key: $0.key, value: $0.value) }
            }
        }
    }

    public func replaceEnvVars(serviceId: String, _ envVars: [EnvVarInput]) async throws -> [LiveEnvVar] {
        try call("update-env-vars-for-service", "PUT", "/services/\(serviceId)/env-vars") {
            try wireReplaceEnvVars(id: serviceId, envVars.map(RenderMapping.envVarInput)).map { LiveEnvVar(key: $0.envVar.key, value: $0.envVar.value) }
        }
    }

    public func listInstances(serviceId: String) async throws -> [LiveInstance] {
        try call("list-instances", "GET", "/services/\(serviceId)/instances") {
            try wireInstances(id: serviceId).map {
                LiveInstance(id: $0.id, createdAt: RenderJSON.parseDate($0.createdAt) ?? Date(timeIntervalSince1970: 0))
            }
        }
    }

    public func listDatastores(_ type: DatastoreType, ownerId: String?, names: [String]) async throws -> [LiveDatastore] {
        var filter = DatastoreListFilter()
        filter.names = names
        filter.ownerIds = ownerId.map { [$0] } ?? []
        let now = self.now
        switch type {
        case .keyvalue:
            return try call("list-key-value", "GET", "/key-value") {
                try store.read { state in
                    state.keyValues.filter { filter.matches(name: $0.keyValue.name, ownerId: $0.keyValue.owner.id, region: $0.keyValue.region) }
                        .map { RenderMapping.liveDatastore(Self.present($0, now: now)) }
                }
            }
        case .postgres:
            return try call("list-postgres", "GET", "/postgres") {
                try store.read { state in
                    state.postgres.filter { filter.matches(name: $0.postgres.name, ownerId: $0.postgres.owner.id, region: $0.postgres.region) }
                        .map { RenderMapping.liveDatastore(Self.present($0, now: now)) }
                }
            }
        case .external:
            return []
        }
    }

    public func createDatastore(_ request: DatastoreCreateRequest) async throws -> LiveDatastore {
        switch request.type {
        case .keyvalue:
            return try call("create-key-value", "POST", "/key-value") {
                RenderMapping.liveDatastore(try wireCreateKeyValue(RenderKeyValuePOST(
                    name: request.name, ownerId: request.ownerId, plan: request.plan, region: request.region,
                    maxmemoryPolicy: request.maxmemoryPolicy)))
            }
        case .postgres:
            return try call("create-postgres", "POST", "/postgres") {
                RenderMapping.liveDatastore(try wireCreatePostgres(RenderPostgresPOST(
                    name: request.name, ownerId: request.ownerId, plan: request.plan, version: request.version ?? "16",
                    region: request.region, databaseName: request.databaseName, databaseUser: request.databaseUser,
                    diskSizeGB: request.diskSizeGB, enableHighAvailability: request.highAvailability)))
            }
        case .external:
            throw RenderAPIError(kind: .configuration, operation: "create-datastore", method: "POST", path: request.name,
                                 message: "external datastores are not hosted on Render")
        }
    }

    public func updateDatastore(_ type: DatastoreType, id: String, _ update: DatastoreUpdate) async throws -> LiveDatastore {
        switch type {
        case .keyvalue:
            return try call("update-key-value", "PATCH", "/key-value/\(id)") {
                RenderMapping.liveDatastore(try wireUpdateKeyValue(id: id, RenderKeyValuePATCH(
                    name: update.name, plan: update.plan, maxmemoryPolicy: update.maxmemoryPolicy)))
            }
        case .postgres:
            return try call("update-postgres", "PATCH", "/postgres/\(id)") {
                RenderMapping.liveDatastore(try wireUpdatePostgres(id: id, RenderPostgresPATCH(
                    name: update.name, plan: update.plan, diskSizeGB: update.diskSizeGB, enableHighAvailability: update.highAvailability)))
            }
        case .external:
            throw RenderAPIError(kind: .configuration, operation: "update-datastore", method: "PATCH", path: id,
                                 message: "external datastores are not hosted on Render")
        }
    }

    public func deleteDatastore(_ type: DatastoreType, id: String) async throws {
        switch type {
        case .keyvalue: try call("delete-key-value", "DELETE", "/key-value/\(id)") { try wireDeleteKeyValue(id: id) }
        case .postgres: try call("delete-postgres", "DELETE", "/postgres/\(id)") { try wireDeletePostgres(id: id) }
        case .external:
            throw RenderAPIError(kind: .configuration, operation: "delete-datastore", method: "DELETE", path: id,
                                 message: "external datastores are not hosted on Render")
        }
    }

    public func listOwners() async throws -> [LiveOwner] {
        try call("list-owners", "GET", "/owners") { try store.read { $0.owners.map(RenderMapping.liveOwner) } }
    }

    public func metrics(_ kind: RenderMetricKind, resources: [String], start: Date?, end: Date?, resolutionSeconds: Int?,
                        quantile: Double?, aggregateBy: String?) async throws -> [RenderMetricSeries] {
        try call("get-\(kind.rawValue)", "GET", "/metrics/\(kind.rawValue)") {
            try metricSeries(kind, resources: resources, start: start, end: end, resolutionSeconds: resolutionSeconds.map(Double.init),
                             quantile: quantile, aggregateBy: aggregateBy)
        }
    }
}
