import Blueprint
import Foundation
import Hosting
import Planning
import Reports
import Testing

/// plan and apply against the sandbox served over HTTP, with the real `RenderProvider`.
@Suite("plan and apply against the sandbox server", .serialized)
struct ApplyIntegrationTests {
    @Test("empty sandbox -> the example's production environment -> No changes.")
    func emptyToProduction() async throws {
        let harness = try await SandboxHarness.start()
        defer { Task { await harness.stop() } }
        let production = try Example.production(owner: harness.owner)
        let store = harness.store()

        let (plan, report) = try await harness.apply(production, store: store)
        #expect(plan.actionable.map(\.address) == ["keyvalue.redis", "service.backend-api", "service.ai-service", "service.worker"])
        #expect(report.succeeded)
        #expect(report.completionLine == "Apply complete! Resources: 4 added, 0 changed, 0 destroyed.")
        let text = PlanReport(plan).text()
        #expect(text.contains("Plan: 4 to add, 0 to change, 0 to destroy."))
        #expect(text.contains("Monthly cost: $0.00 -> "))
        #expect(!text.contains("s3cret"))

        let again = try await harness.plan(production, store: store)
        #expect(!again.hasChanges)   // --detailed-exitcode: 0
        #expect(PlanReport(again).text().hasPrefix("No changes. Your infrastructure matches the configuration."))
        let services = try await harness.sandbox.listServices()
        #expect(services.count == 3)
        #expect(services.first { $0.name == "backend-api" }?.numInstances == 2)
        let state = try #require(try store.load())
        #expect(state.resources.count == 4)
        let stateText = try String(contentsOfFile: store.path, encoding: .utf8)
        #expect(!stateText.contains("s3cret"))
    }

    @Test("a secret missing where apply runs: nothing is created, and every service that needs one names all it lacks")
    func missingSecretsApplyNothing() async throws {
        let harness = try await SandboxHarness.start()
        defer { Task { await harness.stop() } }
        let production = try Example.production(owner: harness.owner)
        let store = harness.store()
        let plan = try await harness.plan(production, store: store)
        let state = BallastState(lineage: UUID().uuidString, project: production.project, environment: production.environment)
        // Only OPENAI_API_KEY is set here.
        let executor = PlanExecutor(provider: harness.provider, ownerId: harness.owner, secret: { $0 == "OPENAI_API_KEY" ? "sk-test" : nil })
        let report = await executor.apply(plan, state: state, save: { _ in Issue.record("no state is written when nothing is applied") })

        #expect(!report.succeeded)
        let failed = report.entries.compactMap { entry -> String? in
            if case .failed(let message) = entry.status { return "\(entry.change.address): \(message)" }
            return nil
        }
        #expect(failed.contains { $0.hasPrefix("service.backend-api: secrets DATABASE_URL (for DATABASE_URL), REDIS_URL (for REDIS_URL) not set") }, "\(failed)")
        #expect(failed.allSatisfy { $0.hasSuffix("nothing was applied") && !$0.contains("sk-test") })
        #expect(report.entries.first { $0.change.address == "keyvalue.redis" }?.status == .notAttempted)
        // The provider was never asked to create anything.
        #expect(try await harness.sandbox.listServices().isEmpty)
        for type in DatastoreType.allCases {
            #expect(try await harness.sandbox.listDatastores(type, ownerId: nil, names: []).isEmpty, "\(type)")
        }
    }

