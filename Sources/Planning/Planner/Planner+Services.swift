import Blueprint

extension Planner {
    /// The env vars a service should have, as attributes (secrets as digests), and how apply sets them.
    static func desiredEnvAttributes(_ spec: ServiceSpec, live: [LiveEnvVar]?, secrets: [String: String])
        -> (attributes: [Attribute], planned: [PlannedEnvVar], warnings: [String]) {
        var attributes: [Attribute] = []
        var planned: [PlannedEnvVar] = []
        var warnings: [String] = []
        let current = live.map { Dictionary($0.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first }) }
        for variable in spec.env.sorted(by: { $0.key < $1.key }) {
            let name = "env." + variable.key
            switch variable.value {
            case .plain(let value):
                attributes.append(Attribute(name, .string(value)))
                planned.append(PlannedEnvVar(key: variable.key, value: .plain(value)))
            case .secret(let secret):
                if let value = secrets[secret] {
                    attributes.append(Attribute(name, .digest(of: value), sensitive: true))
                    planned.append(PlannedEnvVar(key: variable.key, value: .secret(secret)))
                } else if let existing = current?[variable.key] {
                    attributes.append(Attribute(name, .digest(of: existing), sensitive: true))
                    planned.append(PlannedEnvVar(key: variable.key, value: .keep))
                    warnings.append("service.\(spec.name): secret \(secret) is not set here; \(variable.key) keeps its current value.")
                } else {
                    attributes.append(Attribute(name, .unknown, sensitive: true))
                    planned.append(PlannedEnvVar(key: variable.key, value: .secret(secret)))
                    warnings.append("service.\(spec.name): secret \(secret) is not set here; apply needs it in its environment to set \(variable.key).")
                }
            case .generated:
                if let existing = current?[variable.key] {
                    attributes.append(Attribute(name, .digest(of: existing), sensitive: true))
                    planned.append(PlannedEnvVar(key: variable.key, value: .keep))
                } else {
                    attributes.append(Attribute(name, .unknown, sensitive: true))
                    planned.append(PlannedEnvVar(key: variable.key, value: .generated))
                }
            }
        }
        return (attributes, planned, warnings)
    }

    static func autoscalingText(_ config: AutoscalingConfig?) -> String {
        guard let config, config.enabled else { return "off" }
        var targets: [String] = []
        if config.cpu.enabled { targets.append("cpu \(config.cpu.percentage)%") }
        if config.memory.enabled { targets.append("memory \(config.memory.percentage)%") }
        return "\(config.min)..\(config.max)" + (targets.isEmpty ? "" : " " + targets.joined(separator: ", "))
    }

    static func nativeAutoscaling(_ scaling: ScalingSpec) -> AutoscalingConfig {
        let cpu = scaling.targetCPUPercent
        let memory = scaling.targetMemoryPercent
        return AutoscalingConfig(enabled: true, min: scaling.min, max: scaling.max,
                                 cpu: .init(enabled: cpu != nil || memory == nil, percentage: cpu ?? 70),
                                 memory: .init(enabled: memory != nil, percentage: memory ?? 70))
    }
}

extension Planner.Context {
    static let immutableServiceFields: Set<String> = ["type", "region", "runtime"]

