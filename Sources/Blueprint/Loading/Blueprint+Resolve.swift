extension Blueprint {
    /// One environment's desired state: overlays applied, plans resolved, every check run.
    ///
    /// With no environment name and no environments declared, the base is resolved as `default`.
    /// Returns nil only when the environment does not exist; otherwise a state plus diagnostics (a
    /// state with errors is still returned so that `show` can explain what it could read).
    public func resolve(environment name: String?, catalog: Catalog, policies: PolicyLibrary) -> (ResolvedEnvironment?, Diagnostics) {
        var decoder = NodeDecoder(file: file)
        let envName: String
        var envNode: YAMLNode?
        if let name {
            guard let env = environments.first(where: { $0.name == name }) else {
                var detail = environments.isEmpty
                    ? "The blueprint declares no environments; omit --env to use its base."
                    : "Declared environments: \(environmentNames.joined(separator: ", "))."
                if let hint = closestMatch(to: name, in: environmentNames) { detail += " Did you mean `\(hint)`?" }
                // Pointed at the `environments:` key (or the document, without one), so that the
                // error names the file and the line where the environments are declared.
                let declared = root.pairs?.first { $0.key.scalar == "environments" }?.key ?? root
                decoder.error("Unknown environment", "'\(name)' is not an environment of this blueprint. " + detail, path: "environments", at: declared)
                return (nil, decoder.diagnostics)
            }
            envName = env.name
            envNode = env.node
        } else if let first = environments.first, environments.count == 1 {
            envName = first.name
            envNode = first.node
        } else {
            envName = "default"
        }

        var resolved = ResolvedEnvironment(project: project, environment: envName, owner: owner, region: region ?? "oregon", file: file)
        let envPath = "environments.\(envName)"
        var budgetNode: YAMLNode?
        if let envNode, let env = decoder.mapping(envNode, path: envPath, allowed: Self.environmentKeys) {
            if let node = env.present("region") { resolved.region = decoder.region(node, path: envPath + ".region") ?? resolved.region }
            if let node = env.present("owner") { resolved.owner = decoder.string(node, path: envPath + ".owner") }
            if let node = env.present("budget") {
                budgetNode = node
                if let policyName = node.scalar, !node.isNull, node.pairs == nil {
                    if let policy = policies.budgets[policyName] {
                        resolved.budget = policy.budget
                    } else {
                        decoder.unknownPolicy(policyName, kind: "budget", known: Array(policies.budgets.keys), path: envPath + ".budget", at: node)
                    }
                } else {
                    resolved.budget = decoder.budgetSpec(node, path: envPath + ".budget")
                }
            }
            if let node = env.present("guardrails"), let list = decoder.sequence(node, path: envPath + ".guardrails") {
                for item in list {
                    if let name = decoder.string(item, path: envPath + ".guardrails") { resolved.guardrails.append(name) }
                }
            }
        }
        resolved.guardrails = guardrails.map(\.name) + resolved.guardrails
        for name in resolved.guardrails where policies.guardrails.index(forKey: name) == nil {
            let node = guardrails.first { $0.name == name }?.node
            decoder.unknownPolicy(name, kind: "guardrails", known: Array(policies.guardrails.keys), path: "guardrails", at: node)
        }

        for entry in datastores {
            let node = merged(entry.node, environment: envName)
            if let datastore = decoder.datastore(entry.name, node: node, environment: resolved, catalog: catalog) {
                resolved.datastores.append(datastore)
            }
        }
        let datastoreNames = Set(resolved.datastores.map(\.name))
        resolved.services.reserveCapacity(services.count)
        for index in services.indices {
            let node = merged(services[index].node, environment: envName)
            if let service = decoder.service(services[index].name, node: node, environment: resolved, datastoreNames: datastoreNames, catalog: catalog) {
                resolved.services.append(service)
            }
        }
        decoder.validate(resolved, catalog: catalog, policies: policies, budgetNode: budgetNode)
        return (resolved, decoder.diagnostics)
    }

    /// Every environment resolved in turn (or the base when none are declared), diagnostics merged.
    public func validateAll(catalog: Catalog, policies: PolicyLibrary) -> Diagnostics {
        var all = Diagnostics()
        if environments.isEmpty {
            all.append(contentsOf: resolve(environment: nil, catalog: catalog, policies: policies).1)
        } else {
            for env in environments {
                all.append(contentsOf: resolve(environment: env.name, catalog: catalog, policies: policies).1)
            }
        }
        all.deduplicate()
        return all
    }

    private func merged(_ node: YAMLNode, environment: String) -> YAMLNode {
        node.merged(environment: environment)
    }
}

