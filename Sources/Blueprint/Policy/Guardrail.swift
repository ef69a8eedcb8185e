/// A rule checked at plan time (`kind: guardrails`): a plan that breaks one fails, naming rule and resource.
///
/// ```yaml
/// kind: guardrails
/// name: production-safety
/// rules:
///   - id: web-min-2
///     description: production web services run at least 2 instances
///     environments: [production]
///     types: [web]
///     minInstances: 2
///   - id: no-free-plans
///     environments: [production]
///     forbidPlans: [free]
///   - id: cost-increase
///     maxMonthlyIncrease: 100      # USD; a bigger increase needs --allow-cost-increase
/// ```
public struct Guardrail: Sendable, Equatable {
    public enum Check: Sendable, Equatable {
        case minInstances(Int)
        case maxInstances(Int)
        case forbidPlans([String])
        case requireHealthCheck
        case maxMonthlyIncrease(Double)
    }

    public var id: String
    public var description: String
    /// Environments it applies to; empty means all.
    public var environments: [String]
    /// Service types it applies to; empty means all.
    public var types: [ServiceType]
    public var check: Check
    public var mark: SourceMark?

    public func applies(to environment: String, type: ServiceType?) -> Bool {
        (environments.isEmpty || environments.contains(environment)) && (types.isEmpty || type.map(types.contains) ?? true)
    }
}

/// A broken guardrail: which rule, which resource, why.
public struct GuardrailViolation: Sendable, Equatable, Codable {
    public var rule: String
    public var resource: String
    public var message: String
}

extension Guardrail {
    /// Checks the rules that look at the desired state alone (everything but ``Check/maxMonthlyIncrease(_:)``,
    /// which needs a plan's cost delta and is checked by the planner).
    public func violations(in environment: ResolvedEnvironment) -> [GuardrailViolation] {
        var found: [GuardrailViolation] = []
        for service in environment.services where applies(to: environment.environment, type: service.type) {
            let floor = service.scaling?.min ?? service.instances
            let ceiling = service.scaling?.max ?? service.instances
            switch check {
            case .minInstances(let n) where service.type.isScalable && floor < n:
                found.append(.init(rule: id, resource: service.name, message: "\(description.isEmpty ? "needs at least \(n) instances" : description): runs as few as \(floor)."))
            case .maxInstances(let n) where ceiling > n:
                found.append(.init(rule: id, resource: service.name, message: "\(description.isEmpty ? "allows at most \(n) instances" : description): may run \(ceiling)."))
            case .forbidPlans(let plans) where plans.contains(service.plan):
                found.append(.init(rule: id, resource: service.name, message: "\(description.isEmpty ? "plan \(service.plan) is not allowed" : description): uses plan \(service.plan)."))
            case .requireHealthCheck where service.type == .web && service.healthCheckPath == nil:
                found.append(.init(rule: id, resource: service.name, message: "\(description.isEmpty ? "web services need a health check" : description): no healthCheckPath."))
            default:
                break
            }
        }
        return found
    }
}

/// A named set of guardrails.
public struct GuardrailSet: Sendable, Equatable {
    public var name: String
    public var rules: [Guardrail]
}

extension NodeDecoder {
    mutating func guardrailSet(_ node: YAMLNode, path: String) -> GuardrailSet? {
        guard let fields = mapping(node, path: path, allowed: ["kind", "name", "description", "rules"]) else { return nil }
        guard let name = fields.present("name").flatMap({ string($0, path: NodeDecoder.join(path, "name")) }) else {
            error("Missing name", "A policy needs a `name`.", path: path, at: node)
            return nil
        }
        var set = GuardrailSet(name: name, rules: [])
        let rulesPath = NodeDecoder.join(path, "rules")
        for (index, item) in (fields.present("rules").flatMap { sequence($0, path: rulesPath) } ?? []).enumerated() {
            let p = "\(rulesPath)[\(index)]"
            let checks = ["minInstances", "maxInstances", "forbidPlans", "requireHealthCheck", "maxMonthlyIncrease"]
            guard let rule = mapping(item, path: p, allowed: ["id", "description", "environments", "types"] + checks) else { continue }
            let id = rule.present("id").flatMap { string($0, path: p + ".id") } ?? "\(name)[\(index)]"
            let present = checks.filter { rule.present($0) != nil }
            guard present.count == 1, let key = present.first, let value = rule[key] else {
                error("Invalid guardrail", "A guardrail rule needs exactly one check of: \(checks.joined(separator: ", ")).", path: p, at: item)
                continue
            }
            let check: Guardrail.Check?
            switch key {
            case "minInstances": check = int(value, path: p + ".minInstances", range: 0...100).map { .minInstances($0) }
            case "maxInstances": check = int(value, path: p + ".maxInstances", range: 0...100).map { .maxInstances($0) }
            case "forbidPlans": check = sequence(value, path: p + ".forbidPlans").map { .forbidPlans($0.compactMap { self.string($0, path: p + ".forbidPlans").map(normalizedPlanName) }) }
            case "requireHealthCheck": check = bool(value, path: p + ".requireHealthCheck") == true ? .requireHealthCheck : nil
            default: check = double(value, path: p + ".maxMonthlyIncrease", minimum: 0).map { .maxMonthlyIncrease($0) }
            }
            guard let check else { continue }
            let environments = rule.present("environments").flatMap { sequence($0, path: p + ".environments") }?.compactMap { string($0, path: p + ".environments") } ?? []
            let types = rule.present("types").flatMap { sequence($0, path: p + ".types") }?.compactMap { oneOf($0, path: p + ".types", as: ServiceType.self) } ?? []
            let description = rule.present("description").flatMap { string($0, path: p + ".description") } ?? ""
            set.rules.append(Guardrail(id: id, description: description, environments: environments, types: types, check: check, mark: item.mark))
        }
        return set
    }
}