    /// A live service as attributes. Env vars come from `env` when read, else from the state's last
    /// applied values (the read was skipped because nothing moved).
    func serviceAttributes(_ live: LiveService, env: [LiveEnvVar]?, record: StateResource?) -> [Attribute] {
        var attributes: [Attribute] = [
            Attribute("type", .string(live.type.rawValue)),
            Attribute("runtime", .string(live.runtime)),
            Attribute("plan", .string(live.plan)),
            Attribute("region", .string(live.region)),
        ]
        if live.type.isScalable {
            attributes.append(Attribute("instances", .int(live.numInstances)))
            attributes.append(Attribute("autoscaling", .string(Planner.autoscalingText(live.autoscaling))))
        }
        let optional: [(String, String?)] = [
            ("health_check_path", live.healthCheckPath), ("repo", live.repo), ("branch", live.branch),
            ("build_command", live.buildCommand), ("start_command", live.startCommand), ("image", live.image), ("schedule", live.schedule),
        ]
        for (name, value) in optional {
            if let value, !value.isEmpty { attributes.append(Attribute(name, .string(value))) }
        }
        if let env {
            let spec = index.desiredService(named: live.name)
            for variable in env.sorted(by: { $0.key < $1.key }) {
                let declared = spec?.env.first { $0.key == variable.key }
                let recordedSensitive = record?.values[named: "env." + variable.key]?.sensitive ?? false
                if case .plain? = declared?.value, !recordedSensitive {
                    attributes.append(Attribute("env." + variable.key, .string(variable.value)))
                } else {
                    // Unknown keys may hold secrets someone set by hand: never print them.
                    attributes.append(Attribute("env." + variable.key, .digest(of: variable.value), sensitive: true))
                }
            }
        } else if let record {
            attributes.append(contentsOf: record.values.filter { $0.name.hasPrefix("env.") })
        }
        return attributes
    }