extension NodeDecoder {
    mutating func unknownPolicy(_ name: String, kind: String, known: [String], path: String, at node: YAMLNode?) {
        var detail = "No \(kind) policy named '\(name)' was found in the policies folder."
        if let hint = closestMatch(to: name, in: known) {
            detail += " Did you mean `\(hint)`?"
        } else if !known.isEmpty {
            detail += " Known: \(known.sorted().joined(separator: ", "))."
        }
        error("Unknown policy", detail, path: path, at: node)
    }

    mutating func datastore(_ name: String, node: YAMLNode, environment: ResolvedEnvironment, catalog: Catalog) -> DatastoreSpec? {
        let path = "datastores.\(name)"
        guard let fields = mapping(node, path: path, allowed: Blueprint.datastoreKeys) else { return nil }
        guard let typeNode = fields.present("type") else {
            error("Missing type", "A datastore needs a `type`: keyvalue, postgres or external.", path: path, at: node)
            return nil
        }
        guard let type = oneOf(typeNode, path: path + ".type", as: DatastoreType.self) else { return nil }
        var spec = DatastoreSpec(name: name, type: type, plan: "")
        spec.mark = node.mark
        let planNode = fields.present("plan")
        spec.plan = planNode.flatMap { string($0, path: path + ".plan") }.map(normalizedPlanName) ?? ""
        spec.vendor = fields.present("vendor").flatMap { string($0, path: path + ".vendor") }?.lowercased()
        spec.compute = fields.present("compute").flatMap { string($0, path: path + ".compute") }?.lowercased()
        spec.monthly = fields.present("monthly").flatMap { double($0, path: path + ".monthly", minimum: 0) }
        spec.storageGB = fields.present("storageGB").flatMap { int($0, path: path + ".storageGB", range: 1...16_000) }
        spec.version = fields.present("version").flatMap { string($0, path: path + ".version") }
        spec.maxmemoryPolicy = fields.present("maxmemoryPolicy").flatMap { string($0, path: path + ".maxmemoryPolicy") }
        spec.protect = fields.present("protect").flatMap { bool($0, path: path + ".protect") } ?? false
        if let regionNode = fields.present("region") { spec.region = region(regionNode, path: path + ".region") }
        spec.maxConnections = fields.present("maxConnections").flatMap { int($0, path: path + ".maxConnections", range: 1...10_000_000) }

        switch type {
        case .keyvalue:
            if spec.plan.isEmpty { spec.plan = "starter" }
            if let plan = catalog.keyValuePlan(named: spec.plan) {
                spec.maxConnections = spec.maxConnections ?? plan.maxConnections
            } else {
                unknownPlan(spec.plan, known: catalog.keyValue.map(\.name), kind: "Key Value", path: path + ".plan", at: planNode)
            }
        case .postgres:
            if spec.plan.isEmpty { spec.plan = "basic_256mb" }
            if let plan = catalog.postgresPlan(named: spec.plan) {
                spec.maxConnections = spec.maxConnections ?? plan.maxConnections
            } else {
                unknownPlan(spec.plan, known: catalog.postgres.map(\.name), kind: "Postgres", path: path + ".plan", at: planNode)
            }
        case .external:
            if spec.vendor == "supabase" {
                if spec.plan.isEmpty { spec.plan = "free" }
                if !catalog.supabasePlans.contains(where: { $0.name == spec.plan }) {
                    unknownPlan(spec.plan, known: catalog.supabasePlans.map(\.name), kind: "Supabase", path: path + ".plan", at: planNode)
                }
                let computeName = spec.compute ?? (spec.plan == "free" ? "nano" : "micro")
                if let compute = catalog.supabaseCompute.first(where: { $0.name == computeName }) {
                    spec.compute = computeName
                    spec.maxConnections = spec.maxConnections ?? compute.maxConnections
                } else {
                    unknownPlan(computeName, known: catalog.supabaseCompute.map(\.name), kind: "Supabase compute", path: path + ".compute", at: fields["compute"] ?? node)
                }
                if spec.plan == "free" && computeName != "nano" {
                    error("Plan and compute disagree", "Supabase's free plan runs on the nano compute size only; `\(computeName)` needs a paid plan.", path: path + ".compute", at: fields["compute"] ?? node)
                }
            } else if spec.monthly == nil {
                warning("No price", "External datastore '\(name)' has no `monthly` price and no known vendor; it is costed at $0.", path: path + ".monthly", at: node)
            }
        }
        return spec
    }

