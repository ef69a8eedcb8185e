import Foundation

/// Key Value, Postgres and owners, at the wire level.
extension Sandbox {
    static let keyValuePlans = ["free", "starter", "standard", "pro", "pro_plus", "custom"]
    static let maxmemoryPolicies = ["noeviction", "allkeys_lfu", "allkeys_lru", "allkeys_random", "volatile_lfu", "volatile_lru",
                                    "volatile_random", "volatile_ttl"]
    static let postgresPlans = ["free", "starter", "standard", "pro", "pro_plus", "custom", "basic_256mb", "basic_1gb", "basic_4gb",
                                "pro_4gb", "pro_8gb", "pro_16gb", "pro_32gb", "pro_64gb", "pro_128gb", "pro_192gb", "pro_256gb",
                                "pro_384gb", "pro_512gb", "accelerated_16gb", "accelerated_32gb", "accelerated_64gb",
                                "accelerated_128gb", "accelerated_256gb", "accelerated_384gb", "accelerated_512gb",
                                "accelerated_768gb", "accelerated_1024gb"]
    static let postgresVersions = ["11", "12", "13", "14", "15", "16", "17", "18"]

    struct DatastoreListFilter {
        var names: [String] = []
        var ownerIds: [String] = []
        var regions: [String] = []

        func matches(name: String, ownerId: String, region: String) -> Bool {
            (names.isEmpty || names.contains(name)) && (ownerIds.isEmpty || ownerIds.contains(ownerId))
                && (regions.isEmpty || regions.contains(region))
        }
    }

    // MARK: Owners

    func wireOwners(names: [String], emails: [String], limit: Int?, cursor: String?) throws -> [RenderOwnerWithCursor] {
        try store.read { state in
            let owners = state.owners.enumerated().filter { (names.isEmpty || names.contains($0.element.name)) && (emails.isEmpty || emails.contains($0.element.email)) }
            return try SandboxIDs.page(owners, seq: { $0.offset + 1 }, limit: limit, cursor: cursor)
                .map { RenderOwnerWithCursor(owner: $0.0.element, cursor: $0.1) }
        }
    }

    func wireOwner(id: String) throws -> RenderOwner {
        try store.read { state in
            guard let owner = state.owners.first(where: { $0.id == id }) else { throw SandboxFailure.notFound(id) }
            return owner
        }
    }

    // MARK: Key Value

    func wireListKeyValues(_ filter: DatastoreListFilter, limit: Int?, cursor: String?) throws -> [RenderKeyValueWithCursor] {
        let now = self.now
        return try store.read { state in
            let matching = state.keyValues.filter { filter.matches(name: $0.keyValue.name, ownerId: $0.keyValue.owner.id, region: $0.keyValue.region) }
            return try SandboxIDs.page(matching, seq: \.seq, limit: limit, cursor: cursor)
                .map { RenderKeyValueWithCursor(keyValue: Self.present($0.0, now: now), cursor: $0.1) }
        }
    }

    func wireKeyValue(id: String) throws -> RenderKeyValue {
        let now = self.now
        return try store.read { state in
            guard let record = state.keyValues.first(where: { $0.keyValue.id == id }) else { throw SandboxFailure.notFound(id) }
            return Self.present(record, now: now)
        }
    }

