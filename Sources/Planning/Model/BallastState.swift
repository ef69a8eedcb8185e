/// What Ballast manages in one environment: resource IDs, last applied values, a serial and a lineage.
///
/// Stored by a state store in `Hosting` (a JSON file under `.ballast/`, locked while applying).
/// `serial` grows with every write; `lineage` names the history and never changes.
///
/// ```swift
/// var state = BallastState(lineage: UUID().uuidString, project: "qc-platform", environment: "production")
/// state.record(change, id: "srv-…")
/// ```
public struct BallastState: Sendable, Equatable, Codable {
    public static let currentVersion = 1

    public var version: Int
    public var lineage: String
    public var serial: Int
    public var project: String
    public var environment: String
    public var resources: [StateResource]

    public init(lineage: String, project: String, environment: String) {
        self.version = Self.currentVersion
        self.lineage = lineage
        self.serial = 0
        self.project = project
        self.environment = environment
        self.resources = []
    }

    public func resource(_ kind: ResourceKind, _ name: String) -> StateResource? {
        resources.first { $0.kind == kind && $0.name == name }
    }

    /// Records that a change was carried out: the resource now has `id` and the change's `after` values.
    public mutating func record(_ change: ResourceChange, id: String?, updatedAt: String? = nil) {
        let index = resources.firstIndex { $0.kind == change.kind && $0.name == change.name }
        guard change.action != .delete, let id, let after = change.after else {
            if let index { resources.remove(at: index) }
            return
        }
        let resource = StateResource(kind: change.kind, name: change.name, id: id, values: after,
                                     protect: change.protect, updatedAt: updatedAt,
                                     envFingerprint: StateResource.envFingerprint(after),
                                     countManaged: change.controllerManagedCount)
        if let index { resources[index] = resource } else { resources.append(resource) }
    }

    /// Datastores first, then by name: a stable file to diff.
    public mutating func sortResources() {
        resources.sort { ($0.kind.order, $0.name) < ($1.kind.order, $1.name) }
    }

    /// Records the provider's last-modified stamp of a service (lets the next plan skip its env-var read).
    public mutating func recordUpdatedAt(_ updatedAt: String?, kind: ResourceKind, name: String) {
        guard let index = resources.firstIndex(where: { $0.kind == kind && $0.name == name }) else { return }
        resources[index].updatedAt = updatedAt
    }
}

/// One managed resource in the state.
public struct StateResource: Sendable, Equatable, Codable {
    public var kind: ResourceKind
    public var name: String
    public var id: String
    /// The values last applied (secrets as digests).
    public var values: [Attribute]
    public var protect: Bool
    /// The provider's `updatedAt` right after the last apply; when it has not moved, nothing changed outside.
    public var updatedAt: String?
    /// Digest of the env vars last applied.
    public var envFingerprint: String?
    /// The controller, not the blueprint, decides the instance count (drift in it is not reported).
    public var countManaged: Bool

    public init(kind: ResourceKind, name: String, id: String, values: [Attribute], protect: Bool = false,
                updatedAt: String? = nil, envFingerprint: String? = nil, countManaged: Bool = false) {
        self.kind = kind
        self.name = name
        self.id = id
        self.values = values
        self.protect = protect
        self.updatedAt = updatedAt
        self.envFingerprint = envFingerprint
        self.countManaged = countManaged
    }

    public var address: String { "\(kind.rawValue).\(name)" }

    /// Digest of the `env.*` attributes of a resource.
    public static func envFingerprint(_ attributes: [Attribute]) -> String {
        let lines = attributes.filter { $0.name.hasPrefix("env.") }.map { "\($0.name)=\($0.value)" }.sorted()
        return SHA256.hex(lines.joined(separator: "\n"))
    }
}