    mutating func unknownPlan(_ plan: String, known: [String], kind: String, path: String, at node: YAMLNode?) {
        var detail = "'\(plan)' is not a \(kind) plan in the pricing catalog (\(known.joined(separator: ", ")))."
        if let hint = closestMatch(to: plan, in: known) { detail += " Did you mean `\(hint)`?" }
        error("Unknown plan", detail, path: path, at: node)
    }

    mutating func service(_ name: String, node: YAMLNode, environment: ResolvedEnvironment, datastoreNames: Set<String>, catalog: Catalog) -> ServiceSpec? {
        let path = "services.\(name)"
        guard let fields = mapping(node, path: path, allowed: Blueprint.serviceKeys) else { return nil }
        guard let typeNode = fields.present("type") else {
            error("Missing type", "A service needs a `type`: web, worker, pserv or cron.", path: path, at: node)
            return nil
        }
        guard let type = oneOf(typeNode, path: path + ".type", as: ServiceType.self) else { return nil }
        guard let runtimeNode = fields.present("runtime"), let runtime = string(runtimeNode, path: path + ".runtime") else {
            error("Missing runtime", "A service needs a `runtime` (node, python, ruby, go, rust, elixir, docker or image).", path: path + ".runtime", at: node)
            return nil
        }
        let runtimes = ["node", "python", "ruby", "go", "rust", "elixir", "docker", "image"]
        if !runtimes.contains(runtime) {
            var detail = "'\(runtime)' is not a Render runtime (\(runtimes.joined(separator: ", ")))."
            if let hint = closestMatch(to: runtime, in: runtimes) { detail += " Did you mean `\(hint)`?" }
            error("Unknown runtime", detail, path: path + ".runtime", at: runtimeNode)
        }
        var spec = ServiceSpec(name: name, type: type, runtime: runtime, plan: "starter", region: environment.region)
        spec.mark = node.mark
        spec.marks.reserveCapacity(9)

        // Plan, or resources resolved to the cheapest fitting plan.
        let planNode = fields.present("plan"), resourcesNode = fields.present("resources")
        if planNode != nil && resourcesNode != nil {
            error("Plan and resources both given", "Give either `plan` or `resources`, not both: resources pick the cheapest plan that fits.", path: path + ".resources", at: resourcesNode)
        }
        if let planNode, let text = string(planNode, path: path + ".plan") {
            spec.plan = normalizedPlanName(text)
            if catalog.computePlan(named: spec.plan) == nil {
                unknownPlan(spec.plan, known: catalog.compute.map(\.name), kind: "compute", path: path + ".plan", at: planNode)
            }
        } else if let resourcesNode, let resources = mapping(resourcesNode, path: path + ".resources", allowed: ["cpu", "memory"]) {
            let cpu = resources.present("cpu").flatMap { double($0, path: path + ".resources.cpu", minimum: 0.01) }
            let memory = resources.present("memory").flatMap { megabytes($0, path: path + ".resources.memory") }
            if resources.present("cpu") == nil || resources.present("memory") == nil {
                error("Incomplete resources", "`resources` needs both `cpu` (cores) and `memory` (such as 512MB).", path: path + ".resources", at: resourcesNode)
            }
            if let cpu, let memory {
                let request = ResourceRequest(cpu: cpu, memoryMB: memory)
                spec.resources = request
                if let plan = catalog.cheapestComputePlan(fitting: request, for: type) {
                    spec.plan = plan.name
                } else {
                    error("No plan fits", "No \(type.rawValue) plan in the catalog has \(cpu.cleanDescription) CPU and \(memory.cleanDescription) MB; the largest is \(catalog.compute.max { $0.cpu < $1.cpu }?.name ?? "none").", path: path + ".resources", at: resourcesNode)
                }
            }
        }

        if let node = fields.present("region") { spec.region = region(node, path: path + ".region") ?? spec.region }
        if let node = fields.present("healthCheckPath") {
            spec.healthCheckPath = string(node, path: path + ".healthCheckPath")
            if type != .web { warning("Ignored key", "`healthCheckPath` applies to web services only.", path: path + ".healthCheckPath", at: node) }
        }
        spec.protect = fields.present("protect").flatMap { bool($0, path: path + ".protect") } ?? false
        spec.schedule = fields.present("schedule").flatMap { string($0, path: path + ".schedule") }
        spec.repo = fields.present("repo").flatMap { string($0, path: path + ".repo") }
        spec.branch = fields.present("branch").flatMap { string($0, path: path + ".branch") }
        spec.buildCommand = fields.present("buildCommand").flatMap { string($0, path: path + ".buildCommand") }
        spec.startCommand = fields.present("startCommand").flatMap { string($0, path: path + ".startCommand") }
        spec.image = fields.present("image").flatMap { string($0, path: path + ".image") }
        if type == .cron && spec.schedule == nil {
            error("Missing schedule", "A cron service needs a `schedule` (cron syntax, such as \"*/5 * * * *\").", path: path + ".schedule", at: node)
        }
        if type != .cron, let node = fields.present("schedule") {
            warning("Ignored key", "`schedule` applies to cron services only.", path: path + ".schedule", at: node)
        }

        if let node = fields.present("disk"), let disk = mapping(node, path: path + ".disk", allowed: ["name", "mountPath", "sizeGB"]) {
            let diskName = disk.present("name").flatMap { string($0, path: path + ".disk.name") } ?? "\(name)-disk"
            let mount = disk.present("mountPath").flatMap { string($0, path: path + ".disk.mountPath") }
            let size = disk.present("sizeGB").flatMap { int($0, path: path + ".disk.sizeGB", range: 1...16_000) } ?? 10
            if let mount { spec.disk = DiskSpec(name: diskName, mountPath: mount, sizeGB: size) }
            else { error("Incomplete disk", "A disk needs a `mountPath`.", path: path + ".disk", at: node) }
        }
        if let node = fields.present("env") { spec.env = envVars(node, path: path + ".env") }
        if let node = fields.present("uses"), let uses = mapping(node, path: path + ".uses") {
            spec.uses.reserveCapacity(uses.entries.underestimatedCount)
            for entry in uses.entries {
                func p() -> String { path + ".uses." + entry.key }
                guard let count = int(entry.value, path: p(), range: 0...100_000) else { continue }
                if !datastoreNames.contains(entry.key) {
                    var detail = "'\(entry.key)' is not a datastore of this blueprint."
                    if let hint = closestMatch(to: entry.key, in: environment.datastores.map(\.name)) { detail += " Did you mean `\(hint)`?" }
                    error("Unknown datastore", detail, path: p(), at: entry.keyNode)
                }
                spec.uses[entry.key] = count
            }
        }
        if let node = fields.present("upstream"), let up = mapping(node, path: path + ".upstream", allowed: ["name", "requestsPerMinute", "perInstance"]) {
            let upName = up.present("name").flatMap { string($0, path: path + ".upstream.name") } ?? "upstream"
            if let rpm = up.present("requestsPerMinute").flatMap({ double($0, path: path + ".upstream.requestsPerMinute", minimum: 1) }),
               let per = up.present("perInstance").flatMap({ double($0, path: path + ".upstream.perInstance", minimum: 1) }) {
                spec.upstream = UpstreamSpec(name: upName, requestsPerMinute: rpm, perInstance: per)
            } else {
                error("Incomplete upstream", "`upstream` needs `requestsPerMinute` (the upstream's limit) and `perInstance` (requests per minute one instance sends at full load).", path: path + ".upstream", at: node)
            }
        }

        var instancesGiven = false
        if let node = fields.present("instances") {
            instancesGiven = true
            spec.instances = int(node, path: path + ".instances", range: 1...100) ?? 1
            if type == .cron { warning("Ignored key", "Cron jobs have no instance count.", path: path + ".instances", at: node) }
        }
        for key in ["plan", "resources", "instances", "scaling"] {
            if let node = fields[key] { spec.marks[key] = node.mark }
        }
        if let node = fields.present("scaling") {
            for key in ["min", "max", "policy", "expected"] {
                if let value = node[key] { spec.marks["scaling." + key] = value.mark }
            }
            if let value = node["queue"]?["redis"] { spec.marks["scaling.queue.redis"] = value.mark }
            spec.scaling = scaling(node, path: path + ".scaling", service: spec)
            if let scaling = spec.scaling, !instancesGiven {
                spec.instances = max(scaling.min, 1)
            }
        }
        return spec
    }

