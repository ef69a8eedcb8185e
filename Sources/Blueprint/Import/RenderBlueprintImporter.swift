/// Turns a Render Blueprint (`render.yaml`) into a Ballast blueprint, warning for every key it cannot
/// carry over. Deprecated spellings (`env:` for the runtime, `type: redis`) and mixed-case plans
/// (`Starter`, `pro plus`, `Basic-1gb`) are read as Render reads them.
///
/// ```swift
/// let result = RenderBlueprintImporter.convert(bytes, file: "render.yaml", project: "celery")
/// print(result.yaml)             // a blueprint `ballast validate` accepts
/// result.diagnostics.items       // one warning per dropped key
/// ```
public enum RenderBlueprintImporter {
    public struct Result: Sendable {
        /// The Ballast blueprint, nil when the input could not be read at all.
        public var yaml: String?
        public var diagnostics: Diagnostics
    }

    struct Service {
        var name: String
        var lines: [String] = []
        var comment: String?
    }

    /// Legacy Postgres plans Render no longer creates, and the current plan nearest to each.
    static let legacyPostgres = ["starter": "basic_256mb", "standard": "basic_1gb", "pro": "pro_4gb", "pro_plus": "pro_8gb"]
    static let serviceCarried: Set<String> = ["type", "name", "runtime", "env", "plan", "region", "numInstances", "scaling", "healthCheckPath",
                                             "buildCommand", "startCommand", "repo", "branch", "schedule", "disk", "envVars", "image"]
    static let datastoreCarried: Set<String> = ["type", "name", "plan", "region", "maxmemoryPolicy"]
    static let databaseCarried: Set<String> = ["name", "plan", "region", "diskSizeGB", "postgresMajorVersion"]

