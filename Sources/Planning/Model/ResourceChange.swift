import Blueprint

/// What kind of resource a change is about; the first half of its address (`service.backend-api`).
public enum ResourceKind: String, Sendable, Codable, CaseIterable {
    case keyvalue, postgres, service

    public init(_ type: DatastoreType) {
        self = type == .postgres ? .postgres : .keyvalue
    }

    public var datastoreType: DatastoreType? {
        switch self {
        case .keyvalue: return .keyvalue
        case .postgres: return .postgres
        case .service: return nil
        }
    }

    /// Datastores come before the services that use them.
    public var order: Int {
        switch self {
        case .keyvalue: return 0
        case .postgres: return 1
        case .service: return 2
        }
    }
}

/// One field that differs between the actual and the desired resource.
public struct FieldDiff: Sendable, Equatable, Codable {
    public var name: String
    /// Nil when the field appears.
    public var before: PlanValue?
    /// Nil when the field goes away.
    public var after: PlanValue?
    public var sensitive: Bool
    /// Region, type and runtime cannot change in place: the resource is replaced.
    public var forcesReplacement: Bool
}

/// What a plan will do to one resource, how, why, and what it does to the monthly bill.
///
/// `before` is the actual resource as the provider reported it (nil when it does not exist yet);
/// `after` is what it will be. ``operations`` are the provider calls that carry the change out,
/// in order, following Render's quirks (count through `/scale`, autoscaling through `/autoscaling`,
/// env vars through `/env-vars`).
public struct ResourceChange: Sendable, Equatable, Codable {
    public enum Action: String, Sendable, Codable, CaseIterable {
        case create, update, scale, replace, delete
        /// Adopt an existing resource of the same name that Ballast does not manage yet.
        case `import`
        case noOp = "no-op"

        /// Terraform's JSON spelling.
        public var jsonActions: [String] {
            switch self {
            case .create: return ["create"]
            case .update, .scale: return ["update"]
            case .replace: return ["delete", "create"]
            case .delete: return ["delete"]
            case .import, .noOp: return ["no-op"]
            }
        }
    }

    public var kind: ResourceKind
    public var name: String
    public var action: Action
    /// The provider's ID of the existing resource; nil for creates.
    public var id: String?
    public var before: [Attribute]?
    public var after: [Attribute]?
    /// Fields whose change forces the replacement.
    public var replaceFields: [String]
    /// Why the change is planned, in words (`scaling.min is 2`, `not in the blueprint`).
    public var reasons: [String]
    public var operations: [ChangeStep]
    /// Whether the controller (not the blueprint) decides this service's instance count.
    public var controllerManagedCount: Bool
    public var monthlyBefore: Double
    public var monthlyAfter: Double
    /// An import that also needs field changes.
    public var importWithUpdate: Bool
    /// `protect: true`: never destroyed.
    public var protect: Bool

    public init(kind: ResourceKind, name: String, action: Action, id: String? = nil, before: [Attribute]?, after: [Attribute]?,
                replaceFields: [String] = [], reasons: [String] = [], operations: [ChangeStep] = [],
                controllerManagedCount: Bool = false, monthlyBefore: Double = 0, monthlyAfter: Double = 0) {
        self.kind = kind
        self.name = name
        self.action = action
        self.id = id
        self.before = before
        self.after = after
        self.replaceFields = replaceFields
        self.reasons = reasons
        self.operations = operations
        self.controllerManagedCount = controllerManagedCount
        self.monthlyBefore = monthlyBefore
        self.monthlyAfter = monthlyAfter
        self.importWithUpdate = false
        self.protect = false
    }

    public var address: String { "\(kind.rawValue).\(name)" }
    public var monthlyDelta: Double { monthlyAfter - monthlyBefore }
    public var isChange: Bool { action != .noOp }