    mutating func envVars(_ node: YAMLNode, path: String) -> [EnvVarSpec] {
        guard let env = mapping(node, path: path) else { return [] }
        var vars: [EnvVarSpec] = []
        vars.reserveCapacity(env.entries.underestimatedCount)
        for entry in env.entries {
            // The entry's path is only needed for a diagnostic: made on demand.
            func p() -> String { path + "." + entry.key }
            if !Self.isValidVariableName(entry.key) {
                error("Invalid variable name", "Environment variable names cannot be empty or contain `=` or spaces.", path: p(), at: entry.keyNode)
                continue
            }
            if entry.value.pairs != nil {
                guard let ref = mapping(entry.value, path: p(), allowed: ["secret", "generate"]) else { continue }
                if let secret = ref.present("secret"), let name = string(secret, path: p() + ".secret") {
                    vars.append(EnvVarSpec(key: entry.key, value: .secret(name)))
                } else if let generate = ref.present("generate"), bool(generate, path: p() + ".generate") == true {
                    vars.append(EnvVarSpec(key: entry.key, value: .generated))
                } else {
                    error("Invalid variable", "A structured value needs `secret: NAME` (read from the environment at apply time) or `generate: true`.", path: p(), at: entry.value)
                }
                continue
            }
            guard case .scalar(let text, _) = entry.value.content else {
                error("Wrong type", "Expected a value or `{secret: NAME}`, found \(entry.value.kindDescription).", path: p(), at: entry.value)
                continue
            }
            if !text.isEmpty, Self.looksSecret(entry.key) {
                warning("Possible secret in plain text", "'\(entry.key)' looks like a secret but has a plain value, which would be stored in the blueprint and shown in plans. Use `{ secret: \(entry.key) }` to read it from the environment at apply time.", path: p(), at: entry.value)
            }
            vars.append(EnvVarSpec(key: entry.key, value: .plain(entry.value.isNull ? "" : text)))
        }
        return vars
    }

