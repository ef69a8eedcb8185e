/// Every policy a workspace has, by kind and name, read from the YAML files of a `policies/` folder.
///
/// ```swift
/// var library = PolicyLibrary()
/// library.add(fileText, file: "policies/web-default.yaml")   // diagnostics collect in library.diagnostics
/// library.scale["web-default"]
/// ```
public struct PolicyLibrary: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case scale, budget, guardrails
    }

    public private(set) var scale: [String: ScalePolicy] = [:]
    public private(set) var budgets: [String: BudgetPolicy] = [:]
    public private(set) var guardrails: [String: GuardrailSet] = [:]
    public private(set) var diagnostics = Diagnostics()
    /// Where each policy was defined, for duplicate reports.
    private var origins: [String: String] = [:]

    public init() {}

    public var allNames: [String] { Array(scale.keys) + Array(budgets.keys) + Array(guardrails.keys) }

    /// Reads one policy file. Problems go to ``diagnostics``; the library keeps what it could read.
    public mutating func add(_ bytes: [UInt8], file: String) {
        var decoder = NodeDecoder(file: file)
        let document = YAMLReader.parse(bytes)
        decoder.report(document.problems)
        defer { diagnostics.append(contentsOf: decoder.diagnostics) }
        guard let root = document.root else {
            if document.problems.isEmpty { decoder.error("Empty policy", "The policy file holds no YAML document.", path: "", at: nil) }
            return
        }
        var kind = Kind.scale
        if let kindNode = root["kind"], !kindNode.isNull {
            guard let parsed = decoder.oneOf(kindNode, path: "kind", as: Kind.self) else { return }
            kind = parsed
        }
        let name: String?
        switch kind {
        case .scale:
            let policy = decoder.scalePolicy(root, path: "")
            name = policy?.name
            if let policy, register(policy.name, file: file, at: root, decoder: &decoder) { scale[policy.name] = policy }
        case .budget:
            let policy = decoder.budgetPolicy(root, path: "")
            name = policy?.name
            if let policy, register(policy.name, file: file, at: root, decoder: &decoder) { budgets[policy.name] = policy }
        case .guardrails:
            let set = decoder.guardrailSet(root, path: "")
            name = set?.name
            if let set, register(set.name, file: file, at: root, decoder: &decoder) { guardrails[set.name] = set }
        }
        _ = name
    }

    public mutating func add(_ text: String, file: String) {
        add(Array(text.utf8), file: file)
    }

    /// Records a problem found outside any one file (an unreadable folder).
    public mutating func report(_ diagnostic: Diagnostic) {
        diagnostics.append(diagnostic)
    }

    private mutating func register(_ name: String, file: String, at node: YAMLNode, decoder: inout NodeDecoder) -> Bool {
        if let first = origins[name] {
            decoder.error("Duplicate policy name", "A policy named '\(name)' is already defined in \(first); policy names are unique across kinds.", path: "name", at: node["name"] ?? node)
            return false
        }
        origins[name] = file
        return true
    }
}
