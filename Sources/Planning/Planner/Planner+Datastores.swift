import Blueprint

extension Planner.Context {
    /// Key Value eviction policies: the blueprint writes `allkeys-lru`, the API `allkeys_lru`.
    static func apiPolicy(_ policy: String?) -> String? {
        policy.map { $0.replacingOccurrences(of: "-", with: "_") }
    }

    func datastoreAttributes(_ live: LiveDatastore) -> [Attribute] {
        var attributes: [Attribute] = [
            Attribute("plan", .string(live.plan)),
            Attribute("region", .string(live.region)),
        ]
        if let version = live.version, live.type == .postgres { attributes.append(Attribute("version", .string(version))) }
        if let size = live.diskSizeGB { attributes.append(Attribute("disk_size_gb", .int(size))) }
        if let policy = live.maxmemoryPolicy { attributes.append(Attribute("maxmemory_policy", .string(policy))) }
        return attributes
    }

    mutating func planDatastore(_ spec: DatastoreSpec) {
        let kind = ResourceKind(spec.type)
        let region = spec.region ?? input.desired.region
        let policy = Self.apiPolicy(spec.maxmemoryPolicy)
        let monthlyAfter = catalog.monthlyPrice(of: spec) ?? 0
        var after: [Attribute] = [Attribute("plan", .string(spec.plan)), Attribute("region", .string(region))]
        let record = index.record(kind, spec.name)

        guard let (live, managed) = liveDatastore(kind, named: spec.name) else {
            if spec.type == .postgres, let version = spec.version { after.append(Attribute("version", .string(version))) }
            if let size = spec.storageGB, spec.type == .postgres { after.append(Attribute("disk_size_gb", .int(size))) }
            if let policy, spec.type == .keyvalue { after.append(Attribute("maxmemory_policy", .string(policy))) }
            let planned = PlannedDatastore(name: spec.name, type: spec.type, plan: spec.plan, region: region, version: spec.version,
                                           diskSizeGB: spec.storageGB, maxmemoryPolicy: policy)
            var change = ResourceChange(kind: kind, name: spec.name, action: .create, before: nil, after: after,
                                        reasons: record.map { ["\(spec.name) (\($0.id)) was deleted outside Ballast"] } ?? [],
                                        operations: [.createDatastore(planned)], monthlyAfter: monthlyAfter)
            change.protect = spec.protect
            changes.append(change)
            return
        }

        let before = datastoreAttributes(live)
        var patch = DatastorePatch()
        if spec.plan != live.plan { patch.plan = spec.plan }
        if let version = live.version, spec.type == .postgres { after.append(Attribute("version", .string(spec.version ?? version))) }
        if spec.type == .postgres, let size = spec.storageGB ?? live.diskSizeGB {
            after.append(Attribute("disk_size_gb", .int(size)))
            if size != live.diskSizeGB { patch.diskSizeGB = size }
        }
        if spec.type == .keyvalue, let value = policy ?? live.maxmemoryPolicy {
            after.append(Attribute("maxmemory_policy", .string(value)))
            if value != live.maxmemoryPolicy { patch.maxmemoryPolicy = value }
        }
        var change = ResourceChange(kind: kind, name: spec.name, action: .noOp, id: live.id, before: before, after: after,
                                    monthlyBefore: liveMonthly(live), monthlyAfter: monthlyAfter)
        change.protect = spec.protect
        var replaceFields = ["region"].filter { before[named: $0]?.value != after[named: $0]?.value }
        if let version = spec.version, let current = live.version, version != current, spec.type == .postgres { replaceFields.append("version") }

        if !replaceFields.isEmpty {
            guard managed else {
                errors.append("\(change.address): one of that name exists (\(live.id)) in region \(live.region); Ballast does not manage it and will not replace it.")
                return
            }
            if spec.protect || !input.options.allowDelete {
                errors.append("\(change.address): changing \(replaceFields.joined(separator: ", ")) replaces it and loses its data; " +
                              (spec.protect ? "it has protect: true, which refuses that." : "pass --allow-delete to accept it."))
                return
            }
            change.action = .replace
            change.replaceFields = replaceFields
            change.reasons = replaceFields.map { "\($0) cannot change in place" }
            change.operations = [.deleteDatastore, .createDatastore(PlannedDatastore(name: spec.name, type: spec.type, plan: spec.plan, region: region,
                                                                                     version: spec.version, diskSizeGB: spec.storageGB, maxmemoryPolicy: policy))]
            changes.append(change)
            return
        }
        if !patch.isEmpty {
            change.operations = [.updateDatastore(patch)]
            change.reasons = ["\(before[named: "plan"] == after[named: "plan"] ? "settings" : "plan") differ from the blueprint"]
        }
        if !managed {
            change.action = .import
            change.importWithUpdate = !patch.isEmpty
            change.reasons.insert("a \(kind.rawValue) named \(spec.name) exists (\(live.id)) and Ballast does not manage it yet: adopted, not duplicated", at: 0)
        } else {
            change.action = patch.isEmpty ? .noOp : .update
        }
        changes.append(change)
    }
}
