import Blueprint
import Foundation
import Testing

@Suite struct BlueprintTests {
    @Test func exampleResolvesBothEnvironmentsToTheirProfiles() throws {
        let bytes = try Repo.bytes(Repo.root.appendingPathComponent("blueprints/qc-platform.yaml"))
        let (blueprint, parseDiagnostics) = Blueprint.parse(bytes, file: "blueprints/qc-platform.yaml")
        #expect(!parseDiagnostics.hasErrors)
        let policies = try Repo.policies()
        let catalog = Catalog.builtin()
        let (dev, devDiagnostics) = try #require(blueprint).resolve(environment: "development", catalog: catalog, policies: policies)
        let (prod, prodDiagnostics) = try #require(blueprint).resolve(environment: "production", catalog: catalog, policies: policies)
        #expect(devDiagnostics.errors.isEmpty, "\(devDiagnostics.errors)")
        #expect(prodDiagnostics.errors.isEmpty, "\(prodDiagnostics.errors)")
        let development = try #require(dev), production = try #require(prod)

        // Development: minimum requirements, one instance each, no scaling, free datastores.
        for name in ["backend-api", "ai-service", "worker"] {
            let service = try #require(development.service(named: name))
            #expect(service.instances == 1)
            #expect(service.scaling == nil)
            // The cheapest plan that fits the request, checked against the catalog rather than a literal.
            let request = try #require(service.resources)
            #expect(service.plan == catalog.cheapestComputePlan(fitting: request, for: service.type)?.name)
        }
        #expect(development.service(named: "backend-api")?.resources == ResourceRequest(cpu: 0.25, memoryMB: 256))
        #expect(development.datastore(named: "postgres")?.plan == "free")
        #expect(development.datastore(named: "postgres")?.maxConnections == 60)
        #expect(development.datastore(named: "redis")?.plan == "free")
        #expect(development.budget == nil)

        // Production: recommended sizes and scaling on all three services.
        let backend = try #require(production.service(named: "backend-api"))
        #expect(backend.resources == ResourceRequest(cpu: 1, memoryMB: 1024))
        #expect(backend.plan == "standard")
        #expect(backend.scaling?.min == 2 && backend.scaling?.max == 5)
        #expect(production.service(named: "ai-service")?.resources == ResourceRequest(cpu: 1, memoryMB: 2048))
        #expect(production.service(named: "worker")?.scaling?.queue == QueueBinding(redis: "redis", kind: .bullmq, name: "documents"))
        #expect(production.services.allSatisfy { $0.scaling != nil })
        #expect((production.datastore(named: "postgres")?.maxConnections ?? 0) >= 200)
        let redisMemory = catalog.keyValuePlan(named: production.datastore(named: "redis")?.plan ?? "")?.memoryMB ?? 0
        #expect(redisMemory >= 100)
        #expect(production.budget?.monthly == 400)
        #expect(production.guardrails == ["production-safety"])
        // Secrets stay references.
        #expect(backend.env.contains(EnvVarSpec(key: "DATABASE_URL", value: .secret("DATABASE_URL"))))
    }

    @Test func overlaysMergeReplaceAndRemove() throws {
        let text = try String(contentsOf: Repo.fixtures.appendingPathComponent("good/overlays.yaml"), encoding: .utf8)
        let (prodState, prodDiagnostics) = Repo.resolve(text, env: "production")
        #expect(!prodDiagnostics.hasErrors, "\(prodDiagnostics.items)")
        let prod = try #require(prodState)
        let api = try #require(prod.service(named: "api"))
        #expect(prod.region == "ohio")
        #expect(api.region == "ohio")
        #expect(api.plan == "pro_plus")
        #expect(api.scaling?.min == 2 && api.scaling?.max == 4)
        #expect(api.scaling?.targetCPUPercent == 60)       // kept from the base: mappings merge
        #expect(api.instances == 2)                         // defaults to scaling.min
        #expect(api.env.first { $0.key == "MODE" }?.value == .plain("prod"))
        #expect(api.env.first { $0.key == "API_KEY" }?.value == .secret("API_KEY"))
        #expect(prod.service(named: "jobs")?.plan == "standard")
        #expect(prod.datastore(named: "cache")?.plan == "starter")
        #expect(prod.datastore(named: "cache")?.maxConnections == 250)

        let (devState, _) = Repo.resolve(text, env: "development")
        let dev = try #require(devState)
        #expect(dev.region == "frankfurt")
        #expect(dev.service(named: "api")?.scaling == nil)  // `scaling: null` removes it
        #expect(dev.service(named: "api")?.plan == "starter")
    }

