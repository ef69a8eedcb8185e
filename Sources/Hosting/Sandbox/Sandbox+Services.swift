import Foundation

/// Filters of `GET /services` (each an OR of values; absent means any).
struct ServiceListFilter: Sendable {
    var names: [String] = []
    var ownerIds: [String] = []
    var types: [String] = []
    var regions: [String] = []
    var suspended: [String] = []
    var runtimes: [String] = []

    func matches(_ service: RenderService) -> Bool {
        (names.isEmpty || names.contains(service.name))
            && (ownerIds.isEmpty || ownerIds.contains(service.ownerId))
            && (types.isEmpty || types.contains(service.type))
            && (regions.isEmpty || regions.contains(service.serviceDetails.region ?? ""))
            && (suspended.isEmpty || suspended.contains(service.suspended))
            && (runtimes.isEmpty || runtimes.contains(service.serviceDetails.runtime ?? ""))
    }
}

/// Render's wire-level service operations, shared by the in-process provider and the HTTP server.
extension Sandbox {
    static let serviceTypes = ["web_service", "private_service", "background_worker", "cron_job"]
    static let plans = ["starter", "starter_plus", "standard", "standard_plus", "pro", "pro_plus", "pro_max", "pro_ultra", "free", "custom",
                        "starter_legacy", "standard_legacy", "standard_plus_legacy", "pro_legacy", "pro_plus_legacy"]
    static let regions = ["frankfurt", "oregon", "ohio", "singapore", "virginia"]
    static let runtimes = ["docker", "elixir", "go", "node", "python", "ruby", "rust", "image"]

    func wireListServices(_ filter: ServiceListFilter, limit: Int?, cursor: String?) throws -> [RenderServiceWithCursor] {
        try store.read { state in
            let matching = state.services.filter { filter.matches($0.service) }
            return try SandboxIDs.page(matching, seq: \.seq, limit: limit, cursor: cursor)
                .map { RenderServiceWithCursor(service: $0.0.service, cursor: $0.1) }
        }
    }

    func wireService(id: String) throws -> RenderService {
        try store.read { state in
            guard let index = state.serviceIndex(id) else { throw SandboxFailure.notFound(id) }
            return state.services[index].service
        }
    }

    func wireCreateService(_ body: RenderServicePOST) throws -> RenderServiceAndDeploy {
        let now = self.now
        let stamp = RenderJSON.formatDate(now)
        let name = body.name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw SandboxFailure.badRequest("name must not be empty") }
        guard Self.serviceTypes.contains(body.type) else {
            throw SandboxFailure.badRequest(body.type == "static_site"
                ? "the sandbox does not emulate static sites"
                : "type must be one of \(Self.serviceTypes.joined(separator: ", "))")
        }
        let input = body.serviceDetails ?? RenderServiceDetailsPOST()
        guard let runtime = input.runtime else { throw SandboxFailure.badRequest("serviceDetails.runtime is required") }
        guard Self.runtimes.contains(runtime) else { throw SandboxFailure.badRequest("invalid runtime: \(runtime)") }
        let plan = input.plan ?? "starter"
        try Self.validatePlan(plan, type: body.type)
        let region = input.region ?? "oregon"
        guard Self.regions.contains(region) else { throw SandboxFailure.badRequest("invalid region: \(region)") }
        let isCron = body.type == "cron_job"
        if isCron, (input.schedule ?? "").isEmpty { throw SandboxFailure.badRequest("serviceDetails.schedule is required for a cron job") }
        let count = input.numInstances ?? 1
        if !isCron {
            guard (1...100).contains(count) else { throw SandboxFailure.badRequest("numInstances must be between 1 and 100") }
            if plan == "free", count > 1 { throw SandboxFailure.badRequest("free instances cannot scale beyond one instance") }
            if let autoscaling = input.autoscaling { try Self.validateAutoscaling(autoscaling, plan: plan, hasDisk: false) }
        }
        if runtime == "image", body.image == nil { throw SandboxFailure.badRequest("image is required for runtime image") }
        for envVar in body.envVars ?? [] { try Self.validateEnvVar(envVar) }

