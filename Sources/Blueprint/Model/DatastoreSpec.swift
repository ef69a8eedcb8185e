/// Kinds of datastore: Render's Key Value and Postgres, or one hosted elsewhere (Supabase).
public enum DatastoreType: String, Sendable, Codable, CaseIterable {
    case keyvalue, postgres, external
}

/// One datastore of an environment after overlays.
public struct DatastoreSpec: Sendable, Equatable {
    public var name: String
    public var type: DatastoreType
    /// Plan as the API spells it (`starter`, `basic_1gb`); for external ones the vendor's plan.
    public var plan: String
    public var region: String?
    /// The most client connections it accepts; from the blueprint or the catalog.
    public var maxConnections: Int?
    /// External services: vendor (`supabase`), compute size, and a declared monthly price.
    public var vendor: String?
    public var compute: String?
    public var monthly: Double?
    /// Postgres storage.
    public var storageGB: Int?
    public var version: String?
    public var maxmemoryPolicy: String?
    public var protect: Bool
    public var mark: SourceMark?

    public init(name: String, type: DatastoreType, plan: String) {
        self.name = name
        self.type = type
        self.plan = plan
        self.protect = false
    }

    /// True for the datastores Render hosts and Ballast creates.
    public var isManaged: Bool { type != .external }
}