    struct BadCase: Sendable, CustomStringConvertible {
        let file: String
        let summary: String
        let path: String
        let line: Int?
        var description: String { file }
    }

    static let badCases: [BadCase] = [
        .init(file: "malformed.yaml", summary: "Malformed YAML", path: "", line: 5),
        .init(file: "unclosed-flow.yaml", summary: "Malformed YAML", path: "", line: nil),
        .init(file: "wrong-types.yaml", summary: "Wrong type", path: "project", line: 1),
        .init(file: "wrong-types.yaml", summary: "Wrong type", path: "services.api.instances", line: 6),
        .init(file: "wrong-types.yaml", summary: "Wrong type", path: "services.api.scaling.min", line: 7),
        .init(file: "wrong-types.yaml", summary: "Wrong type", path: "services.api.protect", line: 8),
        .init(file: "unknown-keys.yaml", summary: "Unknown key", path: "services.api.instnces", line: 6),
        .init(file: "unknown-keys.yaml", summary: "Unknown key", path: "services.api.helthCheckPath", line: 7),
        .init(file: "duplicate-keys.yaml", summary: "Duplicate key", path: "", line: 7),
        .init(file: "alias-bomb.yaml", summary: "Document too large after alias expansion", path: "", line: nil),
        .init(file: "empty.yaml", summary: "Empty blueprint", path: "", line: nil),
        .init(file: "non-utf8.yaml", summary: "Invalid UTF-8", path: "", line: nil),
        .init(file: "not-a-mapping.yaml", summary: "Wrong type", path: "", line: 1),
        .init(file: "unknown-alias.yaml", summary: "Unknown alias", path: "", line: 2),
        .init(file: "capacity.yaml", summary: "Unknown policy", path: "services.api.scaling.policy", line: 11),
        .init(file: "capacity.yaml", summary: "Plan cannot scale", path: "services.free-web.instances", line: 16),
        .init(file: "capacity.yaml", summary: "Scaling bounds reversed", path: "services.reversed.scaling.min", line: 22),
        .init(file: "capacity.yaml", summary: "Value out of range", path: "services.reversed.scaling.targetCPUPercent", line: 22),
        .init(file: "capacity.yaml", summary: "Unknown datastore", path: "services.reversed.uses.cache", line: 21),
        .init(file: "capacity.yaml", summary: "Connection limit exceeded", path: "datastores.db.maxConnections", line: nil),
        .init(file: "capacity.yaml", summary: "Budget below minimum cost", path: "environments.production.budget", line: 4),
    ]

    /// Every file of the bad-input corpus yields the expected diagnostic, with its place, and no crash.
    @Test(arguments: badCases)
    func badInputCorpus(_ bad: BadCase) throws {
        let url = Repo.fixtures.appendingPathComponent("bad/" + bad.file)
        let (blueprint, parseDiagnostics) = Blueprint.parse(try Repo.bytes(url), file: bad.file)
        var all = parseDiagnostics
        if let blueprint {
            all.append(contentsOf: blueprint.validateAll(catalog: .builtin(), policies: try Repo.policies()))
        }
        #expect(all.hasErrors)
        let match = all.items.first { $0.summary == bad.summary && $0.path == bad.path }
        let found = try #require(match, "no '\(bad.summary)' at '\(bad.path)' among: \(all.items.map { "\($0.summary) @ \($0.path)" })")
        #expect(found.severity == .error)
        #expect(!found.detail.isEmpty)
        if let line = bad.line {
            #expect(found.range?.start.line == line)
            #expect(found.range?.filename == bad.file)
        }
    }