    func wireCreateKeyValue(_ body: RenderKeyValuePOST) throws -> RenderKeyValue {
        let now = self.now
        let name = body.name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw SandboxFailure.badRequest("name must not be empty") }
        guard Self.keyValuePlans.contains(body.plan) else { throw SandboxFailure.badRequest("invalid plan: \(body.plan)") }
        let region = body.region ?? "oregon"
        guard Self.regions.contains(region) else { throw SandboxFailure.badRequest("invalid region: \(region)") }
        if let policy = body.maxmemoryPolicy, !Self.maxmemoryPolicies.contains(policy) {
            throw SandboxFailure.badRequest("invalid maxmemoryPolicy: \(policy)")
        }
        return try store.write { state in
            guard let owner = state.owners.first(where: { $0.id == body.ownerId }) else {
                throw SandboxFailure.notFound(body.ownerId)
            }
            if state.keyValues.contains(where: { $0.keyValue.owner.id == owner.id && $0.keyValue.name == name }) {
                throw SandboxFailure(409, "a Key Value instance named \(name) already exists in this workspace")
            }
            let id = SandboxIDs.make("red")
            let stamp = RenderJSON.formatDate(now)
            let keyValue = RenderKeyValue(
                id: id, createdAt: stamp, updatedAt: stamp, status: "creating", region: region, plan: body.plan, name: name,
                owner: owner, options: .init(maxmemoryPolicy: body.maxmemoryPolicy ?? "allkeys_lru"),
                ipAllowList: body.ipAllowList ?? [], environmentId: body.environmentId, version: "8.1.4",
                dashboardUrl: "https://dashboard.render.com/r/\(id)")
            let record = KeyValueRecord(seq: state.nextSequence(), keyValue: keyValue, readyAt: now.addingTimeInterval(options.bootDelay))
            state.keyValues.append(record)
            return Self.present(record, now: now)
        }
    }

    func wireUpdateKeyValue(id: String, _ patch: RenderKeyValuePATCH) throws -> RenderKeyValue {
        let now = self.now
        if let plan = patch.plan, !Self.keyValuePlans.contains(plan) { throw SandboxFailure.badRequest("invalid plan: \(plan)") }
        if let policy = patch.maxmemoryPolicy, !Self.maxmemoryPolicies.contains(policy) {
            throw SandboxFailure.badRequest("invalid maxmemoryPolicy: \(policy)")
        }
        return try store.write { state in
            guard let index = state.keyValues.firstIndex(where: { $0.keyValue.id == id }) else { throw SandboxFailure.notFound(id) }
            var record = state.keyValues[index]
            if let name = patch.name {
                if name != record.keyValue.name, state.keyValues.contains(where: { $0.keyValue.owner.id == record.keyValue.owner.id && $0.keyValue.name == name }) {
                    throw SandboxFailure(409, "a Key Value instance named \(name) already exists in this workspace")
                }
                record.keyValue.name = name
            }
            if let plan = patch.plan { record.keyValue.plan = plan }
            if let policy = patch.maxmemoryPolicy { record.keyValue.options.maxmemoryPolicy = policy }
            if let list = patch.ipAllowList { record.keyValue.ipAllowList = list }
            record.keyValue.updatedAt = RenderJSON.formatDate(now)
            state.keyValues[index] = record
            return Self.present(record, now: now)
        }
    }

    func wireDeleteKeyValue(id: String) throws {
        try store.write { state in
            guard let index = state.keyValues.firstIndex(where: { $0.keyValue.id == id }) else { throw SandboxFailure.notFound(id) }
            state.keyValues.remove(at: index)
        }
    }

    // MARK: Postgres

    func wireListPostgres(_ filter: DatastoreListFilter, limit: Int?, cursor: String?) throws -> [RenderPostgresWithCursor] {
        let now = self.now
        return try store.read { state in
            let matching = state.postgres.filter { filter.matches(name: $0.postgres.name, ownerId: $0.postgres.owner.id, region: $0.postgres.region) }
            return try SandboxIDs.page(matching, seq: \.seq, limit: limit, cursor: cursor)
                .map { RenderPostgresWithCursor(postgres: Self.present($0.0, now: now), cursor: $0.1) }
        }
    }

    func wirePostgres(id: String) throws -> RenderPostgres {
        let now = self.now
        return try store.read { state in
            guard let record = state.postgres.first(where: { $0.postgres.id == id }) else { throw SandboxFailure.notFound(id) }
            return Self.present(record, now: now)
        }
    }

    func wireCreatePostgres(_ body: RenderPostgresPOST) throws -> RenderPostgres {
        let now = self.now
        let name = body.name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw SandboxFailure.badRequest("name must not be empty") }
        guard Self.postgresPlans.contains(body.plan) else { throw SandboxFailure.badRequest("invalid plan: \(body.plan)") }
        guard Self.postgresVersions.contains(body.version) else { throw SandboxFailure.badRequest("invalid version: \(body.version)") }
        let region = body.region ?? "oregon"
        guard Self.regions.contains(region) else { throw SandboxFailure.badRequest("invalid region: \(region)") }
        if let size = body.diskSizeGB, size < 1 { throw SandboxFailure.badRequest("diskSizeGB must be at least 1") }
        return try store.write { state in
            guard let owner = state.owners.first(where: { $0.id == body.ownerId }) else { throw SandboxFailure.notFound(body.ownerId) }
            if state.postgres.contains(where: { $0.postgres.owner.id == owner.id && $0.postgres.name == name }) {
                throw SandboxFailure(409, "a Postgres instance named \(name) already exists in this workspace")
            }
            let id = SandboxIDs.make("dpg")
            let stamp = RenderJSON.formatDate(now)
            let snake = Self.slug(name).replacingOccurrences(of: "-", with: "_")
            let postgres = RenderPostgres(
                id: id, ipAllowList: body.ipAllowList ?? [], createdAt: stamp, updatedAt: stamp,
                databaseName: body.databaseName ?? snake, databaseUser: body.databaseUser ?? "\(snake)_user",
                environmentId: body.environmentId, highAvailabilityEnabled: body.enableHighAvailability ?? false, name: name,
                owner: owner, project: state.project, plan: body.plan, diskSizeGB: body.diskSizeGB ?? 15, region: region,
                readReplicas: [], role: "primary", status: "creating", version: body.version, suspended: "not_suspended",
                suspenders: [], dashboardUrl: "https://dashboard.render.com/d/\(id)",
                diskAutoscalingEnabled: body.enableDiskAutoscaling ?? false)
            let record = PostgresRecord(seq: state.nextSequence(), postgres: postgres, readyAt: now.addingTimeInterval(options.bootDelay))
            state.postgres.append(record)
            return Self.present(record, now: now)
        }
    }

    func wireUpdatePostgres(id: String, _ patch: RenderPostgresPATCH) throws -> RenderPostgres {
        let now = self.now
        if let plan = patch.plan, !Self.postgresPlans.contains(plan) { throw SandboxFailure.badRequest("invalid plan: \(plan)") }
        return try store.write { state in
            guard let index = state.postgres.firstIndex(where: { $0.postgres.id == id }) else { throw SandboxFailure.notFound(id) }
            var record = state.postgres[index]
            if let name = patch.name {
                if name != record.postgres.name, state.postgres.contains(where: { $0.postgres.owner.id == record.postgres.owner.id && $0.postgres.name == name }) {
                    throw SandboxFailure(409, "a Postgres instance named \(name) already exists in this workspace")
                }
                record.postgres.name = name
            }
            if let plan = patch.plan { record.postgres.plan = plan }
            if let size = patch.diskSizeGB {
                guard size >= (record.postgres.diskSizeGB ?? 0) else {
                    throw SandboxFailure.badRequest("diskSizeGB cannot shrink (is \(record.postgres.diskSizeGB ?? 0))")
                }
                record.postgres.diskSizeGB = size
            }
            if let value = patch.enableDiskAutoscaling { record.postgres.diskAutoscalingEnabled = value }
            if let value = patch.enableHighAvailability { record.postgres.highAvailabilityEnabled = value }
            if let list = patch.ipAllowList { record.postgres.ipAllowList = list }
            record.postgres.updatedAt = RenderJSON.formatDate(now)
            state.postgres[index] = record
            return Self.present(record, now: now)
        }
    }

    func wireDeletePostgres(id: String) throws {
        try store.write { state in
            guard let index = state.postgres.firstIndex(where: { $0.postgres.id == id }) else { throw SandboxFailure.notFound(id) }
            state.postgres.remove(at: index)
        }
    }

    static func present(_ record: KeyValueRecord, now: Date) -> RenderKeyValue {
        var keyValue = record.keyValue
        keyValue.status = now >= record.readyAt ? "available" : "creating"
        return keyValue
    }

    static func present(_ record: PostgresRecord, now: Date) -> RenderPostgres {
        var postgres = record.postgres
        postgres.status = now >= record.readyAt ? "available" : "creating"
        return postgres
    }
}