    mutating func planService(_ spec: ServiceSpec) {
        let found = liveService(named: spec.name)
        let record = index.record(.service, spec.name)
        let env = found.flatMap { input.actual.envVars[$0.live.id] }
        let desiredEnv = Planner.desiredEnvAttributes(spec, live: env, secrets: input.secrets)
        warnings.append(contentsOf: desiredEnv.warnings)
        let controllerManaged = spec.type.isScalable && spec.scaling.map { !$0.isRenderNative } ?? false

        guard let (live, managed) = found else {
            createService(spec, env: desiredEnv, reasons: record == nil ? [] : ["\(spec.name) (\(record!.id)) was deleted outside Ballast"])
            return
        }

        let before = serviceAttributes(live, env: env, record: managed ? record : nil)
        var after: [Attribute] = [
            Attribute("type", .string(spec.type.rawValue)),
            Attribute("runtime", .string(spec.runtime)),
            Attribute("plan", .string(spec.plan)),
            Attribute("region", .string(spec.region)),
        ]
        var operations: [ChangeStep] = []
        var reasons: [String] = []

        // Count and native autoscaling, through /scale and /autoscaling.
        var afterCount = live.numInstances
        var afterAutoscaling = live.autoscaling?.enabled == true ? live.autoscaling : nil
        if spec.type.isScalable {
            if let scaling = spec.scaling, scaling.isRenderNative {
                let wanted = Planner.nativeAutoscaling(scaling)
                if afterAutoscaling != wanted {
                    operations.append(.setAutoscaling(wanted))
                    reasons.append("policy render-native: Render's autoscaling runs it between \(scaling.min) and \(scaling.max)")
                }
                afterAutoscaling = wanted
            } else {
                if afterAutoscaling != nil {
                    operations.append(.disableAutoscaling)
                    reasons.append(controllerManaged
                        ? "the controller scales it (policy \(spec.scaling!.policy)): Render's native autoscaling is turned off"
                        : "a fixed count of \(spec.instances): Render's native autoscaling is turned off")
                    afterAutoscaling = nil
                }
                if let range = spec.managedRange, controllerManaged {
                    afterCount = Swift.min(Swift.max(live.numInstances, range.lowerBound), range.upperBound)
                    if afterCount != live.numInstances {
                        reasons.append(afterCount > live.numInstances ? "below scaling.min \(range.lowerBound)" : "above scaling.max \(range.upperBound)")
                    }
                } else {
                    afterCount = spec.instances
                }
                if afterCount != live.numInstances || (operations.contains(.disableAutoscaling) && !controllerManaged) {
                    operations.append(.scale(afterCount))
                }
            }
            after.append(Attribute("instances", .int(afterCount)))
            after.append(Attribute("autoscaling", .string(Planner.autoscalingText(afterAutoscaling))))
        }

        // In-place fields, through PATCH; a field the blueprint leaves out keeps its live value.
        var patch = ServicePatch()
        let fields: [(String, String?, String?, WritableKeyPath<ServicePatch, String?>)] = [
            ("health_check_path", spec.healthCheckPath, live.healthCheckPath, \.healthCheckPath),
            ("repo", spec.repo, live.repo, \.repo), ("branch", spec.branch, live.branch, \.branch),
            ("build_command", spec.buildCommand, live.buildCommand, \.buildCommand),
            ("start_command", spec.startCommand, live.startCommand, \.startCommand),
            ("image", spec.image, live.image, \.image), ("schedule", spec.schedule, live.schedule, \.schedule),
        ]
        if spec.plan != live.plan { patch.plan = spec.plan }
        for (name, wanted, current, path) in fields {
            if let wanted, !wanted.isEmpty {
                after.append(Attribute(name, .string(wanted)))
                if wanted != current { patch[keyPath: path] = wanted }
            } else if let current, !current.isEmpty {
                after.append(Attribute(name, .string(current)))
            }
        }

        // Env vars, through PUT /env-vars (the whole set). Not read: as last applied, and unchanged.
        after.append(contentsOf: desiredEnv.attributes)
        let beforeEnv = Set(before.filter { $0.name.hasPrefix("env.") }.map { "\($0.name)=\($0.value)" })
        let afterEnv = Set(desiredEnv.attributes.map { "\($0.name)=\($0.value)" })
        let envChanged = beforeEnv != afterEnv

        let replaceFields = ["type", "runtime", "region"].filter { name in before[named: name]?.value != after[named: name]?.value }
        var change = ResourceChange(kind: .service, name: spec.name, action: .noOp, id: live.id, before: before, after: after,
                                    controllerManagedCount: controllerManaged, monthlyBefore: liveMonthly(live),
                                    monthlyAfter: monthly(spec, count: afterCount, autoscaling: afterAutoscaling))
        change.protect = spec.protect

        if !replaceFields.isEmpty {
            guard managed else {
                errors.append("service.\(spec.name): a service of that name exists (\(live.id)) with \(replaceFields.map { "\($0) \(before[named: $0]?.value.description ?? "?")" }.joined(separator: ", ")); Ballast does not manage it and will not replace it. Rename the service in the blueprint or remove the existing one.")
                return
            }
            if spec.protect {
                errors.append("service.\(spec.name) has protect: true; changing \(replaceFields.joined(separator: ", ")) would replace it, which Ballast refuses.")
                return
            }
            change.action = .replace
            change.replaceFields = replaceFields
            change.reasons = replaceFields.map { "\($0) cannot change in place" }
            change.operations = [.deleteService, .createService(planned(spec, env: desiredEnv.planned))]
            change.monthlyAfter = monthly(spec, count: createCount(spec), autoscaling: spec.scaling.flatMap { $0.isRenderNative ? Planner.nativeAutoscaling($0) : nil })
            if let index = change.after?.firstIndex(where: { $0.name == "instances" }) { change.after?[index].value = .int(createCount(spec)) }
            changes.append(change)
            return
        }

        if !patch.isEmpty { operations.insert(.updateService(patch), at: 0) }
        if envChanged { operations.append(.setEnvVars(desiredEnv.planned)) }
        change.operations = operations
        let onlyCount = operations.allSatisfy {
            switch $0 {
            case .scale, .setAutoscaling, .disableAutoscaling: return true
            default: return false
            }
        }
        if !patch.isEmpty { reasons.insert(contentsOf: patchReasons(before: before, after: after), at: 0) }
        if envChanged { reasons.append("env vars differ") }
        change.reasons = reasons
        if !managed {
            change.action = .import
            change.importWithUpdate = !operations.isEmpty
            change.reasons.insert("a service named \(spec.name) exists (\(live.id)) and Ballast does not manage it yet: adopted, not duplicated", at: 0)
        } else if operations.isEmpty {
            change.action = .noOp
        } else {
            change.action = onlyCount ? .scale : .update
        }
        changes.append(change)
    }