    @Test func everyCorpusFileIsCovered() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Repo.fixtures.appendingPathComponent("bad").path)
        #expect(Set(files) == Set(Self.badCases.map(\.file)))
    }

    @Test func unknownKeysGetADidYouMeanHint() throws {
        let (blueprint, _) = Blueprint.parse(try Repo.bytes(Repo.fixtures.appendingPathComponent("bad/unknown-keys.yaml")), file: "x")
        let diagnostics = try #require(blueprint).validateAll(catalog: .builtin(), policies: PolicyLibrary())
        #expect(diagnostics.items.first { $0.path == "services.api.instnces" }?.detail.contains("Did you mean `instances`?") == true)
        #expect(diagnostics.items.first { $0.path == "services.api.helthCheckPath" }?.detail.contains("Did you mean `healthCheckPath`?") == true)
    }

    @Test func connectionLimitErrorNamesServicesAndNumbers() throws {
        let (blueprint, _) = Blueprint.parse(try Repo.bytes(Repo.fixtures.appendingPathComponent("bad/capacity.yaml")), file: "capacity.yaml")
        let diagnostics = try #require(blueprint).validateAll(catalog: .builtin(), policies: PolicyLibrary())
        let detail = try #require(diagnostics.items.first { $0.summary == "Connection limit exceeded" }?.detail)
        // api: max 5 × 20 = 100; reversed: max 2 × 10 = 20 → 120 > 60.
        #expect(detail.contains("120 connections to 'db', which accepts 60"))
        #expect(detail.contains("api 5 × 20 = 100"))
        #expect(detail.contains("reversed 2 × 10 = 20"))
    }

    @Test func budgetAtMinimumUsesCatalogPrices() throws {
        let text = """
        project: b
        environments: { production: { budget: { monthly: 50 } } }
        services:
          api: { type: web, runtime: node, plan: standard, scaling: { min: 2, max: 4, policy: render-native, targetCPUPercent: 60 } }
        """
        let catalog = Catalog.builtin()
        let standard = try #require(catalog.monthlyPrice(ofPlan: "standard"))
        let (_, diagnostics) = Repo.resolve(text, env: "production")
        if 2 * standard > 50 {
            #expect(diagnostics.items.contains { $0.summary == "Budget below minimum cost" })
        } else if 4 * standard > 50 {
            let warning = try #require(diagnostics.items.first { $0.summary == "Budget caps scaling" })
            #expect(warning.severity == .warning)
            #expect(warning.detail.contains("$\(money(4 * standard))/month"))
        }
    }

    @Test func unknownEnvironmentIsReportedWithAHint() throws {
        let text = "project: p\nenvironments: { production: {} }\nservices:\n  api: { type: web, runtime: node, environments: { prodution: { plan: pro } } }\n"
        let (_, diagnostics) = Blueprint.parse(text, file: "t.yaml")
        let found = try #require(diagnostics.items.first { $0.summary == "Unknown environment" })
        #expect(found.detail.contains("Did you mean `production`?"))
        #expect(found.path == "services.api.environments.prodution")
    }

    @Test func anEnvironmentNotDeclaredIsReportedWithItsFileAndLine() throws {
        let text = "project: p\nservices:\n  api: { type: web, runtime: node }\nenvironments:\n  production: {}\n  staging: {}\n"
        let blueprint = try #require(Blueprint.parse(text, file: "platform.yaml").0)
        let (resolved, diagnostics) = blueprint.resolve(environment: "prod", catalog: .builtin(), policies: PolicyLibrary())
        #expect(resolved == nil)
        let found = try #require(diagnostics.items.first { $0.summary == "Unknown environment" })
        #expect(found.detail.contains("Did you mean `production`?"))
        #expect(found.range?.filename == "platform.yaml")
        #expect(found.range?.start.line == 4, "the line of `environments:`")
        // Without environments, the error still names the file.
        let bare = try #require(Blueprint.parse("project: p\nservices:\n  api: { type: web, runtime: node }\n", file: "bare.yaml").0)
        let (_, bareDiagnostics) = bare.resolve(environment: "prod", catalog: .builtin(), policies: PolicyLibrary())
        #expect(bareDiagnostics.items.first?.range?.filename == "bare.yaml")
    }

    @Test func plainSecretsAreFlagged() throws {
        let (_, diagnostics) = Repo.resolve("project: p\nservices:\n  api: { type: web, runtime: node, env: { STRIPE_SECRET_KEY: sk_live_123 } }\n")
        #expect(diagnostics.items.contains { $0.summary == "Possible secret in plain text" && $0.severity == .warning })
    }

    @Test func shippedPoliciesParseWithoutDiagnostics() throws {
        let library = try Repo.policies()
        #expect(library.diagnostics.items.isEmpty, "\(library.diagnostics.items)")
        #expect(library.guardrails["production-safety"]?.rules.count == 4)
        #expect(library.budgets["small-team-budget"]?.budget.monthly == 300)
    }

    @Test func guardrailsFindViolations() throws {
        var library = PolicyLibrary()
        library.add(try Repo.bytes(Repo.root.appendingPathComponent("policies/production-safety.yaml")), file: "p.yaml")
        let set = try #require(library.guardrails["production-safety"])
        let (state, _) = Repo.resolve("project: p\nenvironments: { production: {} }\nservices:\n  api: { type: web, runtime: node, plan: free }\n", env: "production")
        let env = try #require(state)
        let found = set.rules.flatMap { $0.violations(in: env) }
        #expect(Set(found.map(\.rule)) == ["web-min-2", "no-free-plans", "web-health-check"])
        #expect(found.allSatisfy { $0.resource == "api" })
    }
}

