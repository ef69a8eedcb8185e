extension NodeDecoder {
    /// The checks that need the whole environment: scaling bounds and plans, policy names, queue
    /// bindings, shared connection limits and the budget.
    mutating func validate(_ env: ResolvedEnvironment, catalog: Catalog, policies: PolicyLibrary, budgetNode: YAMLNode?) {
        let envLabel = env.environment == "default" ? "" : " in \(env.environment)"
        let datastoresByName = Dictionary(env.datastores.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        // Indices, not `for service in`: the iterator would copy every ServiceSpec (a dozen
        // reference-counted fields); a subscripted element is only read.
        for index in env.services.indices {
            let service = env.services[index]
            func path() -> String { "services.\(service.name)" }  // for diagnostics only
            func at(_ key: String) -> YAMLNode? {
                (service.marks[key] ?? service.marks[key.components(separatedBy: ".").first ?? key] ?? service.mark).map { YAMLNode(.scalar("", plain: true), mark: $0) }
            }
            let plan = catalog.computePlan(named: service.plan)
            if service.type == .cron, service.scaling != nil {
                error("Cron jobs cannot scale", "'\(service.name)' is a cron job; remove `scaling`.", path: path() + ".scaling", at: at("scaling"))
                continue
            }
            if let plan, !plan.types.isEmpty, !plan.types.contains(service.type) {
                error("Plan not available", "Plan `\(plan.name)` is not available for \(service.type.rawValue) services (only \(plan.types.map(\.rawValue).joined(separator: ", "))).", path: path() + ".plan", at: at("plan"))
            }
            let ceiling = service.scaling?.max ?? service.instances
            if let plan, !plan.scalable, ceiling > 1 {
                error("Plan cannot scale", "'\(service.name)' is on the `\(plan.name)` plan\(envLabel), which runs a single instance; it asks for up to \(ceiling). Choose a paid plan or one instance.", path: path() + (service.scaling == nil ? ".instances" : ".scaling.max"), at: at(service.scaling == nil ? "instances" : "scaling.max"))
            }
            if service.disk != nil, ceiling > 1 {
                error("Service with a disk cannot scale", "'\(service.name)' has a persistent disk, and Render runs such services as one instance; it asks for up to \(ceiling).", path: path() + (service.scaling == nil ? ".instances" : ".scaling.max"), at: at(service.scaling == nil ? "instances" : "scaling.max"))
            }
            guard let scaling = service.scaling else { continue }
            if scaling.min > scaling.max {
                error("Scaling bounds reversed", "`min` (\(scaling.min)) is greater than `max` (\(scaling.max)) for '\(service.name)'\(envLabel).", path: path() + ".scaling.min", at: at("scaling.min"))
            }
            if scaling.min == 0 && service.type != .worker {
                error("Only workers scale to zero", "`min: 0` suspends the service when idle, which only background workers may do; '\(service.name)' is a \(service.type.rawValue) service.", path: path() + ".scaling.min", at: at("scaling.min"))
            }
            if let expected = scaling.expected, !(scaling.min...max(scaling.min, scaling.max)).contains(expected) {
                error("Expected outside bounds", "`expected` (\(expected)) must lie between min (\(scaling.min)) and max (\(scaling.max)).", path: path() + ".scaling.expected", at: at("scaling.expected"))
            }
            if !scaling.isRenderNative && policies.scale.index(forKey: scaling.policy) == nil {
                unknownPolicy(scaling.policy, kind: "scale", known: Array(policies.scale.keys) + [ScalingSpec.renderNative], path: path() + ".scaling.policy", at: at("scaling.policy"))
            }
            if scaling.isRenderNative && scaling.min == 0 {
                error("Render cannot scale to zero", "Render's native autoscaling needs `min` of at least 1.", path: path() + ".scaling.min", at: at("scaling.min"))
            }
            if let queue = scaling.queue {
                if let store = datastoresByName[queue.redis] {
                    if store.type != .keyvalue && store.vendor != "redis" {
                        error("Queue not in Redis", "The queue of '\(service.name)' must live in a keyvalue datastore; '\(queue.redis)' is \(store.type.rawValue).", path: path() + ".scaling.queue.redis", at: at("scaling.queue.redis"))
                    }
                } else {
                    var detail = "'\(queue.redis)' is not a datastore of this blueprint."
                    if let hint = closestMatch(to: queue.redis, in: env.datastores.map(\.name)) { detail += " Did you mean `\(hint)`?" }
                    error("Unknown datastore", detail, path: path() + ".scaling.queue.redis", at: at("scaling.queue.redis"))
                }
            }
        }

        // Shared connection limits: every instance a service may run opens its pool. One pass over
        // the services, then one look-up per datastore: O(services + datastores).
        var users: [String: [(name: String, instances: Int, perInstance: Int)]] = [:]
        for index in env.services.indices where !env.services[index].uses.isEmpty {
            let service = env.services[index]
            for (store, per) in service.uses where per > 0 {
                users[store, default: []].append((service.name, service.scaling?.max ?? service.instances, per))
            }
        }
        for store in env.datastores {
            guard let limit = store.maxConnections, let users = users[store.name] else { continue }
            let total = users.reduce(0) { $0 + $1.instances * $1.perInstance }
            if total > limit {
                let parts = users.map { "\($0.name) \($0.instances) × \($0.perInstance) = \($0.instances * $0.perInstance)" }.joined(separator: ", ")
                let at = store.mark.map { YAMLNode(.scalar("", plain: true), mark: $0) }
                error("Connection limit exceeded", "At their maximum instance counts\(envLabel), services would open \(total) connections to '\(store.name)', which accepts \(limit): \(parts). Lower `max`, lower `uses.\(store.name)`, or use a larger plan.", path: "datastores.\(store.name).maxConnections", at: at)
            }
        }

        // Budget reachable at minimum instances; warn when the maximum exceeds it.
        if let budget = env.budget {
            let path = "environments.\(env.environment).budget"
            let atMin = catalog.monthlyCost(of: env)
            let atMax = catalog.monthlyCost(of: env) { $0.scaling?.max ?? $0.instances }
            if atMin > budget.monthly + 1e-9 {
                error("Budget below minimum cost", "Every service at its minimum costs $\(money(atMin))/month\(envLabel), above the budget of $\(money(budget.monthly)). Raise the budget or lower minimums and plans.", path: path, at: budgetNode)
            } else if atMax > budget.monthly + 1e-9 {
                warning("Budget caps scaling", "At maximum instance counts the environment would cost $\(money(atMax))/month, above the budget of $\(money(budget.monthly)); the controller will stop scaling up at the budget.", path: path, at: budgetNode)
            }
            for name in budget.services.keys.sorted() where env.service(named: name) == nil {
                error("Unknown service", "The budget caps '\(name)', which is not a service of this blueprint.", path: path + ".services." + name, at: budgetNode)
            }
        }
    }
}

/// Dollars with two decimals, no currency formatter needed.
public func money(_ value: Double) -> String {
    let cents = Int((value * 100).rounded())
    let sign = cents < 0 ? "-" : ""
    let absCents = abs(cents)
    let fraction = absCents % 100
    return "\(sign)\(absCents / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}