    public static func convert(_ bytes: [UInt8], file: String, project: String) -> Result {
        var d = NodeDecoder(file: file)
        let document = YAMLReader.parse(bytes)
        d.report(document.problems)
        guard let root = document.root, let top = d.mapping(root, path: "") else {
            if document.root == nil && document.problems.isEmpty { d.error("Empty file", "The Render Blueprint holds no YAML document.", path: "", at: nil) }
            return Result(yaml: nil, diagnostics: d.diagnostics)
        }
        var services: [YAMLNode] = []
        var databases: [YAMLNode] = []
        var paths: [String] = []
        var dbPaths: [String] = []
        for entry in top.entries {
            switch entry.key {
            case "services":
                for (i, s) in (d.sequence(entry.value, path: "services") ?? []).enumerated() { services.append(s); paths.append("services[\(i)]") }
            case "databases":
                for (i, s) in (d.sequence(entry.value, path: "databases") ?? []).enumerated() { databases.append(s); dbPaths.append("databases[\(i)]") }
            case "projects":
                d.warning("Projects flattened", "Render projects and their environments have no Ballast equivalent yet: their services and databases are imported as one list. Ballast environments are overlays of one set of resources (see `environments:`).", path: "projects", at: entry.keyNode)
                for (pi, project) in (d.sequence(entry.value, path: "projects") ?? []).enumerated() {
                    for (ei, env) in (project["environments"]?.items ?? []).enumerated() {
                        let base = "projects[\(pi)].environments[\(ei)]"
                        for (i, s) in (env["services"]?.items ?? []).enumerated() { services.append(s); paths.append("\(base).services[\(i)]") }
                        for (i, s) in (env["databases"]?.items ?? []).enumerated() { databases.append(s); dbPaths.append("\(base).databases[\(i)]") }
                        for pair in env.pairs ?? [] where !["name", "services", "databases"].contains(pair.key.scalar ?? "") {
                            d.warning("Key not carried over", "`\(pair.key.scalar ?? "?")` of a project environment has no Ballast equivalent and was dropped.", path: "\(base).\(pair.key.scalar ?? "?")", at: pair.key)
                        }
                    }
                }
            default:
                d.warning("Key not carried over", "`\(entry.key)` has no Ballast equivalent and was dropped\(entry.key == "envVarGroups" ? "; services referring to a group get its variables as secrets to supply at apply time" : "").", path: entry.key, at: entry.keyNode)
            }
        }

        var serviceBlocks: [String] = []
        var datastoreBlocks: [String] = []
        var usedNames: Set<String> = []
        func uniqueName(_ name: String, path: String, at node: YAMLNode) -> String {
            var candidate = name, n = 2
            while usedNames.contains(candidate) { candidate = "\(name)-\(n)"; n += 1 }
            if candidate != name {
                d.warning("Duplicate name", "'\(name)' is used twice; the second is imported as '\(candidate)'.", path: path, at: node)
            }
            usedNames.insert(candidate)
            return candidate
        }

        for (index, node) in services.enumerated() {
            let path = paths[index]
            guard let s = d.mapping(node, path: path) else { continue }
            guard let rawName = s.present("name").flatMap({ d.string($0, path: path + ".name") }) else {
                d.error("Missing name", "A Render service needs a `name`.", path: path, at: node)
                continue
            }
            let rawType = s.present("type").flatMap { d.string($0, path: path + ".type") } ?? ""
            if rawType == "redis" || rawType == "keyvalue" {
                if rawType == "redis" { d.warning("Deprecated key", "`type: redis` is Render's old name for `keyvalue`; imported as keyvalue.", path: path + ".type", at: s["type"]) }
                let name = uniqueName(rawName, path: path + ".name", at: node)
                var lines = ["  \(yamlQuoted(name)):", "    type: keyvalue"]
                if let plan = s.present("plan").flatMap({ d.string($0, path: path + ".plan") }) { lines.append("    plan: \(normalizedPlanName(plan))") }
                if let region = s.present("region").flatMap({ d.string($0, path: path + ".region") }) { lines.append("    region: \(region.lowercased())") }
                if let policy = s.present("maxmemoryPolicy").flatMap({ d.string($0, path: path + ".maxmemoryPolicy") }) { lines.append("    maxmemoryPolicy: \(yamlQuoted(policy))") }
                for entry in s.entries where !datastoreCarried.contains(entry.key) {
                    d.warning("Key not carried over", "`\(entry.key)` of Key Value '\(rawName)' has no Ballast equivalent and was dropped.", path: path + "." + entry.key, at: entry.keyNode)
                }
                datastoreBlocks.append(lines.joined(separator: "\n"))
                continue
            }
            guard let type = ServiceType(rawValue: rawType) else {
                d.warning("Service not imported", "Service '\(rawName)' has type '\(rawType)', which Ballast does not manage (web, worker, pserv, cron, keyvalue); it was skipped.", path: path + ".type", at: s["type"] ?? node)
                continue
            }
            var runtime = s.present("runtime").flatMap { d.string($0, path: path + ".runtime") }
            if runtime == nil, let envNode = s.present("env"), let env = envNode.scalar {
                d.warning("Deprecated key", "`env: \(env)` is Render's old spelling of `runtime`; imported as `runtime: \(env)`.", path: path + ".env", at: envNode)
                runtime = env
            }
            if runtime == "static" {
                d.warning("Service not imported", "'\(rawName)' is a static site, which Ballast does not manage; it was skipped.", path: path + ".runtime", at: s["runtime"] ?? node)
                continue
            }
            let name = uniqueName(rawName, path: path + ".name", at: node)
            var lines = ["  \(yamlQuoted(name)):", "    type: \(type.rawValue)", "    runtime: \(yamlQuoted(runtime ?? "docker"))"]
            if runtime == nil { d.warning("Runtime assumed", "'\(rawName)' names no runtime; imported as docker.", path: path, at: node) }
            var plan = "starter"
            if let planText = s.present("plan").flatMap({ d.string($0, path: path + ".plan") }) {
                plan = normalizedPlanName(planText)
                lines.append("    plan: \(plan)")
            }
            for key in ["region", "healthCheckPath", "buildCommand", "startCommand", "repo", "branch", "schedule"] {
                if let value = s.present(key).flatMap({ d.string($0, path: path + "." + key) }) {
                    lines.append("    \(key): \(yamlQuoted(key == "region" ? value.lowercased() : value))")
                }
            }
            if let image = s.present("image"), let url = image["url"]?.scalar {
                lines.append("    image: \(yamlQuoted(url))")
            }
            let hasDisk = s.present("disk") != nil
            if let disk = s.present("disk"), let mount = disk["mountPath"]?.scalar {
                var parts = ["mountPath: \(yamlQuoted(mount))"]
                if let diskName = disk["name"]?.scalar { parts.insert("name: \(yamlQuoted(diskName))", at: 0) }
                if let size = disk["sizeGB"]?.scalar { parts.append("sizeGB: \(size)") }
                lines.append("    disk: { \(parts.joined(separator: ", ")) }")
            }
            if let count = s.present("numInstances").flatMap({ d.int($0, path: path + ".numInstances", range: 1...100) }) {
                if hasDisk && count > 1 {
                    d.warning("Instances lowered", "'\(rawName)' has a disk, so Render runs one instance; `numInstances: \(count)` imported as 1.", path: path + ".numInstances", at: s["numInstances"])
                } else {
                    lines.append("    instances: \(count)")
                }
            }
            if let scaling = s.present("scaling") {
                let low = scaling["minInstances"]?.scalar.flatMap { Int($0) } ?? 1
                let high = scaling["maxInstances"]?.scalar.flatMap { Int($0) } ?? low
                if hasDisk || plan == "free" {
                    d.warning("Scaling dropped", "'\(rawName)' \(hasDisk ? "has a disk" : "is on the free plan"), so it cannot scale; its `scaling` block was dropped.", path: path + ".scaling", at: scaling)
                } else {
                    var parts = ["min: \(low)", "max: \(high)", "policy: render-native"]
                    if let cpu = scaling["targetCPUPercent"]?.scalar { parts.append("targetCPUPercent: \(cpu)") }
                    if let memory = scaling["targetMemoryPercent"]?.scalar { parts.append("targetMemoryPercent: \(memory)") }
                    if scaling["targetCPUPercent"] == nil && scaling["targetMemoryPercent"] == nil { parts.append("targetCPUPercent: 60") }
                    lines.append("    scaling: { \(parts.joined(separator: ", ")) }")
                }
            }
            if let envVars = s.present("envVars") {
                let env = importEnvVars(envVars, path: path + ".envVars", service: rawName, decoder: &d)
                if !env.isEmpty { lines.append("    env:"); lines.append(contentsOf: env) }
            }
            for entry in s.entries where !serviceCarried.contains(entry.key) {
                d.warning("Key not carried over", "`\(entry.key)` of '\(rawName)' has no Ballast equivalent and was dropped.", path: path + "." + entry.key, at: entry.keyNode)
            }
            if type == .cron && s.present("schedule") == nil { lines.append("    schedule: \"0 * * * *\"") }
            serviceBlocks.append(lines.joined(separator: "\n"))
        }

        for (index, node) in databases.enumerated() {
            let path = dbPaths[index]
            guard let db = d.mapping(node, path: path) else { continue }
            guard let rawName = db.present("name").flatMap({ d.string($0, path: path + ".name") }) else {
                d.error("Missing name", "A Render database needs a `name`.", path: path, at: node)
                continue
            }
            let name = uniqueName(rawName, path: path + ".name", at: node)
            var lines = ["  \(yamlQuoted(name)):", "    type: postgres"]
            var plan = db.present("plan").flatMap { d.string($0, path: path + ".plan") }.map(normalizedPlanName) ?? "basic_256mb"
            if let modern = legacyPostgres[plan] {
                d.warning("Legacy plan", "Postgres plan '\(plan)' is a legacy plan Render no longer creates; imported as `\(modern)`, the nearest current plan.", path: path + ".plan", at: db["plan"])
                plan = modern
            }
            lines.append("    plan: \(plan)")
            if let region = db.present("region")?.scalar { lines.append("    region: \(region.lowercased())") }
            if let size = db.present("diskSizeGB")?.scalar { lines.append("    storageGB: \(size)") }
            if let version = db.present("postgresMajorVersion")?.scalar { lines.append("    version: \(yamlQuoted(version))") }
            for entry in db.entries where !databaseCarried.contains(entry.key) {
                d.warning("Key not carried over", "`\(entry.key)` of database '\(rawName)' has no Ballast equivalent and was dropped.", path: path + "." + entry.key, at: entry.keyNode)
            }
            datastoreBlocks.append(lines.joined(separator: "\n"))
        }

        var out = "# Imported from \(file) by `ballast import`. Review the warnings it printed.\nversion: 1\nproject: \(yamlQuoted(project))\n"
        out += serviceBlocks.isEmpty ? "services: {}\n" : "services:\n" + serviceBlocks.joined(separator: "\n") + "\n"
        if !datastoreBlocks.isEmpty { out += "datastores:\n" + datastoreBlocks.joined(separator: "\n") + "\n" }
        return Result(yaml: d.diagnostics.hasErrors ? nil : out, diagnostics: d.diagnostics)
    }

