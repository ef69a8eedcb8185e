import Blueprint

extension Planner {
    /// The working set of one planning run.
    struct Context {
        let input: PlanInput
        let index: PlanIndex
        var changes: [ResourceChange] = []
        var warnings: [String] = []
        var errors: [String] = []

        init(input: PlanInput) {
            self.input = input
            self.index = PlanIndex(state: input.state, actual: input.actual, desired: input.desired)
        }

        var state: BallastState? { input.state }
        var catalog: Catalog { input.catalog }

        /// The live service a name refers to: the state's ID first, else the same name in the workspace.
        func liveService(named name: String) -> (live: LiveService, managed: Bool)? {
            if let record = index.record(.service, name), let live = index.service(id: record.id) {
                return (live, true)
            }
            let candidates = index.services(named: name).filter { input.actual.ownerId == nil || $0.ownerId == input.actual.ownerId }
            return candidates.first.map { ($0, false) }
        }

        func liveDatastore(_ kind: ResourceKind, named name: String) -> (live: LiveDatastore, managed: Bool)? {
            if let record = index.record(kind, name), let live = index.datastore(id: record.id) {
                return (live, true)
            }
            let candidates = input.actual.datastores.filter {
                ResourceKind($0.type) == kind && $0.name == name && (input.actual.ownerId == nil || $0.ownerId == input.actual.ownerId)
            }
            return candidates.first.map { ($0, false) }
        }

        /// Resources in the state that the blueprint no longer declares.
        mutating func planRemovals() {
            for record in state?.resources ?? [] {
                let declared: Bool
                switch record.kind {
                case .service: declared = index.desiredService(named: record.name) != nil
                case .keyvalue, .postgres: declared = input.desired.datastores.contains { $0.isManaged && ResourceKind($0.type) == record.kind && $0.name == record.name }
                }
                guard !declared else { continue }
                let before: [Attribute]?
                var monthly = 0.0
                if record.kind == .service {
                    guard let live = index.service(id: record.id) else { continue }
                    before = serviceAttributes(live, env: input.actual.envVars[live.id], record: record)
                    monthly = liveMonthly(live)
                } else {
                    guard let live = index.datastore(id: record.id) else { continue }
                    before = datastoreAttributes(live)
                    monthly = liveMonthly(live)
                }
                if record.protect {
                    errors.append("\(record.address) has protect: true and is no longer in the blueprint; Ballast refuses to destroy it (remove it from the state by hand or put it back).")
                    continue
                }
                guard input.options.allowDelete else {
                    warnings.append("\(record.address) is no longer in the blueprint; pass --allow-delete to destroy it.")
                    continue
                }
                var change = ResourceChange(kind: record.kind, name: record.name, action: .delete, id: record.id, before: before, after: nil,
                                            reasons: ["not in the blueprint (--allow-delete)"],
                                            operations: [record.kind == .service ? .deleteService : .deleteDatastore],
                                            controllerManagedCount: record.countManaged, monthlyBefore: monthly, monthlyAfter: 0)
                change.protect = record.protect
                changes.append(change)
            }
        }

        /// Drift: what changed outside Ballast since the last apply (state vs actual).
        func drift() -> [ResourceChange] {
            var found: [ResourceChange] = []
            for record in state?.resources ?? [] {
                let current: [Attribute]?
                if record.kind == .service {
                    current = index.service(id: record.id).map {
                        serviceAttributes($0, env: input.actual.envVars[$0.id], record: record)
                    }
                } else {
                    current = index.datastore(id: record.id).map(datastoreAttributes)
                }
                guard let current else {
                    found.append(ResourceChange(kind: record.kind, name: record.name, action: .delete, id: record.id,
                                                before: record.values, after: nil, reasons: ["has been deleted outside Ballast"]))
                    continue
                }
                let ignored: Set<String> = record.countManaged ? ["instances"] : []
                // Values only known after apply (a generated env var) cannot have drifted.
                let unknown = Set(record.values.filter { $0.value == .unknown }.map(\.name))
                let recorded = record.values.filter { !ignored.contains($0.name) && !unknown.contains($0.name) }
                let seen = current.filter { attribute in
                    !ignored.contains(attribute.name) && !unknown.contains(attribute.name)
                        && (recorded[named: attribute.name] != nil || attribute.name.hasPrefix("env."))
                }
                guard Set(recorded) != Set(seen) else { continue }
                found.append(ResourceChange(kind: record.kind, name: record.name, action: .update, id: record.id,
                                            before: recorded, after: seen, reasons: ["has changed outside Ballast"],
                                            controllerManagedCount: record.countManaged))
            }
            return found
        }

        // MARK: Prices

        func liveMonthly(_ live: LiveService) -> Double {
            let price = catalog.monthlyPrice(ofPlan: live.plan) ?? 0
            guard live.type.isScalable else { return price }
            let count = live.autoscaling?.enabled == true ? (live.autoscaling?.min ?? live.numInstances) : live.numInstances
            return price * Double(count)
        }

        func liveMonthly(_ live: LiveDatastore) -> Double {
            var spec = DatastoreSpec(name: live.name, type: live.type, plan: live.plan)
            spec.storageGB = live.diskSizeGB
            return catalog.monthlyPrice(of: spec) ?? 0
        }
    }
}
