import Blueprint
import Foundation
import Planning
import Reports
import Testing

@Suite("Planner: desired x actual x state -> Plan")
struct PlannerTests {
    @Test("an empty workspace: everything is created, datastores first, with its cost")
    func createsEverything() throws {
        var redis = DatastoreSpec(name: "redis", type: .keyvalue, plan: "starter")
        redis.maxmemoryPolicy = "noeviction"
        let env = Fixtures.environment([Fixtures.web(scaling: ScalingSpec(min: 2, max: 5, policy: "web-default"))], datastores: [redis])
        let plan = Fixtures.plan(env)
        #expect(plan.actionable.map(\.address) == ["keyvalue.redis", "service.api"])
        #expect(plan.actionable.map(\.action) == [.create, .create])
        #expect(plan.summary.add == 2)
        let catalog = Catalog.builtin()
        let expected = (catalog.monthlyPrice(ofPlan: "standard") ?? 0) * 2 + (catalog.keyValuePlan(named: "starter")?.monthly ?? 0)
        #expect(abs(plan.cost.monthlyAfter - expected) < 0.001)
        #expect(plan.cost.monthlyBefore == 0)
        guard case .createService(let planned)? = plan.actionable[1].operations.first else { Issue.record("no create"); return }
        #expect(planned.numInstances == 2)
        #expect(planned.autoscaling == nil)
        let text = PlanReport(plan).text()
        #expect(text.contains("Plan: 2 to add, 0 to change, 0 to destroy."))
        #expect(text.contains("Monthly cost: $0.00 -> \(Money.format(expected)) (+\(Money.format(expected)))"))
        #expect(text.contains("  + resource \"service\" \"api\" {"))
    }

    @Test("a controller-managed count inside [min, max] is not a change", arguments: [2, 3, 5])
    func countInsideRange(count: Int) {
        let spec = Fixtures.web(scaling: ScalingSpec(min: 2, max: 5, policy: "web-default"))
        let live = Fixtures.live(spec, count: count)
        let plan = Fixtures.plan(Fixtures.environment([spec]), services: [live], state: Fixtures.state([Fixtures.managed(live.0)]))
        #expect(!plan.hasChanges)
        #expect(PlanReport(plan).text().hasPrefix("No changes. Your infrastructure matches the configuration."))
    }

    @Test("a count outside [min, max] is scaled to the nearest bound through /scale", arguments: [(1, 2), (8, 5)])
    func countOutsideRange(live count: Int, expected: Int) throws {
        let spec = Fixtures.web(scaling: ScalingSpec(min: 2, max: 5, policy: "web-default"))
        let live = Fixtures.live(spec, count: count)
        let plan = Fixtures.plan(Fixtures.environment([spec]), services: [live], state: Fixtures.state([Fixtures.managed(live.0)]))
        let change = try #require(plan.actionable.first)
        #expect(change.action == .scale)
        #expect(change.operations == [.scale(expected)])
        #expect(PlanReport(plan).text().contains("~ instances = \(count) -> \(expected)"))
    }

