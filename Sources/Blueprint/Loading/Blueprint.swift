/// A parsed blueprint file: the base and its environments, not yet resolved.
///
/// ```swift
/// let (blueprint, diagnostics) = Blueprint.parse(bytes, file: "blueprints/qc-platform.yaml")
/// let (production, more) = blueprint!.resolve(environment: "production", catalog: .builtin(), policies: library)
/// ```
/// - Important: parsing checks the document's shape; ``resolve(environment:catalog:policies:)`` applies
///   one environment's overlays and runs every semantic check (plans, capacity, budgets, policies).
public struct Blueprint: Sendable {
    public struct Environment: Sendable {
        public var name: String
        public var node: YAMLNode
        public var keyMark: SourceMark
    }

    struct Entry: Sendable {
        var name: String
        var keyNode: YAMLNode
        var node: YAMLNode
    }

    public var file: String
    public var version: Int
    public var project: String
    public var owner: String?
    public var region: String?
    public var environments: [Environment]
    var services: [Entry]
    var datastores: [Entry]
    var guardrails: [(name: String, node: YAMLNode)]
    var root: YAMLNode

    public var environmentNames: [String] { environments.map(\.name) }
    public var serviceNames: [String] { services.map(\.name) }
    public var datastoreNames: [String] { datastores.map(\.name) }

    static let topKeys = ["version", "project", "provider", "environments", "services", "datastores", "guardrails"]
    static let environmentKeys = ["budget", "region", "owner", "guardrails"]
    static let serviceKeys = ["type", "runtime", "plan", "resources", "instances", "region", "healthCheckPath", "env", "uses",
                              "scaling", "protect", "schedule", "disk", "repo", "branch", "buildCommand", "startCommand",
                              "image", "upstream", "environments"]
    static let datastoreKeys = ["type", "plan", "region", "maxConnections", "vendor", "compute", "monthly", "storageGB",
                                "version", "maxmemoryPolicy", "protect", "environments"]

