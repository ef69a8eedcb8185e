import Blueprint
import Foundation
import Hosting
import Planning
import Testing

/// Applying a refresh-only plan: the drift goes into the state; the hosting side is left alone.
@Suite("Recording drift in the state")
struct RefreshOnlyApplyTests {
    static let secrets = ["API_KEY": "sk-live-s3cret"]

    static func desired(owner: String) -> ResolvedEnvironment {
        var env = ResolvedEnvironment(project: "shop", environment: "production", owner: owner, region: "oregon", file: "shop.yaml")
        var api = ServiceSpec(name: "api", type: .web, runtime: "node", plan: "starter", region: "oregon", instances: 2)
        api.healthCheckPath = "/health"
        api.env = [EnvVarSpec(key: "MODE", value: .plain("live")), EnvVarSpec(key: "API_KEY", value: .secret("API_KEY"))]
        var worker = ServiceSpec(name: "worker", type: .worker, runtime: "node", plan: "starter", region: "oregon", instances: 1)
        worker.env = [EnvVarSpec(key: "QUEUE", value: .plain("jobs"))]
        env.services = [api, worker]
        return env
    }

    static func plan(_ desired: ResolvedEnvironment, sandbox: Sandbox, state: BallastState?, mode: Plan.Mode) async throws -> Plan {
        let actual = try await ActualStateReader(provider: sandbox).read(desired: desired, state: state, ownerId: desired.owner,
                                                                        secrets: secrets, mode: mode)
        return Planner.plan(PlanInput(desired: desired, actual: actual, state: state, catalog: .builtin(), guardrails: [],
                                      secrets: secrets, options: PlanOptions(mode: mode, allowCostIncrease: true), now: Date()))
    }

    @Test("drift in a plan, a count, an env var and a deleted service is recorded; nothing on the hosting side changes")
    func recordsDrift() async throws {
        let sandbox = Sandbox(inMemory: SandboxOptions())
        let desired = Self.desired(owner: try sandbox.defaultOwnerId())
        let first = try await Self.plan(desired, sandbox: sandbox, state: nil, mode: .normal)
        let executor = PlanExecutor(provider: sandbox, ownerId: desired.owner!, secret: { Self.secrets[$0] })
        let applied = await executor.apply(first, state: BallastState(lineage: "l-1", project: "shop", environment: "production"), save: { _ in })
        #expect(applied.succeeded)
        var state = applied.state

        // Changes made outside Ballast.
        let services = try await sandbox.listServices()
        let api = try #require(services.first { $0.name == "api" })
        let worker = try #require(services.first { $0.name == "worker" })
        _ = try await sandbox.updateService(id: api.id, ServiceUpdate(plan: "standard"))
        try await sandbox.scale(serviceId: api.id, numInstances: 3)
        _ = try await sandbox.replaceEnvVars(serviceId: api.id, [EnvVarInput(key: "MODE", value: "maintenance"),
                                                                 EnvVarInput(key: "API_KEY", value: "sk-live-s3cret"),
                                                                 EnvVarInput(key: "DEBUG_TOKEN", value: "hand-set-s3cret")])
        try await sandbox.deleteService(id: worker.id)
        let before = try await sandbox.listServices()

        let refresh = try await Self.plan(desired, sandbox: sandbox, state: state, mode: .refreshOnly)
        #expect(Set(refresh.drift.map(\.address)) == ["service.api", "service.worker"])
        #expect(refresh.actionable.isEmpty)

        let serial = state.serial
        state.recordDrift(refresh.drift)
        #expect(state.serial == serial)   // the caller counts the write
        #expect(state.resource(.service, "worker") == nil)
        let record = try #require(state.resource(.service, "api"))
        #expect(record.values[named: "plan"]?.value == .string("standard"))
        #expect(record.values[named: "instances"]?.value == .int(3))
        #expect(record.values[named: "env.MODE"]?.value == .string("maintenance"))
        #expect(record.values[named: "env.DEBUG_TOKEN"]?.sensitive == true)
        #expect(record.updatedAt == nil)
        #expect(record.envFingerprint == StateResource.envFingerprint(record.values))
        let encoded = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        #expect(!encoded.contains("s3cret"))

        // The state now matches the actual resources: no drift left, and the hosting side is as it was.
        #expect(try await Self.plan(desired, sandbox: sandbox, state: state, mode: .refreshOnly).drift.isEmpty)
        #expect(try await sandbox.listServices() == before)

        // A normal plan still brings the hosting back to the blueprint, and recreates the deleted worker.
        let normal = try await Self.plan(desired, sandbox: sandbox, state: state, mode: .normal)
        let actions = Dictionary(uniqueKeysWithValues: normal.actionable.map { ($0.address, $0.action) })
        #expect(actions["service.worker"] == .create)
        #expect(actions["service.api"] == .update)
    }

    @Test("a drift entry for a resource the state no longer has, or with another ID, is ignored")
    func ignoresUnknownResources() {
        var state = BallastState(lineage: "l-1", project: "shop", environment: "production")
        state.resources = [StateResource(kind: .service, name: "api", id: "srv-1", values: [Attribute("plan", .string("starter"))])]
        let other = ResourceChange(kind: .service, name: "api", action: .update, id: "srv-2",
                                   before: [Attribute("plan", .string("starter"))], after: [Attribute("plan", .string("pro"))],
                                   reasons: ["has changed outside Ballast"])
        let unknown = ResourceChange(kind: .service, name: "web", action: .delete, id: "srv-3", before: [], after: nil, reasons: [])
        let unchanged = state
        state.recordDrift([other, unknown])
        #expect(state == unchanged)
    }
}