    /// Field-level differences, in the order of `after` then fields that go away.
    public var diffs: [FieldDiff] {
        let old = before ?? []
        let new = after ?? []
        var result: [FieldDiff] = []
        for attribute in new {
            let previous = old[named: attribute.name]
            if previous?.value == attribute.value && previous?.sensitive == attribute.sensitive && before != nil { continue }
            result.append(FieldDiff(name: attribute.name, before: before == nil ? nil : previous?.value, after: attribute.value,
                                    sensitive: attribute.sensitive || (previous?.sensitive ?? false),
                                    forcesReplacement: replaceFields.contains(attribute.name)))
        }
        if after != nil {
            for attribute in old where new[named: attribute.name] == nil {
                result.append(FieldDiff(name: attribute.name, before: attribute.value, after: nil, sensitive: attribute.sensitive, forcesReplacement: false))
            }
        }
        return result
    }
}

/// An environment variable as apply will set it: the value itself only for plain values.
public enum PlannedEnvValue: Sendable, Equatable, Codable {
    case plain(String)
    /// Read from the process environment (`NAME`) when apply runs; never stored.
    case secret(String)
    /// Render generates it at creation.
    case generated
    /// Keep the value the service has now (a generated value, or a secret not set where plan ran).
    case keep
}

public struct PlannedEnvVar: Sendable, Equatable, Codable {
    public var key: String
    public var value: PlannedEnvValue

    public init(key: String, value: PlannedEnvValue) {
        self.key = key
        self.value = value
    }
}

/// Everything needed to create a service.
public struct PlannedService: Sendable, Equatable, Codable {
    public var name: String
    public var type: ServiceType
    public var runtime: String
    public var plan: String
    public var region: String
    public var numInstances: Int
    public var autoscaling: AutoscalingConfig?
    public var healthCheckPath: String?
    public var repo: String?
    public var branch: String?
    public var buildCommand: String?
    public var startCommand: String?
    public var image: String?
    public var schedule: String?
    public var env: [PlannedEnvVar]
}

/// Fields of a service to change in place (`PATCH /services/{id}`); nil means unchanged.
public struct ServicePatch: Sendable, Equatable, Codable {
    public var plan: String?
    public var healthCheckPath: String?
    public var repo: String?
    public var branch: String?
    public var buildCommand: String?
    public var startCommand: String?
    public var image: String?
    public var schedule: String?

    public init() {}

    public var isEmpty: Bool { self == ServicePatch() }
}

/// Everything needed to create a Key Value or Postgres instance.
public struct PlannedDatastore: Sendable, Equatable, Codable {
    public var name: String
    public var type: DatastoreType
    public var plan: String
    public var region: String
    public var version: String?
    public var diskSizeGB: Int?
    public var maxmemoryPolicy: String?
}

/// Fields of a datastore to change in place; nil means unchanged.
public struct DatastorePatch: Sendable, Equatable, Codable {
    public var plan: String?
    public var maxmemoryPolicy: String?
    public var diskSizeGB: Int?

    public init() {}

    public var isEmpty: Bool { self == DatastorePatch() }
}

/// One provider call of a change. The executor in `Hosting` performs them in order.
public enum ChangeStep: Sendable, Equatable, Codable {
    case createService(PlannedService)
    case updateService(ServicePatch)
    /// `POST /services/{id}/scale`.
    case scale(Int)
    /// `PUT /services/{id}/autoscaling`.
    case setAutoscaling(AutoscalingConfig)
    /// `DELETE /services/{id}/autoscaling`: the controller decides the count instead.
    case disableAutoscaling
    /// `PUT /services/{id}/env-vars`: the whole set.
    case setEnvVars([PlannedEnvVar])
    case deleteService
    case createDatastore(PlannedDatastore)
    case updateDatastore(DatastorePatch)
    case deleteDatastore

    /// A short name for progress lines.
    public var label: String {
        switch self {
        case .createService: return "create"
        case .updateService: return "update"
        case .scale(let count): return "scale to \(count)"
        case .setAutoscaling: return "configure autoscaling"
        case .disableAutoscaling: return "turn native autoscaling off"
        case .setEnvVars: return "set env vars"
        case .deleteService: return "delete"
        case .createDatastore: return "create"
        case .updateDatastore: return "update"
        case .deleteDatastore: return "delete"
        }
    }
}
