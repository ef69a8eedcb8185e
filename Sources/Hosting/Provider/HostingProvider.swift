import Blueprint
import Planning

/// What planning and the controller need from a hosting platform, in provider-neutral types.
///
/// `RenderProvider` implements it over Render's REST API; `Sandbox` implements the same semantics
/// in-process against a state file. Errors are `RenderAPIError`s in both (the sandbox emulates Render),
/// so `error.isNotFound` and `error.status` mean the same thing everywhere.
///
/// ```swift
/// let provider: any HostingProvider = try RenderProvider.fromEnvironment()
/// let live = try await provider.listServices(ownerId: "tea-…", names: [])
/// try await provider.scale(serviceId: live[0].id, numInstances: 3)
/// ```
///
/// - Important: `numInstances` on a service is the *manual* count; while native autoscaling is enabled
///   it is not what runs (ask `listInstances`), and `scale` is accepted but ignored.
public protocol HostingProvider: Sendable {
    /// Every service (all pages), optionally only one workspace's and only the given names.
    /// Service types Ballast does not model (static sites) are left out.
    func listServices(ownerId: String?, names: [String]) async throws -> [LiveService]
    func getService(id: String) async throws -> LiveService
    func createService(_ request: ServiceCreateRequest) async throws -> LiveService
    /// Changes what `PATCH /services/{id}` may change; count, autoscaling, region and env vars have their own calls.
    func updateService(id: String, _ update: ServiceUpdate) async throws -> LiveService
    /// Sets the manual instance count. Accepted and ignored while native autoscaling is enabled.
    func scale(serviceId: String, numInstances: Int) async throws
    func setAutoscaling(serviceId: String, _ config: AutoscalingConfig) async throws -> AutoscalingConfig
    func deleteAutoscaling(serviceId: String) async throws
    func suspend(serviceId: String) async throws
    func resume(serviceId: String) async throws
    func deleteService(id: String) async throws

    func listEnvVars(serviceId: String) async throws -> [LiveEnvVar]
    /// Replaces all of a service's env vars (Render's `PUT` semantics) and returns what is now set.
    func replaceEnvVars(serviceId: String, _ envVars: [EnvVarInput]) async throws -> [LiveEnvVar]
    /// The instances running now (after their boot), not the configured count.
    func listInstances(serviceId: String) async throws -> [LiveInstance]

    /// Key Value (`type: .keyvalue`) or Postgres (`.postgres`) instances, all pages.
    func listDatastores(_ type: DatastoreType, ownerId: String?, names: [String]) async throws -> [LiveDatastore]
    func createDatastore(_ request: DatastoreCreateRequest) async throws -> LiveDatastore
    func updateDatastore(_ type: DatastoreType, id: String, _ update: DatastoreUpdate) async throws -> LiveDatastore
    func deleteDatastore(_ type: DatastoreType, id: String) async throws

    /// Workspaces the API key can see.
    func listOwners() async throws -> [LiveOwner]
}

extension HostingProvider {
    /// Every service of every workspace the key can see.
    public func listServices() async throws -> [LiveService] {
        try await listServices(ownerId: nil, names: [])
    }

    /// Key Value and Postgres instances together.
    public func listDatastores(ownerId: String? = nil) async throws -> [LiveDatastore] {
        let keyValues = try await listDatastores(.keyvalue, ownerId: ownerId, names: [])
        let postgres = try await listDatastores(.postgres, ownerId: ownerId, names: [])
        return keyValues + postgres
    }
}