    @Test("a plan, a count, an env var and a region change give the expected actions and diffs")
    func changes() async throws {
        let harness = try await SandboxHarness.start()
        defer { Task { await harness.stop() } }
        var production = try Example.production(owner: harness.owner)
        let store = harness.store()
        _ = try await harness.apply(production, store: store)

        func index(_ name: String) -> Int { production.services.firstIndex { $0.name == name }! }
        production.services[index("backend-api")].plan = "pro"
        production.services[index("worker")].scaling?.min = 4
        production.services[index("worker")].env = production.services[index("worker")].env.map {
            $0.key == "QUEUE_NAME" ? EnvVarSpec(key: "QUEUE_NAME", value: .plain("documents-v2")) : $0
        }
        production.services[index("ai-service")].region = "frankfurt"

        let plan = try await harness.plan(production, store: store)
        let actions = Dictionary(uniqueKeysWithValues: plan.actionable.map { ($0.address, $0.action) })
        #expect(actions == ["service.backend-api": .update, "service.worker": .update, "service.ai-service": .replace])
        let worker = try #require(plan.actionable.first { $0.name == "worker" })
        #expect(worker.operations == [.scale(4), .setEnvVars(worker.operations.compactMap {
            if case .setEnvVars(let vars) = $0 { return vars } else { return nil }
        }.first ?? [])])
        let text = PlanReport(plan).text()
        #expect(text.contains("~ plan = \"standard\" -> \"pro\""))
        #expect(text.contains("~ instances") && text.contains("2 -> 4"))
        #expect(text.contains("\"documents\" -> \"documents-v2\""))
        #expect(text.contains("\"oregon\" -> \"frankfurt\" # forces replacement"))
        #expect(text.contains("Plan: 1 to add, 2 to change, 1 to destroy."))

        let (_, report) = try await harness.apply(production, store: store)
        #expect(report.succeeded)
        #expect(!(try await harness.plan(production, store: store)).hasChanges)
        let ai = try await harness.sandbox.listServices().filter { $0.name == "ai-service" }
        #expect(ai.map(\.region) == ["frankfurt"])
    }

    @Test("a service created by hand with a blueprint name is adopted, not duplicated")
    func adoption() async throws {
        let harness = try await SandboxHarness.start()
        defer { Task { await harness.stop() } }
        let production = try Example.production(owner: harness.owner)
        var request = ServiceCreateRequest(name: "backend-api", type: .web, runtime: "node", ownerId: harness.owner, plan: "standard", numInstances: 1)
        request.startCommand = "node dist/server.js"
        let handMade = try await harness.sandbox.createService(request)

        let store = harness.store()
        let (plan, report) = try await harness.apply(production, store: store)
        let backend = try #require(plan.changes.first { $0.name == "backend-api" })
        #expect(backend.action == .import)
        #expect(backend.id == handMade.id)
        #expect(report.succeeded)
        #expect(report.completionLine.contains("1 imported, 3 added"))
        let named = try await harness.sandbox.listServices().filter { $0.name == "backend-api" }
        #expect(named.map(\.id) == [handMade.id])
        #expect(named.first?.numInstances == 2)
        #expect(!(try await harness.plan(production, store: store)).hasChanges)
    }

    @Test("--fault-rate 0.2: apply completes or fails cleanly, a rerun converges, never a duplicate")
    func faults() async throws {
        let harness = try await SandboxHarness.start(faultRate: 0.2)
        defer { Task { await harness.stop() } }
        let production = try Example.production(owner: harness.owner)
        let store = harness.store()
        var converged = false
        for _ in 0..<6 {
            do {
                let (_, report) = try await harness.apply(production, store: store)
                for entry in report.entries where entry.status != .done {
                    // Failures are reported per change, with the state kept.
                    #expect(!(try store.load()?.lineage ?? "").isEmpty)
                    _ = entry
                }
                let names = try await harness.sandbox.listServices().map(\.name)
                #expect(names.count == Set(names).count)
                if report.succeeded { converged = true; break }
            } catch {
                // A failed read before anything was applied: nothing to check but duplicates.
                let names = try await harness.sandbox.listServices().map(\.name)
                #expect(names.count == Set(names).count)
            }
        }
        #expect(converged)
        let clean = try await SandboxHarness.start(sandbox: harness.sandbox)
        defer { Task { await clean.stop() } }
        let final = try await clean.plan(production, store: store)
        #expect(!final.hasChanges)
        let names = try await harness.sandbox.listServices().map(\.name)
        #expect(names.sorted() == ["ai-service", "backend-api", "worker"])
        #expect(try await harness.sandbox.listDatastores().count == 1)
    }

    @Test("a stale plan file is refused")
    func stalePlan() async throws {
        let harness = try await SandboxHarness.start()
        defer { Task { await harness.stop() } }
        var production = try Example.production(owner: harness.owner)
        let store = harness.store()
        _ = try await harness.apply(production, store: store)
        production.services[0].plan = "pro"
        let saved = try await harness.plan(production, store: store)
        #expect(saved.hasChanges)
        let state = try store.load()
        let fresh = try await harness.plan(production, store: store)
        #expect(SavedPlan.staleness(of: saved, state: state, actualFingerprint: fresh.actualFingerprint) == nil)

        // Someone changes the service by hand: the actual resources moved.
        let id = try #require(saved.changes.first { $0.name == production.services[0].name }?.id)
        _ = try await harness.sandbox.updateService(id: id, ServiceUpdate(plan: "standard_plus"))
        let moved = try await harness.plan(production, store: store)
        #expect(SavedPlan.staleness(of: saved, state: state, actualFingerprint: moved.actualFingerprint)?.hasPrefix("Saved plan is stale") == true)

        // Another apply writes the state.
        _ = try await harness.apply(production, store: store)
        let after = try await harness.plan(production, store: store)
        let reason = SavedPlan.staleness(of: saved, state: try store.load(), actualFingerprint: after.actualFingerprint)
        #expect(reason?.contains("the state was changed by another operation") == true)
    }

    @Test("two concurrent applies do not interleave; a second one fails naming who holds the lock")
    func concurrentApplies() async throws {
        let harness = try await SandboxHarness.start()
        defer { Task { await harness.stop() } }
        let production = try Example.production(owner: harness.owner)
        let store = harness.store()
        async let first = harness.apply(production, store: store)
        async let second = harness.apply(production, store: store)
        let (a, b) = try await (first, second)
        #expect(a.1.succeeded && b.1.succeeded)
        // One created everything; the other, having waited for the lock, found nothing to do.
        #expect([a.0.actionable.count, b.0.actionable.count].sorted() == [0, 4])
        let names = try await harness.sandbox.listServices().map(\.name)
        #expect(names.count == 3 && Set(names).count == 3)

        let held = try await store.lock(operation: "apply", timeout: 0)
        defer { held.release() }
        do {
            _ = try await store.lock(operation: "apply", timeout: 0)
            Issue.record("a second lock was granted")
        } catch let error as StateStoreError {
            #expect(error.holder?.id == held.info.id)
            #expect("\(error)".contains("Who:"))
        }
    }

    @Test("a plan over 2,000 services reads the actual state in at most 25 list calls")
    func twoThousandServices() async throws {
        let sandbox = Sandbox(inMemory: SandboxOptions())
        let owner = try sandbox.defaultOwnerId()
        var desired = ResolvedEnvironment(project: "big", environment: "production", owner: owner, region: "oregon", file: "big.yaml")
        for index in 0..<2000 {
            var spec = ServiceSpec(name: "svc-\(index)", type: .worker, runtime: "node", plan: "starter", region: "oregon", instances: 1)
            spec.env = [EnvVarSpec(key: "INDEX", value: .plain(String(index)))]
            desired.services.append(spec)
            var request = ServiceCreateRequest(name: spec.name, type: .worker, runtime: "node", ownerId: owner, plan: "starter", region: "oregon", numInstances: 1)
            request.envVars = [EnvVarInput(key: "INDEX", value: String(index))]
            _ = try await sandbox.createService(request)
        }
        let harness = try await SandboxHarness.start(record: true, sandbox: sandbox)
        defer { Task { await harness.stop() } }
        let store = harness.store()
        // Adopt them all (in-process, unrecorded), so the state knows them.
        let (adopting, report) = try await harness.apply(desired, store: store, provider: sandbox)
        #expect(adopting.summary.import == 2000)
        #expect(report.succeeded)

        let plan = try await harness.plan(desired, store: store)
        #expect(!plan.hasChanges)
        let calls = try harness.recorded()
        let lists = calls.filter { $0.method == "GET" }
        #expect(lists.count <= 25, "\(lists.count) calls")
        #expect(!calls.contains { $0.path.hasSuffix("/env-vars") })
        #expect(calls.allSatisfy { $0.method == "GET" })
    }
}