    /// Not empty, no `=` and no whitespace.
    static func isValidVariableName(_ name: String) -> Bool {
        var ascii = true
        for byte in name.utf8 {
            if byte >= 0x80 { ascii = false; break }
            if byte == UInt8(ascii: "=") || byte == 0x20 || (0x09...0x0D).contains(byte) { return false }
        }
        if ascii { return !name.isEmpty }
        return !(name.isEmpty || name.contains("=") || name.contains(where: \.isWhitespace))
    }

    static let secretWords = ["SECRET", "PASSWORD", "TOKEN", "API_KEY", "PRIVATE_KEY"]
    static let secretNeedles = secretWords.map { Array($0.utf8) }

    /// Whether a variable's name says it holds a secret (`DB_PASSWORD`, `api_token`).
    static func looksSecret(_ name: String) -> Bool {
        // ASCII names (nearly all) are compared byte by byte, upper-cased on the fly; others go
        // through the full Unicode upper-casing and search.
        var name = name
        let ascii: Bool? = name.withUTF8 { bytes in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            for needle in secretNeedles where bytes.count >= needle.count {
                search: for start in 0...(bytes.count - needle.count) {
                    for offset in 0..<needle.count {
                        var byte = bytes[start + offset]
                        if byte >= 0x61 && byte <= 0x7A { byte -= 0x20 }
                        if byte != needle[offset] { continue search }
                    }
                    return true
                }
            }
            return false
        }
        if let ascii { return ascii }
        let upper = name.uppercased()
        return secretWords.contains(where: upper.contains)
    }

