extension Catalog {
    /// Reads a catalog document; every problem becomes a diagnostic.
    public static func parse(_ text: String, file: String) -> (Catalog?, Diagnostics) {
        let document = YAMLReader.parse(text)
        var decoder = NodeDecoder(file: file)
        for problem in document.problems {
            decoder.diagnostics.append(Diagnostic(problem.fatal ? .error : .error, problem.summary, detail: problem.detail, path: "", range: problem.mark.map { .init(filename: file, start: $0) }))
        }
        guard let root = document.root else {
            if document.problems.isEmpty { decoder.error("Empty catalog", "The catalog file has no content.", path: "", at: nil) }
            return (nil, decoder.diagnostics)
        }
        let catalog = decoder.catalog(root)
        return (decoder.diagnostics.hasErrors ? nil : catalog, decoder.diagnostics)
    }
}

extension NodeDecoder {
    mutating func catalog(_ root: YAMLNode) -> Catalog? {
        guard let top = mapping(root, path: "", allowed: ["name", "currency", "date", "source", "hoursPerMonth", "compute", "keyvalue", "postgres", "supabase", "models"]) else { return nil }
        var catalog = Catalog(name: "custom", currency: "USD", date: "", source: "", hoursPerMonth: 730, compute: [], keyValue: [], postgres: [],
                              postgresStoragePerGB: 0, supabasePlans: [], supabaseCompute: [], supabaseComputeCredit: 0, models: [])
        if let n = top.present("name") { catalog.name = string(n, path: "name") ?? catalog.name }
        if let n = top.present("currency") { catalog.currency = string(n, path: "currency") ?? "USD" }
        if let n = top.present("date") { catalog.date = string(n, path: "date") ?? "" }
        if let n = top.present("source") { catalog.source = string(n, path: "source") ?? "" }
        if let n = top.present("hoursPerMonth") { catalog.hoursPerMonth = double(n, path: "hoursPerMonth", minimum: 1) ?? 730 }
        if let n = top.present("compute"), let plans = mapping(n, path: "compute") {
            for entry in plans.entries {
                let path = Self.join("compute", entry.key)
                guard let fields = mapping(entry.value, path: path, allowed: ["cpu", "memory", "monthly", "scalable", "types"]) else { continue }
                guard let cpu = fields.present("cpu").flatMap({ double($0, path: path + ".cpu", minimum: 0) }),
                      let memory = fields.present("memory").flatMap({ megabytes($0, path: path + ".memory") }),
                      let monthly = fields.present("monthly").flatMap({ double($0, path: path + ".monthly", minimum: 0) }) else {
                    error("Incomplete plan", "A compute plan needs `cpu`, `memory` and `monthly`.", path: path, at: entry.value)
                    continue
                }
                let scalable = fields.present("scalable").flatMap { bool($0, path: path + ".scalable") } ?? true
                var types: [ServiceType] = []
                if let list = fields.present("types").flatMap({ sequence($0, path: path + ".types") }) {
                    types = list.compactMap { oneOf($0, path: path + ".types", as: ServiceType.self) }
                }
                catalog.compute.append(.init(name: normalizedPlanName(entry.key), cpu: cpu, memoryMB: memory, monthly: monthly, scalable: scalable, types: types))
            }
        }
        if let n = top.present("keyvalue") { catalog.keyValue = datastorePlans(n, path: "keyvalue") }
        if let n = top.present("postgres"), let pg = mapping(n, path: "postgres", allowed: ["storagePerGB", "plans"]) {
            if let s = pg.present("storagePerGB") { catalog.postgresStoragePerGB = double(s, path: "postgres.storagePerGB", minimum: 0) ?? 0 }
            if let p = pg.present("plans") { catalog.postgres = datastorePlans(p, path: "postgres.plans") }
        }
        if let n = top.present("supabase"), let sb = mapping(n, path: "supabase", allowed: ["computeCredit", "plans", "compute"]) {
            if let c = sb.present("computeCredit") { catalog.supabaseComputeCredit = double(c, path: "supabase.computeCredit", minimum: 0) ?? 0 }
            if let p = sb.present("plans") { catalog.supabasePlans = datastorePlans(p, path: "supabase.plans") }
            if let p = sb.present("compute") { catalog.supabaseCompute = datastorePlans(p, path: "supabase.compute") }
        }
        if let n = top.present("models"), let models = mapping(n, path: "models") {
            for entry in models.entries {
                let path = Self.join("models", entry.key)
                guard let fields = mapping(entry.value, path: path, allowed: ["input", "output"]) else { continue }
                let input = fields.present("input").flatMap { double($0, path: path + ".input", minimum: 0) } ?? 0
                let output = fields.present("output").flatMap { double($0, path: path + ".output", minimum: 0) } ?? 0
                catalog.models.append(.init(name: entry.key, inputPerMillion: input, outputPerMillion: output))
            }
        }
        return catalog
    }

    private mutating func datastorePlans(_ node: YAMLNode, path: String) -> [Catalog.DatastorePlan] {
        guard let plans = mapping(node, path: path) else { return [] }
        var result: [Catalog.DatastorePlan] = []
        for entry in plans.entries {
            let p = Self.join(path, entry.key)
            guard let fields = mapping(entry.value, path: p, allowed: ["memory", "maxConnections", "monthly"]) else { continue }
            guard let monthly = fields.present("monthly").flatMap({ double($0, path: p + ".monthly", minimum: 0) }) else {
                error("Incomplete plan", "A plan needs `monthly`.", path: p, at: entry.value)
                continue
            }
            result.append(.init(name: normalizedPlanName(entry.key),
                                memoryMB: fields.present("memory").flatMap { megabytes($0, path: p + ".memory") },
                                maxConnections: fields.present("maxConnections").flatMap { int($0, path: p + ".maxConnections", range: 1...10_000_000) },
                                monthly: monthly))
        }
        return result
    }
}