@Suite struct CatalogTests {
    @Test func builtinCatalogParsesCleanly() {
        let (catalog, diagnostics) = Catalog.parse(Catalog.builtinYAML, file: "builtin")
        #expect(diagnostics.items.isEmpty)
        #expect(catalog?.compute.map(\.name) == ["free", "starter", "standard", "pro", "pro_plus", "pro_max", "pro_ultra"])
        #expect(catalog?.hoursPerMonth == 730)
    }

    @Test(arguments: [
        (0.25, 256.0, ServiceType.web, "starter"), (0.5, 512, .web, "starter"), (1, 1024, .web, "standard"),
        (1, 2048, .worker, "standard"), (2, 2048, .web, "pro"), (4, 12 * 1024, .web, "pro_max"), (3, 4096, .cron, "pro_plus"),
    ])
    func cheapestFittingPlan(cpu: Double, memory: Double, type: ServiceType, expected: String) {
        #expect(Catalog.builtin().cheapestComputePlan(fitting: .init(cpu: cpu, memoryMB: memory), for: type)?.name == expected)
    }

    @Test(arguments: [("Starter", "starter"), ("pro plus", "pro_plus"), ("Basic-1gb", "basic_1gb"), ("PRO_MAX", "pro_max")])
    func planNamesNormalise(text: String, expected: String) {
        #expect(normalizedPlanName(text) == expected)
    }

    @Test func supabasePriceAppliesTheComputeCredit() throws {
        let catalog = Catalog.builtin()
        var store = DatastoreSpec(name: "db", type: .external, plan: "pro")
        store.vendor = "supabase"
        store.compute = "small"
        let plan = try #require(catalog.supabasePlans.first { $0.name == "pro" }).monthly
        let compute = try #require(catalog.supabaseCompute.first { $0.name == "small" }).monthly
        #expect(catalog.monthlyPrice(of: store) == plan + compute - min(compute, catalog.supabaseComputeCredit))
    }

    @Test func brokenCatalogIsReported() {
        let (catalog, diagnostics) = Catalog.parse("compute:\n  tiny: { cpu: 1 }\n", file: "c.yaml")
        #expect(catalog == nil)
        #expect(diagnostics.items.first?.summary == "Incomplete plan")
        #expect(diagnostics.items.first?.path == "compute.tiny")
    }
}

