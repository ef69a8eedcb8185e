import Blueprint
import Foundation
import Logging
import Planning

/// `HostingProvider` over Render's REST API (`https://api.render.com/v1`, or `RENDER_API_URL`).
///
/// Lists follow cursors with `limit=100`; 429 and 5xx are retried with backoff that honours
/// `Retry-After` / `Ratelimit-Reset`; requests are paced to Render's budgets before they are sent.
///
/// ```swift
/// let render = try RenderProvider.fromEnvironment()
/// for service in try await render.listServices() { print(service.name, service.numInstances) }
/// ```
public struct RenderProvider: HostingProvider, RenderMetricsAPI {
    let client: RenderAPIClient

    public init(configuration: RenderClientConfiguration, transport: any HTTPTransport = URLSessionTransport(),
                clock: any HostingClock = SystemHostingClock(), logger: Logger = Logger(label: "ballast.render")) {
        self.client = RenderAPIClient(configuration: configuration, transport: transport, clock: clock, logger: logger)
    }

    /// From `RENDER_API_KEY` and `RENDER_API_URL`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment,
                                       transport: any HTTPTransport = URLSessionTransport()) throws -> RenderProvider {
        RenderProvider(configuration: try .fromEnvironment(environment), transport: transport)
    }

    public static let pageSize = 100

    // MARK: Services

    public func listServices(ownerId: String?, names: [String]) async throws -> [LiveService] {
        var query: [(String, String)] = []
        if let ownerId { query.append(("ownerId", ownerId)) }
        if !names.isEmpty { query.append(("name", names.joined(separator: ","))) }
        let items = try await listAll(RenderServiceWithCursor.self, operation: "list-services", path: "/services", query: query) { $0.cursor }
        return items.compactMap { RenderMapping.liveService($0.service) }
    }

    public func getService(id: String) async throws -> LiveService {
        let path = "/services/\(id)"
        let service = try await get(RenderService.self, operation: "retrieve-service", path: path)
        return try live(service, operation: "retrieve-service", method: "GET", path: path)
    }

    public func createService(_ request: ServiceCreateRequest) async throws -> LiveService {
        let body = try client.encode(RenderMapping.servicePOST(request))
        do {
            let response = try await client.send(operation: "create-service", method: "POST", path: "/services", body: body)
            let created = try client.decode(RenderServiceAndDeploy.self, from: response, operation: "create-service", method: "POST", path: "/services")
            return try live(created.service, operation: "create-service", method: "POST", path: "/services")
        } catch let error as RenderAPIError where error.status == 409 && error.attempts > 1 {
            // An earlier attempt may have created it before its response was lost: adopt that one.
            let existing = try await listServices(ownerId: request.ownerId, names: [request.name])
            if let match = existing.first(where: { $0.name == request.name && $0.type == request.type }) { return match }
            throw error
        }
    }

    public func updateService(id: String, _ update: ServiceUpdate) async throws -> LiveService {
        let path = "/services/\(id)"
        let needsCurrent = update.image != nil || update.healthCheckPath != nil || update.schedule != nil
            || update.startCommand != nil || update.buildCommand != nil || update.dockerCommand != nil || update.preDeployCommand != nil
        let current = needsCurrent ? try await getService(id: id) : nil
        let body = try client.encode(RenderMapping.servicePATCH(update, current: current))
        let response = try await client.send(operation: "update-service", method: "PATCH", path: path, body: body)
        let service = try client.decode(RenderService.self, from: response, operation: "update-service", method: "PATCH", path: path)
        return try live(service, operation: "update-service", method: "PATCH", path: path)
    }

    public func scale(serviceId: String, numInstances: Int) async throws {
        let body = try client.encode(RenderScaleBody(numInstances: numInstances))
        _ = try await client.send(operation: "scale-service", method: "POST", path: "/services/\(serviceId)/scale", body: body)
    }

    public func setAutoscaling(serviceId: String, _ config: AutoscalingConfig) async throws -> AutoscalingConfig {
        let path = "/services/\(serviceId)/autoscaling"
        let body = try client.encode(RenderMapping.autoscaling(config))
        let response = try await client.send(operation: "autoscale-service", method: "PUT", path: path, body: body)
        let echoed = try client.decode(RenderAutoscaling.self, from: response, operation: "autoscale-service", method: "PUT", path: path)
        return RenderMapping.autoscaling(echoed)
    }

    public func deleteAutoscaling(serviceId: String) async throws {
        _ = try await client.send(operation: "delete-autoscaling-config", method: "DELETE", path: "/services/\(serviceId)/autoscaling")
    }

    public func suspend(serviceId: String) async throws {
        _ = try await client.send(operation: "suspend-service", method: "POST", path: "/services/\(serviceId)/suspend")
    }

    public func resume(serviceId: String) async throws {
        _ = try await client.send(operation: "resume-service", method: "POST", path: "/services/\(serviceId)/resume")
    }

    public func deleteService(id: String) async throws {
        _ = try await client.send(operation: "delete-service", method: "DELETE", path: "/services/\(id)")
    }

    // MARK: Env vars and instances

    public func listEnvVars(serviceId: String) async throws -> [LiveEnvVar] {
        let items = try await listAll(RenderEnvVarWithCursor.self, operation: "get-env-vars-for-service",
                                      path: "/services/\(serviceId)/env-vars", query: []) { $0.cursor }
        return items.map { LiveEnvVar(key: $0.envVar.key, value: $0.envVar.value) }
    }

    public func replaceEnvVars(serviceId: String, _ envVars: [EnvVarInput]) async throws -> [LiveEnvVar] {
        let path = "/services/\(serviceId)/env-vars"
        let body = try client.encode(envVars.map(RenderMapping.envVarInput))
        let response = try await client.send(operation: "update-env-vars-for-service", method: "PUT", path: path, body: body)
        let items = try client.decode([RenderEnvVarWithCursor].self, from: response, operation: "update-env-vars-for-service", method: "PUT", path: path)
        return items.map { LiveEnvVar(key: $0.envVar.key, value: $0.envVar.value) }
    }

    public func listInstances(serviceId: String) async throws -> [LiveInstance] {
        let path = "/services/\(serviceId)/instances"
        let instances = try await get([RenderServiceInstance].self, operation: "list-instances", path: path)
        return instances.map { LiveInstance(id: $0.id, createdAt: RenderJSON.parseDate($0.createdAt) ?? Date(timeIntervalSince1970: 0)) }
    }

    // MARK: Datastores

    public func listDatastores(_ type: DatastoreType, ownerId: String?, names: [String]) async throws -> [LiveDatastore] {
        var query: [(String, String)] = []
        if let ownerId { query.append(("ownerId", ownerId)) }
        if !names.isEmpty { query.append(("name", names.joined(separator: ","))) }
        switch type {
        case .keyvalue:
            let items = try await listAll(RenderKeyValueWithCursor.self, operation: "list-key-value", path: "/key-value", query: query) { $0.cursor }
            return items.map { RenderMapping.liveDatastore($0.keyValue) }
        case .postgres:
            let items = try await listAll(RenderPostgresWithCursor.self, operation: "list-postgres", path: "/postgres", query: query) { $0.cursor }
            return items.map { RenderMapping.liveDatastore($0.postgres) }
        case .external:
            return []
        }
    }

    public func createDatastore(_ request: DatastoreCreateRequest) async throws -> LiveDatastore {
        switch request.type {
        case .keyvalue:
            let body = try client.encode(RenderKeyValuePOST(name: request.name, ownerId: request.ownerId, plan: request.plan,
                                                            region: request.region, maxmemoryPolicy: request.maxmemoryPolicy))
            let response = try await client.send(operation: "create-key-value", method: "POST", path: "/key-value", body: body)
            return RenderMapping.liveDatastore(try client.decode(RenderKeyValue.self, from: response, operation: "create-key-value", method: "POST", path: "/key-value"))
        case .postgres:
            let body = try client.encode(RenderPostgresPOST(name: request.name, ownerId: request.ownerId, plan: request.plan,
                                                            version: request.version ?? "16", region: request.region,
                                                            databaseName: request.databaseName, databaseUser: request.databaseUser,
                                                            diskSizeGB: request.diskSizeGB, enableHighAvailability: request.highAvailability))
            let response = try await client.send(operation: "create-postgres", method: "POST", path: "/postgres", body: body)
            return RenderMapping.liveDatastore(try client.decode(RenderPostgres.self, from: response, operation: "create-postgres", method: "POST", path: "/postgres"))
        case .external:
            throw Self.externalError("create-datastore", method: "POST", name: request.name)
        }
    }

    public func updateDatastore(_ type: DatastoreType, id: String, _ update: DatastoreUpdate) async throws -> LiveDatastore {
        switch type {
        case .keyvalue:
            let path = "/key-value/\(id)"
            let body = try client.encode(RenderKeyValuePATCH(name: update.name, plan: update.plan, maxmemoryPolicy: update.maxmemoryPolicy))
            let response = try await client.send(operation: "update-key-value", method: "PATCH", path: path, body: body)
            return RenderMapping.liveDatastore(try client.decode(RenderKeyValue.self, from: response, operation: "update-key-value", method: "PATCH", path: path))
        case .postgres:
            let path = "/postgres/\(id)"
            let body = try client.encode(RenderPostgresPATCH(name: update.name, plan: update.plan, diskSizeGB: update.diskSizeGB,
                                                             enableHighAvailability: update.highAvailability))
            let response = try await client.send(operation: "update-postgres", method: "PATCH", path: path, body: body)
            return RenderMapping.liveDatastore(try client.decode(RenderPostgres.self, from: response, operation: "update-postgres", method: "PATCH", path: path))
        case .external:
            throw Self.externalError("update-datastore", method: "PATCH", name: id)
        }
    }

    public func deleteDatastore(_ type: DatastoreType, id: String) async throws {
        switch type {
        case .keyvalue: _ = try await client.send(operation: "delete-key-value", method: "DELETE", path: "/key-value/\(id)")
        case .postgres: _ = try await client.send(operation: "delete-postgres", method: "DELETE", path: "/postgres/\(id)")
        case .external: throw Self.externalError("delete-datastore", method: "DELETE", name: id)
        }
    }

    public func listOwners() async throws -> [LiveOwner] {
        let items = try await listAll(RenderOwnerWithCursor.self, operation: "list-owners", path: "/owners", query: []) { $0.cursor }
        return items.map { RenderMapping.liveOwner($0.owner) }
    }

    // MARK: Metrics

    public func metrics(_ kind: RenderMetricKind, resources: [String], start: Date?, end: Date?, resolutionSeconds: Int?,
                        quantile: Double?, aggregateBy: String?) async throws -> [RenderMetricSeries] {
        var query: [(String, String)] = resources.map { ("resource", $0) }
        if let start { query.append(("startTime", RenderJSON.formatDate(start))) }
        if let end { query.append(("endTime", RenderJSON.formatDate(end))) }
        if let resolutionSeconds { query.append(("resolutionSeconds", String(max(30, resolutionSeconds)))) }
        if kind == .httpLatency, let quantile { query.append(("quantile", String(quantile))) }
        if kind == .httpRequests, let aggregateBy { query.append(("aggregateBy", aggregateBy)) }
        let path = "/metrics/\(kind.rawValue)"
        let operation = "get-\(kind.rawValue)"
        let response = try await client.send(operation: operation, method: "GET", path: path, query: query)
        let series = try client.decode([RenderMetricSeriesWire].self, from: response, operation: operation, method: "GET", path: path)
        return series.map(RenderMetricSeries.init(wire:))
    }

    // MARK: Helpers

    private func get<T: Decodable>(_ type: T.Type, operation: String, path: String, query: [(String, String)] = []) async throws -> T {
        let response = try await client.send(operation: operation, method: "GET", path: path, query: query)
        return try client.decode(T.self, from: response, operation: operation, method: "GET", path: path)
    }

    /// Every page: `limit=100`, then the last item's cursor, until a short page.
    private func listAll<Item: Decodable>(_ type: Item.Type, operation: String, path: String, query: [(String, String)],
                                          cursor: (Item) -> String) async throws -> [Item] {
        var all: [Item] = []
        var next: String?
        var seen: Set<String> = []
        while true {
            var pageQuery = query + [("limit", String(Self.pageSize))]
            if let next { pageQuery.append(("cursor", next)) }
            let page = try await get([Item].self, operation: operation, path: path, query: pageQuery)
            all.append(contentsOf: page)
            guard page.count >= Self.pageSize, let last = page.last else { break }
            let lastCursor = cursor(last)
            // A server that hands back a cursor twice would loop forever.
            guard seen.insert(lastCursor).inserted else { break }
            next = lastCursor
        }
        return all
    }

    private func live(_ service: RenderService, operation: String, method: String, path: String) throws -> LiveService {
        guard let live = RenderMapping.liveService(service) else {
            throw RenderAPIError(kind: .decoding, operation: operation, method: method, path: path,
                                 message: "service type \(service.type) is not one Ballast manages")
        }
        return live
    }

    private static func externalError(_ operation: String, method: String, name: String) -> RenderAPIError {
        RenderAPIError(kind: .configuration, operation: operation, method: method, path: name,
                       message: "external datastores are not hosted on Render")
    }
}