    static func importEnvVars(_ node: YAMLNode, path: String, service: String, decoder d: inout NodeDecoder) -> [String] {
        var lines: [String] = []
        var seen: Set<String> = []
        for (i, item) in (d.sequence(node, path: path) ?? []).enumerated() {
            let p = "\(path)[\(i)]"
            if let group = item["fromGroup"]?.scalar {
                d.warning("Key not carried over", "'\(service)' takes variables from env group '\(group)'; groups are not imported, so add its variables to `env` by hand.", path: p + ".fromGroup", at: item)
                continue
            }
            guard let key = item["key"]?.scalar, !key.isEmpty, !seen.contains(key) else { continue }
            seen.insert(key)
            if let value = item["value"], let text = value.scalar {
                lines.append("      \(yamlQuoted(key)): \(yamlQuoted(text))")
            } else if item["generateValue"]?.scalar == "true" {
                lines.append("      \(yamlQuoted(key)): { generate: true }")
            } else if item["sync"] != nil {
                lines.append("      \(yamlQuoted(key)): { secret: \(yamlQuoted(key)) }")
            } else if item["fromDatabase"] != nil || item["fromService"] != nil {
                let source = item["fromDatabase"] != nil ? "fromDatabase" : "fromService"
                d.warning("Reference imported as a secret", "`\(key)` of '\(service)' is a `\(source)` reference, which Ballast does not resolve; it becomes `{ secret: \(key) }`, to be supplied from the environment at apply time.", path: p + "." + source, at: item)
                lines.append("      \(yamlQuoted(key)): { secret: \(yamlQuoted(key)) }")
            }
        }
        return lines
    }
}