    mutating func scaling(_ node: YAMLNode, path: String, service: ServiceSpec) -> ScalingSpec? {
        guard let fields = mapping(node, path: path, allowed: ["min", "max", "policy", "queue", "expected", "targetCPUPercent", "targetMemoryPercent"]) else { return nil }
        guard let minNode = fields.present("min"), let maxNode = fields.present("max") else {
            error("Incomplete scaling", "`scaling` needs `min` and `max` instance counts.", path: path, at: node)
            return nil
        }
        guard let low = int(minNode, path: path + ".min", range: 0...100), let high = int(maxNode, path: path + ".max", range: 1...100) else { return nil }
        let policy = fields.present("policy").flatMap { string($0, path: path + ".policy") } ?? "web-default"
        var spec = ScalingSpec(min: low, max: high, policy: policy)
        if let expected = fields.present("expected") {
            spec.expected = int(expected, path: path + ".expected", range: 0...100)
        }
        spec.targetCPUPercent = fields.present("targetCPUPercent").flatMap { int($0, path: path + ".targetCPUPercent", range: 1...90) }
        spec.targetMemoryPercent = fields.present("targetMemoryPercent").flatMap { int($0, path: path + ".targetMemoryPercent", range: 1...90) }
        if spec.isRenderNative {
            if spec.targetCPUPercent == nil && spec.targetMemoryPercent == nil {
                error("Missing target", "`policy: render-native` needs `targetCPUPercent` and/or `targetMemoryPercent` (1-90).", path: path, at: node)
            }
        } else if let extra = fields.present("targetCPUPercent") ?? fields.present("targetMemoryPercent") {
            warning("Ignored key", "Render-native targets apply only with `policy: render-native`; policy '\(policy)' has its own rules.", path: path, at: extra)
        }
        if let queueNode = fields.present("queue"), let queue = mapping(queueNode, path: path + ".queue", allowed: ["redis", "kind", "name", "prefix"]) {
            let redis = queue.present("redis").flatMap { string($0, path: path + ".queue.redis") }
            let kind = queue.present("kind").flatMap { oneOf($0, path: path + ".queue.kind", as: QueueBinding.Kind.self) }
            let name = queue.present("name").flatMap { string($0, path: path + ".queue.name") }
            if let redis, let kind, let name {
                spec.queue = QueueBinding(redis: redis, kind: kind, name: name, prefix: queue.present("prefix").flatMap { string($0, path: path + ".queue.prefix") })
            } else if redis == nil || kind == nil || name == nil {
                error("Incomplete queue", "`queue` needs `redis` (a keyvalue datastore), `kind` (bullmq, sidekiq, celery, rq, list or stream) and `name`.", path: path + ".queue", at: queueNode)
            }
        }
        return spec
    }
}
