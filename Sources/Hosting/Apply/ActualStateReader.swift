import Blueprint
import Planning

/// Reads what a plan compares with in as few calls as it can: list endpoints (100 a page), narrowed
/// by name when the blueprint and state name few resources, and env vars only for the services that
/// need them (see `Planner.servicesNeedingEnvVars`).
///
/// Calls per plan: 1 (owners, when asked to resolve the workspace) + ⌈services/100⌉ + one list per
/// datastore kind in use + one `GET /services/{id}/env-vars` per service whose env vars may have moved.
///
/// ```swift
/// let reader = ActualStateReader(provider: provider)
/// let snapshot = try await reader.read(desired: env, state: state, ownerId: owner, secrets: secrets)
/// ```
public struct ActualStateReader: Sendable {
    public let provider: any HostingProvider
    /// Up to this many names go in a list call's `name` filter; more and the whole workspace is listed.
    public var nameFilterLimit = 50
    public var envReadParallelism = 8

    public init(provider: any HostingProvider) {
        self.provider = provider
    }

    public func read(desired: ResolvedEnvironment, state: BallastState?, ownerId: String?, secrets: [String: String],
                     mode: Plan.Mode = .normal) async throws -> ActualSnapshot {
        let scope = Planner.scope(desired: desired, state: state)
        var snapshot = ActualSnapshot(ownerId: ownerId)
        if !scope.services.isEmpty {
            let names = scope.services.count <= nameFilterLimit ? scope.services : []
            snapshot.services = try await provider.listServices(ownerId: ownerId, names: names)
        }
        for type in [DatastoreType.keyvalue, .postgres] {
            guard let names = scope.datastores[type], !names.isEmpty else { continue }
            snapshot.datastores += try await provider.listDatastores(type, ownerId: ownerId, names: names.count <= nameFilterLimit ? names : [])
        }
        let ids = Planner.servicesNeedingEnvVars(desired: desired, services: snapshot.services, state: state, secrets: secrets, mode: mode)
        snapshot.envVars = try await readEnvVars(ids)
        return snapshot
    }

    private func readEnvVars(_ ids: [String]) async throws -> [String: [LiveEnvVar]] {
        try await withThrowingTaskGroup(of: (String, [LiveEnvVar]).self) { group in
            var result: [String: [LiveEnvVar]] = [:]
            var pending = ids[...]
            for _ in 0..<envReadParallelism {
                guard let id = pending.popFirst() else { break }
                group.addTask { (id, try await provider.listEnvVars(serviceId: id)) }
            }
            while let (id, variables) = try await group.next() {
                result[id] = variables
                if let next = pending.popFirst() {
                    group.addTask { (next, try await provider.listEnvVars(serviceId: next)) }
                }
            }
            return result
        }
    }

    /// The workspace to plan in: the blueprint's owner when the API key sees it; else, when
    /// `fallbackToFirst` (the sandbox), the first workspace; else an error listing what it sees.
    public func resolveOwner(_ desired: ResolvedEnvironment, fallbackToFirst: Bool) async throws -> String {
        let owners = try await provider.listOwners()
        if let wanted = desired.owner, owners.contains(where: { $0.id == wanted }) { return wanted }
        if (fallbackToFirst || desired.owner == nil), owners.count >= 1, fallbackToFirst || owners.count == 1 { return owners[0].id }
        let seen = owners.map { "\($0.id) (\($0.name))" }.joined(separator: ", ")
        throw ApplyError(address: "provider.render.owner",
                         message: desired.owner.map { "workspace \($0) is not one this API key can see (it sees: \(seen))" }
                             ?? "the blueprint names no owner and the API key sees \(owners.count) workspaces: \(seen)")
    }
}