        return try store.write { state in
            guard state.owners.contains(where: { $0.id == body.ownerId }) else {
                throw SandboxFailure.badRequest("ownerId \(body.ownerId) is not a workspace of this API key")
            }
            if state.services.contains(where: { $0.service.ownerId == body.ownerId && $0.service.name == name }) {
                throw SandboxFailure(409, "a service named \(name) already exists in this workspace")
            }
            let id = SandboxIDs.make("srv")
            let slug = Self.slug(name)
            var details = RenderServiceDetails()
            details.env = runtime
            details.runtime = runtime
            details.plan = plan
            details.region = region
            details.buildPlan = "starter"
            details.envSpecificDetails = Self.envSpecificDetails(runtime: runtime, input: input.envSpecificDetails,
                                                                 preDeploy: input.preDeployCommand)
            if isCron {
                details.schedule = input.schedule
            } else {
                details.numInstances = count
                details.autoscaling = input.autoscaling
                details.maxShutdownDelaySeconds = input.maxShutdownDelaySeconds ?? 30
            }
            switch body.type {
            case "web_service":
                details.healthCheckPath = input.healthCheckPath ?? ""
                details.url = "https://\(slug).onrender.com"
                details.openPorts = [RenderServerPort(port: 10000, protocol: "TCP")]
            case "private_service":
                details.url = "\(slug):10000"
                details.openPorts = [RenderServerPort(port: 10000, protocol: "TCP")]
            default:
                break
            }
            let dashboardKind = ["web_service": "web", "private_service": "pserv", "background_worker": "worker", "cron_job": "cron"][body.type] ?? "web"
            let service = RenderService(
                id: id, name: name, ownerId: body.ownerId, type: body.type, slug: slug, createdAt: stamp, updatedAt: stamp,
                dashboardUrl: "https://dashboard.render.com/\(dashboardKind)/\(id)", autoDeploy: body.autoDeploy ?? "yes",
                rootDir: body.rootDir ?? "", notifyOnFail: "default", suspended: "not_suspended", suspenders: [],
                branch: body.repo == nil ? nil : (body.branch ?? "main"), repo: body.repo, imagePath: body.image?.imagePath,
                environmentId: body.environmentId, serviceDetails: details)
            var record = ServiceRecord(seq: state.nextSequence(), service: service,
                                       envVars: (body.envVars ?? []).map(Self.resolveEnvVar), instances: [], load: nil)
            reconcileInstances(&record, now: now)
            state.services.append(record)
            return RenderServiceAndDeploy(service: service, deployId: SandboxIDs.make("dep"))
        }
    }

    /// Keys a `PATCH /services/{id}` body may not carry, with Render's reason. Checked on the raw JSON,
    /// since the typed body cannot even hold them.
    static func forbiddenPatchFields(_ json: [String: Any]) -> String? {
        if json["envVars"] != nil { return "envVars cannot be updated with PATCH /services/{serviceId}; use PUT /services/{serviceId}/env-vars" }
        if json["type"] != nil { return "type cannot be changed after creation" }
        if json["ownerId"] != nil { return "ownerId cannot be changed with PATCH /services/{serviceId}" }
        if json["region"] != nil { return "region cannot be changed after creation" }
        guard let details = json["serviceDetails"] as? [String: Any] else { return nil }
        if details["numInstances"] != nil { return "numInstances cannot be updated with PATCH /services/{serviceId}; use POST /services/{serviceId}/scale" }
        if details["region"] != nil { return "region cannot be changed after creation" }
        if details["autoscaling"] != nil { return "autoscaling cannot be updated with PATCH /services/{serviceId}; use PUT /services/{serviceId}/autoscaling" }
        if details["disk"] != nil { return "disk cannot be updated with PATCH /services/{serviceId}; use the /disks endpoints" }
        return nil
    }

    func wireUpdateService(id: String, _ patch: RenderServicePATCH) throws -> RenderService {
        let stamp = RenderJSON.formatDate(now)
        return try store.write { state in
            guard let index = state.serviceIndex(id) else { throw SandboxFailure.notFound(id) }
            var service = state.services[index].service
            if let name = patch.name?.trimmingCharacters(in: .whitespaces) {
                guard !name.isEmpty else { throw SandboxFailure.badRequest("name must not be empty") }
                if name != service.name, state.services.contains(where: { $0.service.ownerId == service.ownerId && $0.service.name == name }) {
                    throw SandboxFailure(409, "a service named \(name) already exists in this workspace")
                }
                service.name = name
            }
            if let repo = patch.repo { service.repo = repo }
            if let branch = patch.branch { service.branch = branch }
            if let autoDeploy = patch.autoDeploy { service.autoDeploy = autoDeploy }
            if let rootDir = patch.rootDir { service.rootDir = rootDir }
            if let image = patch.image { service.imagePath = image.imagePath }
            if let details = patch.serviceDetails {
                if let runtime = details.runtime, runtime != service.serviceDetails.runtime {
                    throw SandboxFailure.badRequest("runtime cannot be changed after creation (is \(service.serviceDetails.runtime ?? "unset"))")
                }
                if let plan = details.plan {
                    try Self.validatePlan(plan, type: service.type)
                    if let autoscaling = service.serviceDetails.autoscaling, autoscaling.enabled, plan == "free" {
                        throw SandboxFailure.badRequest("autoscaling is not available for free instances; disable it first")
                    }
                    if plan == "free", (service.serviceDetails.numInstances ?? 1) > 1 {
                        throw SandboxFailure.badRequest("free instances cannot scale beyond one instance")
                    }
                    service.serviceDetails.plan = plan
                }
                if let path = details.healthCheckPath {
                    guard service.type == "web_service" else { throw SandboxFailure.badRequest("healthCheckPath applies to web services only") }
                    service.serviceDetails.healthCheckPath = path
                }
                if let schedule = details.schedule {
                    guard service.type == "cron_job" else { throw SandboxFailure.badRequest("schedule applies to cron jobs only") }
                    service.serviceDetails.schedule = schedule
                }
                if let seconds = details.maxShutdownDelaySeconds, service.type != "cron_job" {
                    guard (1...300).contains(seconds) else { throw SandboxFailure.badRequest("maxShutdownDelaySeconds must be between 1 and 300") }
                    service.serviceDetails.maxShutdownDelaySeconds = seconds
                }
                var env = service.serviceDetails.envSpecificDetails ?? RenderEnvSpecificDetails()
                if let input = details.envSpecificDetails {
                    if let value = input.buildCommand { env.buildCommand = value }
                    if let value = input.startCommand { env.startCommand = value }
                    if let value = input.dockerCommand { env.dockerCommand = value }
                    if let value = input.dockerContext { env.dockerContext = value }
                    if let value = input.dockerfilePath { env.dockerfilePath = value }
                }
                if let value = details.preDeployCommand { env.preDeployCommand = value }
                service.serviceDetails.envSpecificDetails = env
            }
            service.updatedAt = stamp
            state.services[index].service = service
            return service
        }
    }

    func wireScale(id: String, numInstances: Int) throws {
        let now = self.now
        try store.write { state in
            guard let index = state.serviceIndex(id) else { throw SandboxFailure.notFound(id) }
            var record = state.services[index]
            guard record.service.type != "cron_job" else { throw SandboxFailure.badRequest("cron jobs cannot be scaled") }
            guard (1...100).contains(numInstances) else { throw SandboxFailure.badRequest("numInstances must be between 1 and 100") }
            if record.service.serviceDetails.plan == "free", numInstances > 1 {
                throw SandboxFailure.badRequest("free instances cannot scale beyond one instance")
            }
            // Render: "ignores this value as long as autoscaling is enabled for the service".
            if record.service.serviceDetails.autoscaling?.enabled == true { return }
            record.service.serviceDetails.numInstances = numInstances
            record.service.updatedAt = RenderJSON.formatDate(now)
            reconcileInstances(&record, now: now)
            state.services[index] = record
        }
    }

    func wireSetAutoscaling(id: String, _ config: RenderAutoscaling) throws -> RenderAutoscaling {
        let now = self.now
        return try store.write { state in
            guard let index = state.serviceIndex(id) else { throw SandboxFailure.notFound(id) }
            var record = state.services[index]
            guard record.service.type != "cron_job" else { throw SandboxFailure.badRequest("cron jobs cannot autoscale") }
            try Self.validateAutoscaling(config, plan: record.service.serviceDetails.plan ?? "starter",
                                         hasDisk: record.service.serviceDetails.disk != nil)
            record.service.serviceDetails.autoscaling = config
            record.service.updatedAt = RenderJSON.formatDate(now)
            record.autoscaleEvaluatedAt = nil
            reconcileInstances(&record, now: now)
            state.services[index] = record
            return config
        }
    }

    func wireDeleteAutoscaling(id: String) throws {
        let now = self.now
        try store.write { state in
            guard let index = state.serviceIndex(id) else { throw SandboxFailure.notFound(id) }
            var record = state.services[index]
            record.service.serviceDetails.autoscaling = nil
            record.service.updatedAt = RenderJSON.formatDate(now)
            reconcileInstances(&record, now: now)
            state.services[index] = record
        }
    }

    func wireSetSuspended(id: String, _ suspended: Bool) throws {
        let now = self.now
        try store.write { state in
            guard let index = state.serviceIndex(id) else { throw SandboxFailure.notFound(id) }
            var record = state.services[index]
            record.service.suspended = suspended ? "suspended" : "not_suspended"
            record.service.suspenders = suspended ? ["user"] : []
            record.service.updatedAt = RenderJSON.formatDate(now)
            reconcileInstances(&record, now: now)
            state.services[index] = record
        }
    }

    func wireDeleteService(id: String) throws {
        try store.write { state in
            guard let index = state.serviceIndex(id) else { throw SandboxFailure.notFound(id) }
            state.services.remove(at: index)
        }
    }

    // MARK: Env vars and instances

    func wireEnvVars(id: String, limit: Int?, cursor: String?) throws -> [RenderEnvVarWithCursor] {
        try store.read { state in
            guard let index = state.serviceIndex(id) else { throw SandboxFailure.notFound(id) }
            let indexed = state.services[index].envVars.enumerated().map { ($0.offset + 1, $0.element) }
            return try SandboxIDs.page(indexed, seq: \.0, limit: limit, cursor: cursor)
                .map { RenderEnvVarWithCursor(envVar: $0.0.1, cursor: $0.1) }
        }
    }

    func wireReplaceEnvVars(id: String, _ inputs: [RenderEnvVarInput]) throws -> [RenderEnvVarWithCursor] {
        for input in inputs { try Self.validateEnvVar(input) }
        var seen: Set<String> = []
        for input in inputs where !seen.insert(input.key).inserted {
            throw SandboxFailure.badRequest("duplicate env var key \(input.key)")
        }
        let now = self.now
        return try store.write { state in
            guard let index = state.serviceIndex(id) else { throw SandboxFailure.notFound(id) }
            state.services[index].envVars = inputs.map(Self.resolveEnvVar)
            state.services[index].service.updatedAt = RenderJSON.formatDate(now)
            return state.services[index].envVars.enumerated().map {
                RenderEnvVarWithCursor(envVar: $0.element, cursor: SandboxIDs.cursor($0.offset + 1))
            }
        }
    }

    func wireInstances(id: String) throws -> [RenderServiceInstance] {
        let now = self.now
        return try store.modify { state, changed in
            guard let index = state.serviceIndex(id) else { throw SandboxFailure.notFound(id) }
            if reconcileInstances(&state.services[index], now: now) { changed = true }
            return state.services[index].instances.filter { $0.isServing(at: now) }
                .map { RenderServiceInstance(id: $0.id, createdAt: RenderJSON.formatDate($0.createdAt)) }
        }
    }

    // MARK: Instances and native autoscaling

    /// Brings the instances in line with what should run: none when suspended or a cron job, the
    /// autoscaler's choice while native autoscaling is on, else `numInstances`. True if it changed the record.
    @discardableResult
    func reconcileInstances(_ record: inout ServiceRecord, now: Date) -> Bool {
        let details = record.service.serviceDetails
        var target: Int
        var changed = false
        let active = record.instances.filter(\.isActive).count
        if record.service.type == "cron_job" || record.service.suspended == "suspended" {
            target = 0
        } else if let autoscaling = details.autoscaling, autoscaling.enabled {
            target = min(max(active == 0 ? autoscaling.min : active, autoscaling.min), autoscaling.max)
            let due = record.autoscaleEvaluatedAt.map { now.timeIntervalSince($0) >= options.autoscaleInterval } ?? true
            if due, active > 0 {
                target = Self.nativeAutoscaleTarget(record: record, autoscaling: autoscaling, current: active, now: now)
                record.autoscaleEvaluatedAt = now
                changed = true
            }
        } else {
            target = details.numInstances ?? 1
        }
        if active != target { changed = true }
        if active < target {
            for _ in active..<target {
                let id = "\(record.service.id)-\(SandboxIDs.random(5))"
                record.instances.append(InstanceRecord(id: id, createdAt: now, readyAt: now.addingTimeInterval(options.bootDelay)))
            }
        } else if active > target {
            var toRemove = active - target
            for index in record.instances.indices.reversed() where toRemove > 0 && record.instances[index].isActive {
                record.instances[index].removedAt = now
                toRemove -= 1
            }
        }
        // Keep a month of history for metrics (or what the options say), and not without bound.
        let horizon = now.addingTimeInterval(-options.instanceHistory)
        let before = record.instances.count
        record.instances.removeAll { instance in
            guard let removed = instance.removedAt else { return false }
            return removed < horizon || removed <= instance.readyAt
        }
        if record.instances.count > 500 {
            let excess = record.instances.count - 500
            var dropped = 0
            record.instances.removeAll { instance in
                guard dropped < excess, !instance.isActive else { return false }
                dropped += 1
                return true
            }
        }
        return changed || record.instances.count != before
    }

    /// Render's rule: desired = ceil(current × utilisation / target), the larger of CPU and memory, within [min, max].
    static func nativeAutoscaleTarget(record: ServiceRecord, autoscaling: RenderAutoscaling, current: Int, now: Date) -> Int {
        let sample = LoadSample(load: record.load, plan: record.service.serviceDetails.plan ?? "starter", instances: current, at: now)
        var desired = current
        var candidates: [Int] = []
        if autoscaling.criteria.cpu.enabled, autoscaling.criteria.cpu.percentage > 0 {
            candidates.append(Int((Double(current) * sample.utilisation * 100 / Double(autoscaling.criteria.cpu.percentage)).rounded(.up)))
        }
        if autoscaling.criteria.memory.enabled, autoscaling.criteria.memory.percentage > 0 {
            let capacity = PlanCapacity.of(record.service.serviceDetails.plan ?? "starter")
            let memory = sample.memoryBytesPerInstance / (capacity.memoryMB * 1_048_576)
            candidates.append(Int((Double(current) * memory * 100 / Double(autoscaling.criteria.memory.percentage)).rounded(.up)))
        }
        if let highest = candidates.max() { desired = highest }
        return min(max(desired, autoscaling.min), autoscaling.max)
    }

    // MARK: Validation and shapes

    static func validatePlan(_ plan: String, type: String) throws {
        guard plans.contains(plan) else { throw SandboxFailure.badRequest("invalid plan: \(plan)") }
        if plan == "free", type != "web_service" { throw SandboxFailure.badRequest("the free instance type is available for web services only") }
    }

    static func validateAutoscaling(_ config: RenderAutoscaling, plan: String, hasDisk: Bool) throws {
        guard config.min >= 1, config.max <= 100, config.min <= config.max else {
            throw SandboxFailure.badRequest("autoscaling needs 1 <= min <= max <= 100 (got min \(config.min), max \(config.max))")
        }
        for (name, criterion) in [("cpu", config.criteria.cpu), ("memory", config.criteria.memory)] where criterion.enabled {
            guard (1...90).contains(criterion.percentage) else {
                throw SandboxFailure.badRequest("autoscaling \(name) percentage must be between 1 and 90")
            }
        }
        if config.enabled, plan == "free" { throw SandboxFailure.badRequest("autoscaling is not available for free instances") }
        if config.enabled, hasDisk { throw SandboxFailure.badRequest("services with a persistent disk cannot autoscale") }
    }

    static func validateEnvVar(_ input: RenderEnvVarInput) throws {
        guard !input.key.isEmpty else { throw SandboxFailure.badRequest("env var key must not be empty") }
        guard input.value != nil || input.generateValue == true else {
            throw SandboxFailure.badRequest("env var \(input.key) needs a value or generateValue: true")
        }
    }

    static func resolveEnvVar(_ input: RenderEnvVarInput) -> RenderEnvVar {
        if input.generateValue == true {
            var generator = SystemRandomNumberGenerator()
            let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            return RenderEnvVar(key: input.key, value: Data(bytes).base64EncodedString())
        }
        return RenderEnvVar(key: input.key, value: input.value ?? "")
    }

    static func envSpecificDetails(runtime: String, input: RenderEnvSpecificDetails?, preDeploy: String?) -> RenderEnvSpecificDetails {
        if runtime == "docker" || runtime == "image" {
            return RenderEnvSpecificDetails(preDeployCommand: preDeploy, dockerCommand: input?.dockerCommand ?? "",
                                            dockerContext: input?.dockerContext ?? ".", dockerfilePath: input?.dockerfilePath ?? "./Dockerfile")
        }
        return RenderEnvSpecificDetails(buildCommand: input?.buildCommand ?? "", startCommand: input?.startCommand ?? "",
                                        preDeployCommand: preDeploy)
    }

    static func slug(_ name: String) -> String {
        let lowered = name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        let slug = String(lowered).split(separator: "-").joined(separator: "-")
        return slug.isEmpty ? "service" : slug
    }
}