    func patchReasons(before: [Attribute], after: [Attribute]) -> [String] {
        let names = ["plan", "health_check_path", "repo", "branch", "build_command", "start_command", "image", "schedule"]
        let changed = names.filter { name in after[named: name] != nil && before[named: name]?.value != after[named: name]?.value }
        return changed.isEmpty ? [] : ["\(changed.joined(separator: ", ")) \(changed.count == 1 ? "differs" : "differ") from the blueprint"]
    }

    func createCount(_ spec: ServiceSpec) -> Int {
        spec.scaling?.min ?? spec.instances
    }

    func monthly(_ spec: ServiceSpec, count: Int, autoscaling: AutoscalingConfig?) -> Double {
        let price = catalog.monthlyPrice(ofPlan: spec.plan) ?? 0
        guard spec.type.isScalable else { return price }
        return price * Double(autoscaling?.min ?? count)
    }

    func planned(_ spec: ServiceSpec, env: [PlannedEnvVar]) -> PlannedService {
        let native = spec.scaling.flatMap { $0.isRenderNative ? Planner.nativeAutoscaling($0) : nil }
        return PlannedService(name: spec.name, type: spec.type, runtime: spec.runtime, plan: spec.plan, region: spec.region,
                              numInstances: createCount(spec), autoscaling: native, healthCheckPath: spec.healthCheckPath,
                              repo: spec.repo, branch: spec.branch, buildCommand: spec.buildCommand, startCommand: spec.startCommand,
                              image: spec.image, schedule: spec.schedule,
                              env: env.map { $0.value == .keep ? PlannedEnvVar(key: $0.key, value: .generated) : $0 })
    }

    mutating func createService(_ spec: ServiceSpec, env: (attributes: [Attribute], planned: [PlannedEnvVar], warnings: [String]), reasons: [String]) {
        let native = spec.scaling.flatMap { $0.isRenderNative ? Planner.nativeAutoscaling($0) : nil }
        var after: [Attribute] = [
            Attribute("type", .string(spec.type.rawValue)),
            Attribute("runtime", .string(spec.runtime)),
            Attribute("plan", .string(spec.plan)),
            Attribute("region", .string(spec.region)),
        ]
        if spec.type.isScalable {
            after.append(Attribute("instances", .int(createCount(spec))))
            after.append(Attribute("autoscaling", .string(Planner.autoscalingText(native))))
        }
        let optional: [(String, String?)] = [
            ("health_check_path", spec.healthCheckPath), ("repo", spec.repo), ("branch", spec.branch),
            ("build_command", spec.buildCommand), ("start_command", spec.startCommand), ("image", spec.image), ("schedule", spec.schedule),
        ]
        for (name, value) in optional {
            if let value, !value.isEmpty { after.append(Attribute(name, .string(value))) }
        }
        after.append(contentsOf: env.attributes)
        var allReasons = reasons
        if let scaling = spec.scaling, spec.type.isScalable {
            allReasons.append(scaling.isRenderNative
                ? "starts at \(scaling.min); Render's autoscaling runs it between \(scaling.min) and \(scaling.max)"
                : "starts at scaling.min \(scaling.min); the controller scales it up to \(scaling.max) (policy \(scaling.policy))")
        }
        var change = ResourceChange(kind: .service, name: spec.name, action: .create, before: nil, after: after, reasons: allReasons,
                                    operations: [.createService(planned(spec, env: env.planned))],
                                    controllerManagedCount: spec.type.isScalable && spec.scaling.map { !$0.isRenderNative } ?? false,
                                    monthlyBefore: 0, monthlyAfter: monthly(spec, count: createCount(spec), autoscaling: native))
        change.protect = spec.protect
        changes.append(change)
    }
}
