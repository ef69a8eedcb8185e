/// A named monthly budget (`kind: budget`), referenced from an environment as `budget: NAME`.
///
/// ```yaml
/// kind: budget
/// name: production-budget
/// monthly: 400          # USD
/// action: hold          # hold: the controller stops scaling up at the cap; alert: it warns only
/// services: { ai-service: 150 }
/// ```
public struct BudgetPolicy: Sendable, Equatable {
    public var name: String
    public var budget: BudgetSpec
}

extension NodeDecoder {
    mutating func budgetSpec(_ node: YAMLNode, path: String, extraKeys: [String] = []) -> BudgetSpec? {
        guard let fields = mapping(node, path: path, allowed: ["monthly", "action", "services"] + extraKeys) else { return nil }
        guard let monthlyNode = fields.present("monthly") else {
            error("Missing monthly", "A budget needs `monthly`, in USD.", path: path, at: node)
            return nil
        }
        guard let monthly = double(monthlyNode, path: NodeDecoder.join(path, "monthly"), minimum: 0) else { return nil }
        var spec = BudgetSpec(monthly: monthly)
        if let actionNode = fields.present("action") {
            spec.action = oneOf(actionNode, path: NodeDecoder.join(path, "action"), as: BudgetSpec.Action.self) ?? .hold
        }
        if let servicesNode = fields.present("services"), let services = mapping(servicesNode, path: NodeDecoder.join(path, "services")) {
            for entry in services.entries {
                if let cap = double(entry.value, path: NodeDecoder.join(path, "services.\(entry.key)"), minimum: 0) {
                    spec.services[entry.key] = cap
                }
            }
        }
        return spec
    }

    mutating func budgetPolicy(_ node: YAMLNode, path: String) -> BudgetPolicy? {
        guard let fields = mapping(node, path: path) else { return nil }
        guard let name = fields.present("name").flatMap({ string($0, path: NodeDecoder.join(path, "name")) }) else {
            error("Missing name", "A policy needs a `name`.", path: path, at: node)
            return nil
        }
        guard let spec = budgetSpec(node.removing(keys: ["kind", "name", "description"]), path: path) else { return nil }
        return BudgetPolicy(name: name, budget: spec)
    }
}