@Suite struct ImportTests {
    static let files: [String] = {
        let folder = Repo.shared.appendingPathComponent("render-blueprints")
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    @Test func theRealBlueprintsAreThere() {
        #expect(Self.files.count >= 16, "../shared/render-blueprints must hold the real render.yaml files")
    }

    /// Every real Render Blueprint imports, and the result validates.
    @Test(arguments: files)
    func importsAndValidates(_ name: String) throws {
        let url = Repo.shared.appendingPathComponent("render-blueprints/" + name)
        let result = RenderBlueprintImporter.convert(try Repo.bytes(url), file: name, project: "imported")
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.errors)")
        let yaml = try #require(result.yaml)
        let (blueprint, parseDiagnostics) = Blueprint.parse(yaml, file: "imported.yaml")
        #expect(parseDiagnostics.items.isEmpty, "\(parseDiagnostics.items)")
        let diagnostics = try #require(blueprint).validateAll(catalog: .builtin(), policies: PolicyLibrary())
        #expect(!diagnostics.hasErrors, "\(diagnostics.errors)")
    }

    @Test func deprecatedKeysAndMixedCasePlansAreRead() throws {
        let text = """
        services:
          - type: redis
            name: cache
            plan: Starter
            ipAllowList: []
          - type: web
            name: app
            env: python
            plan: pro plus
            numInstances: 2
            envVars:
              - key: A
                value: "1"
              - key: DB
                fromDatabase: { name: db, property: connectionString }
        databases:
          - name: db
            plan: Basic-1gb
        """
        let result = RenderBlueprintImporter.convert(Array(text.utf8), file: "render.yaml", project: "p")
        let (state, diagnostics) = Repo.resolve(try #require(result.yaml))
        #expect(!diagnostics.hasErrors, "\(diagnostics.errors)")
        let env = try #require(state)
        #expect(env.datastore(named: "cache")?.type == .keyvalue)
        #expect(env.datastore(named: "cache")?.plan == "starter")
        #expect(env.datastore(named: "db")?.plan == "basic_1gb")
        #expect(env.service(named: "app")?.runtime == "python")
        #expect(env.service(named: "app")?.plan == "pro_plus")
        #expect(env.service(named: "app")?.instances == 2)
        #expect(env.service(named: "app")?.env.contains(EnvVarSpec(key: "DB", value: .secret("DB"))) == true)
        let warnings = result.diagnostics.items.map(\.summary)
        #expect(warnings.contains("Deprecated key"))
        #expect(warnings.contains("Key not carried over"))       // ipAllowList
        #expect(warnings.contains("Reference imported as a secret"))
    }
}

/// A policy holds its parts once for all its copies (a fleet's decision inputs share them): a copy
/// is told from an equal policy without comparing, and a change to a copy leaves the others as they were.
@Test func copiesOfAPolicyShareItsPartsUntilOneChanges() throws {
    let library = try Repo.policies()
    let original = try #require(library.scale["web-default"])
    var copy = original
    #expect(copy.isCopy(of: original) && copy == original)
    copy.scaleUp.tolerance = 0.5
    #expect(!copy.isCopy(of: original) && copy != original)
    #expect(original.scaleUp.tolerance != 0.5 && copy.scaleUp.tolerance == 0.5)
    #expect(copy.rules == original.rules && copy.name == original.name)
    // Equal parts made apart: equal, not copies.
    var again = copy
    again.scaleUp.tolerance = original.scaleUp.tolerance
    #expect(again == original && !again.isCopy(of: original))
    // Every part a setter reaches is changed on that copy alone.
    var renamed = original
    renamed.name = "renamed"
    renamed.rules.removeLast()
    renamed.schedules = []
    #expect(renamed.name == "renamed" && renamed.rules.count == original.rules.count - 1)
    #expect(original.name == "web-default" && !original.rules.isEmpty)
}