    /// Reads a blueprint's bytes. Returns nil with diagnostics when the document cannot be used at all.
    public static func parse(_ bytes: [UInt8], file: String, limits: YAMLLimits = .default) -> (Blueprint?, Diagnostics) {
        var decoder = NodeDecoder(file: file)
        let document = YAMLReader.parse(bytes, limits: limits)
        decoder.report(document.problems)
        guard let root = document.root else {
            if document.problems.isEmpty {
                decoder.error("Empty blueprint", "The file holds no YAML document. A blueprint needs at least `project` and `services`.", path: "", at: nil)
            }
            return (nil, decoder.diagnostics)
        }
        guard let top = decoder.mapping(root, path: "", allowed: topKeys, what: "a mapping with `project`, `services` and more") else {
            return (nil, decoder.diagnostics)
        }
        var blueprint = Blueprint(file: file, version: 1, project: "", owner: nil, region: nil, environments: [], services: [], datastores: [], guardrails: [], root: root)
        if let node = top.present("version") {
            if let version = decoder.int(node, path: "version"), version != 1 {
                decoder.error("Unsupported version", "This Ballast reads blueprint version 1; the file says \(version).", path: "version", at: node)
            }
        }
        if let node = top.present("project") {
            blueprint.project = decoder.string(node, path: "project") ?? ""
        } else {
            decoder.error("Missing project", "A blueprint needs a `project` name.", path: "project", at: root)
        }
        if let node = top.present("provider"), let provider = decoder.mapping(node, path: "provider", allowed: ["render"]),
           let renderNode = provider.present("render"), let render = decoder.mapping(renderNode, path: "provider.render", allowed: ["owner", "region"]) {
            blueprint.owner = render.present("owner").flatMap { decoder.string($0, path: "provider.render.owner") }
            if let regionNode = render.present("region") {
                blueprint.region = decoder.region(regionNode, path: "provider.render.region")
            }
        }
        if let node = top.present("environments"), let environments = decoder.mapping(node, path: "environments") {
            for entry in environments.entries {
                let path = NodeDecoder.join("environments", entry.key)
                _ = decoder.mapping(entry.value, path: path, allowed: environmentKeys)
                blueprint.environments.append(Environment(name: entry.key, node: entry.value, keyMark: entry.keyNode.mark))
            }
        }
        if let node = top.present("services"), let services = decoder.mapping(node, path: "services") {
            for entry in services.entries {
                decoder.checkName(entry.key, path: NodeDecoder.join("services", entry.key), at: entry.keyNode)
                blueprint.services.append(Entry(name: entry.key, keyNode: entry.keyNode, node: entry.value))
            }
        } else if top["services"] == nil {
            decoder.error("Missing services", "A blueprint needs a `services` mapping (it may be empty: `services: {}`).", path: "services", at: root)
        }
        let serviceNames = Set(blueprint.services.map(\.name))
        if let node = top.present("datastores"), let datastores = decoder.mapping(node, path: "datastores") {
            for entry in datastores.entries {
                decoder.checkName(entry.key, path: NodeDecoder.join("datastores", entry.key), at: entry.keyNode)
                if serviceNames.contains(entry.key) {
                    decoder.error("Duplicate name", "'\(entry.key)' names both a service and a datastore; Render identifies resources by name.", path: NodeDecoder.join("datastores", entry.key), at: entry.keyNode)
                }
                blueprint.datastores.append(Entry(name: entry.key, keyNode: entry.keyNode, node: entry.value))
            }
        }
        if let node = top.present("guardrails"), let list = decoder.sequence(node, path: "guardrails") {
            for (index, item) in list.enumerated() {
                if let name = decoder.string(item, path: "guardrails[\(index)]") { blueprint.guardrails.append((name, item)) }
            }
        }
        // Overlays must name declared environments.
        let names = blueprint.environmentNames
        let serviceCount = blueprint.services.count
        for (index, entry) in (blueprint.services + blueprint.datastores).enumerated() {
            guard let overlays = entry.node["environments"], let pairs = overlays.pairs else { continue }
            let kind = index < serviceCount ? "services" : "datastores"
            for pair in pairs {
                guard let envName = pair.key.scalar, !names.contains(envName) else { continue }
                var detail = "'\(envName)' is not declared under the top-level `environments`."
                if let hint = closestMatch(to: envName, in: names) { detail += " Did you mean `\(hint)`?" }
                else if names.isEmpty { detail += " Declare it there first." }
                decoder.error("Unknown environment", detail, path: "\(kind).\(entry.name).environments.\(envName)", at: pair.key)
            }
        }
        return (blueprint, decoder.diagnostics)
    }

    public static func parse(_ text: String, file: String) -> (Blueprint?, Diagnostics) {
        parse(Array(text.utf8), file: file)
    }
}

extension NodeDecoder {
    mutating func report(_ problems: [YAMLProblem]) {
        for problem in problems {
            diagnostics.append(Diagnostic(.error, problem.summary, detail: problem.detail, path: "",
                                          range: problem.mark.map { .init(filename: file, start: $0) }))
        }
    }

    /// Render resource names: 1-100 characters, no control characters.
    mutating func checkName(_ name: String, path: String, at node: YAMLNode) {
        if !Self.isValidName(name) {
            error("Invalid name", "Resource names must be 1 to 100 printable characters.", path: path, at: node)
        }
    }

    static func isValidName(_ name: String) -> Bool {
        // ASCII names: one character per byte, and the control characters are 0x00-0x1F and 0x7F.
        let utf8 = name.utf8
        if utf8.allSatisfy({ $0 < 0x80 }) {
            return !utf8.isEmpty && utf8.count <= 100 && !utf8.contains { $0 < 0x20 || $0 == 0x7F }
        }
        return !(name.isEmpty || name.count > 100 || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }))
    }

    static let regions = ["oregon", "ohio", "virginia", "frankfurt", "singapore"]

    mutating func region(_ node: YAMLNode, path: String) -> String? {
        guard let text = string(node, path: path) else { return nil }
        let lowered = text.lowercased()
        guard Self.regions.contains(lowered) else {
            var detail = "'\(text)' is not a Render region (\(Self.regions.joined(separator: ", ")))."
            if let hint = closestMatch(to: text, in: Self.regions) { detail += " Did you mean `\(hint)`?" }
            error("Unknown region", detail, path: path, at: node)
            return nil
        }
        return lowered
    }
}