    @Test("native autoscaling is turned off for controller-managed services, configured for render-native")
    func nativeAutoscaling() throws {
        let on = AutoscalingConfig(enabled: true, min: 1, max: 3, cpu: .init(enabled: true, percentage: 60), memory: .init(enabled: false, percentage: 70))
        let managed = Fixtures.web(scaling: ScalingSpec(min: 2, max: 5, policy: "web-default"))
        let liveManaged = Fixtures.live(managed, count: 3, autoscaling: on)
        let plan = Fixtures.plan(Fixtures.environment([managed]), services: [liveManaged], state: Fixtures.state([Fixtures.managed(liveManaged.0)]))
        #expect(plan.actionable.first?.operations == [.disableAutoscaling])

        var native = ScalingSpec(min: 2, max: 4, policy: ScalingSpec.renderNative)
        native.targetCPUPercent = 75
        let spec = Fixtures.web(scaling: native)
        let live = Fixtures.live(spec, count: 2)
        let nativePlan = Fixtures.plan(Fixtures.environment([spec]), services: [live], state: Fixtures.state([Fixtures.managed(live.0)]))
        let change = try #require(nativePlan.actionable.first)
        #expect(change.operations == [.setAutoscaling(AutoscalingConfig(enabled: true, min: 2, max: 4, cpu: .init(enabled: true, percentage: 75),
                                                                          memory: .init(enabled: false, percentage: 70)))])
    }

    @Test("a plan change is an in-place update with its field diff and cost change")
    func planChange() throws {
        let spec = Fixtures.web(plan: "pro", instances: 2)
        let live = Fixtures.live(Fixtures.web(plan: "standard", instances: 2))
        let plan = Fixtures.plan(Fixtures.environment([spec]), services: [live], state: Fixtures.state([Fixtures.managed(live.0)]))
        let change = try #require(plan.actionable.first)
        #expect(change.action == .update)
        #expect(change.operations.first == .updateService({ var p = ServicePatch(); p.plan = "pro"; return p }()))
        #expect(change.monthlyDelta > 0)
        let text = PlanReport(plan).text()
        #expect(text.contains("~ plan = \"standard\" -> \"pro\""))
        #expect(text.contains("Plan: 0 to add, 1 to change, 0 to destroy."))
        #expect(text.contains("# service.api will be updated in-place"))
    }

    @Test("a region change replaces the service, marked -/+ and # forces replacement")
    func regionChange() throws {
        var spec = Fixtures.web()
        spec.region = "frankfurt"
        let live = Fixtures.live(Fixtures.web())
        let plan = Fixtures.plan(Fixtures.environment([spec]), services: [live], state: Fixtures.state([Fixtures.managed(live.0)]))
        let change = try #require(plan.actionable.first)
        #expect(change.action == .replace)
        #expect(change.action.jsonActions == ["delete", "create"])
        #expect(change.operations.first == .deleteService)
        let text = PlanReport(plan).text()
        #expect(text.contains("-/+ resource \"service\" \"api\" {"))
        #expect(text.contains("~ region"))
        #expect(text.contains("\"oregon\" -> \"frankfurt\" # forces replacement"))
        #expect(text.contains("Plan: 1 to add, 0 to change, 1 to destroy."))
    }

    @Test("env vars: plain values diff in clear, secrets only as (sensitive value), through /env-vars")
    func envVars() throws {
        let spec = Fixtures.web(env: [EnvVarSpec(key: "NODE_ENV", value: .plain("production")),
                                      EnvVarSpec(key: "DATABASE_URL", value: .secret("DATABASE_URL"))])
        let live = Fixtures.live(spec, env: [LiveEnvVar(key: "NODE_ENV", value: "development"),
                                             LiveEnvVar(key: "DATABASE_URL", value: "postgres://old-password@db")])
        let plan = Fixtures.plan(Fixtures.environment([spec]), services: [live], state: Fixtures.state([Fixtures.managed(live.0)]),
                                 secrets: ["DATABASE_URL": "postgres://new-password@db"])
        let change = try #require(plan.actionable.first)
        #expect(change.operations == [.setEnvVars([PlannedEnvVar(key: "DATABASE_URL", value: .secret("DATABASE_URL")),
                                                   PlannedEnvVar(key: "NODE_ENV", value: .plain("production"))])])
        let text = PlanReport(plan).text()
        #expect(text.contains("~ env.NODE_ENV     = \"development\" -> \"production\""))
        #expect(text.contains("~ env.DATABASE_URL = (sensitive value)"))
        for view in [text, PlanReport(plan).json(), PlanReport(plan).markdown(), String(decoding: try JSONEncoder().encode(plan), as: UTF8.self)] {
            #expect(!view.contains("password"))
        }
    }

    @Test("a same-name service Ballast does not manage is imported, never duplicated")
    func adoption() throws {
        let spec = Fixtures.web(instances: 2)
        let live = Fixtures.live(Fixtures.web(instances: 1))
        let plan = Fixtures.plan(Fixtures.environment([spec]), services: [live], state: nil)
        let change = try #require(plan.actionable.first)
        #expect(change.action == .import)
        #expect(change.id == live.0.id)
        #expect(change.operations == [.scale(2)])
        #expect(!plan.changes.contains { $0.action == .create })
        #expect(plan.summary.import == 1)
        let text = PlanReport(plan).text()
        #expect(text.contains("# service.api will be imported and updated in-place"))
        #expect(text.contains("Plan: 1 to import, 0 to add, 1 to change, 0 to destroy."))
    }

    @Test("deleting needs --allow-delete, and protect: true refuses it")
    func deletes() throws {
        let gone = Fixtures.live(Fixtures.web("old"), id: "srv-oldoldoldoldoldoldo")
        let state = Fixtures.state([Fixtures.managed(gone.0)])
        let env = Fixtures.environment([])
        let kept = Fixtures.plan(env, services: [gone], state: state)
        #expect(!kept.hasChanges)
        #expect(kept.warnings.contains { $0.contains("--allow-delete") })

        let deleting = Fixtures.plan(env, services: [gone], state: state, options: PlanOptions(allowDelete: true))
        #expect(deleting.actionable.map(\.action) == [.delete])
        #expect(PlanReport(deleting).text().contains("Plan: 0 to add, 0 to change, 1 to destroy."))

        var protected = state
        protected.resources[0].protect = true
        let refused = Fixtures.plan(env, services: [gone], state: protected, options: PlanOptions(allowDelete: true))
        #expect(!refused.isApplyable)
        #expect(refused.errors.first?.contains("protect: true") == true)
    }

    @Test("live resources outside the blueprint and the state are never touched")
    func strangersAreLeftAlone() {
        let stranger = Fixtures.live(Fixtures.web("someone-elses"), id: "srv-strangerstrangerst")
        let plan = Fixtures.plan(Fixtures.environment([]), services: [stranger], state: nil, options: PlanOptions(allowDelete: true))
        #expect(plan.changes.isEmpty)
    }

    @Test("maxMonthlyIncrease is checked on the plan's cost delta, unless allowed")
    func costGuardrail() throws {
        var library = PolicyLibrary()
        library.add("kind: guardrails\nname: g\nrules:\n  - id: cost-increase\n    maxMonthlyIncrease: 10\n", file: "g.yaml")
        let set = try #require(library.guardrails["g"])
        let env = Fixtures.environment([Fixtures.web(plan: "pro", instances: 3)])
        let refused = Fixtures.plan(env, guardrails: [set])
        #expect(refused.violations.map(\.rule) == ["cost-increase"])
        #expect(refused.violations.first?.resource == "service.api")
        let allowed = Fixtures.plan(env, options: PlanOptions(allowCostIncrease: true), guardrails: [set])
        #expect(allowed.violations.isEmpty)
    }

    @Test("JSON: versioned, Terraform-shaped resource changes, summary and cost")
    func json() throws {
        let spec = Fixtures.web(plan: "pro")
        let live = Fixtures.live(Fixtures.web(plan: "standard"))
        let plan = Fixtures.plan(Fixtures.environment([spec]), services: [live], state: Fixtures.state([Fixtures.managed(live.0)]))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(PlanReport(plan).json().utf8)) as? [String: Any])
        #expect(object["format_version"] as? String == Plan.formatVersion)
        let changes = try #require(object["resource_changes"] as? [[String: Any]])
        #expect(changes.first?["address"] as? String == "service.api")
        #expect(changes.first?["actions"] as? [String] == ["update"])
        #expect((changes.first?["before"] as? [String: Any])?["plan"] as? String == "standard")
        #expect((changes.first?["after"] as? [String: Any])?["plan"] as? String == "pro")
        #expect(object["summary"] as? [String: Int] == ["add": 0, "change": 1, "destroy": 0, "import": 0])
        let cost = try #require(object["cost"] as? [String: Double])
        #expect(Set(cost.keys) == ["monthly_before", "monthly_after", "monthly_delta"])
    }

    @Test("a saved plan is stale when the state or the actual resources moved")
    func staleness() {
        let spec = Fixtures.web(plan: "pro")
        let live = Fixtures.live(Fixtures.web(plan: "standard"))
        let state = Fixtures.state([Fixtures.managed(live.0)])
        let plan = Fixtures.plan(Fixtures.environment([spec]), services: [live], state: state)
        #expect(SavedPlan.staleness(of: plan, state: state, actualFingerprint: plan.actualFingerprint) == nil)
        var written = state
        written.serial += 1
        #expect(SavedPlan.staleness(of: plan, state: written, actualFingerprint: plan.actualFingerprint)?.contains("stale") == true)
        var moved = live
        moved.0.plan = "starter"
        let again = Fixtures.plan(Fixtures.environment([spec]), services: [moved], state: state)
        #expect(SavedPlan.staleness(of: plan, state: state, actualFingerprint: again.actualFingerprint)?.contains("actual resources changed") == true)
        // The controller moving a count inside its range does not make a plan stale.
        let managed = Fixtures.web(scaling: ScalingSpec(min: 2, max: 5, policy: "web-default"))
        let at3 = Fixtures.live(managed, count: 3)
        var at4 = at3
        at4.0.numInstances = 4
        let first = Fixtures.plan(Fixtures.environment([managed]), services: [at3], state: Fixtures.state([Fixtures.managed(at3.0)]))
        let second = Fixtures.plan(Fixtures.environment([managed]), services: [at4], state: Fixtures.state([Fixtures.managed(at4.0)]))
        #expect(first.actualFingerprint == second.actualFingerprint)
    }

    @Test("env vars are read only for services that may have changed")
    func envReadsSkipped() {
        let spec = Fixtures.web(env: [EnvVarSpec(key: "NODE_ENV", value: .plain("production"))])
        let live = Fixtures.live(spec)
        var record = Fixtures.managed(live.0)
        record.values = [Attribute("env.NODE_ENV", .string("production"))]
        record.envFingerprint = StateResource.envFingerprint(record.values)
        record.updatedAt = live.0.updatedAt
        let env = Fixtures.environment([spec])
        #expect(Planner.servicesNeedingEnvVars(desired: env, services: [live.0], state: Fixtures.state([record]), secrets: [:]).isEmpty)
        var moved = live.0
        moved.updatedAt = "2026-11-30T01:00:00Z"
        #expect(Planner.servicesNeedingEnvVars(desired: env, services: [moved], state: Fixtures.state([record]), secrets: [:]) == [live.0.id])
        #expect(Planner.servicesNeedingEnvVars(desired: env, services: [live.0], state: nil, secrets: [:]) == [live.0.id])
        // Not read, and the plan has no changes: the state's values stand in for them.
        let snapshot = ActualSnapshot(ownerId: Fixtures.owner, services: [live.0])
        let plan = Planner.plan(PlanInput(desired: env, actual: snapshot, state: Fixtures.state([record]), catalog: .builtin(), now: Fixtures.now))
        #expect(!plan.hasChanges)
    }

    @Test("SHA-256 matches the standard test vectors")
    func sha256() {
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(String(repeating: "a", count: 1000)).count == 64)
    }
}
