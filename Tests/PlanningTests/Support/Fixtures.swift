import Blueprint
import Foundation
import Planning

/// Plain values for planner tests.
enum Fixtures {
    static let owner = "tea-test00000000000000001"
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func environment(_ services: [ServiceSpec], datastores: [DatastoreSpec] = []) -> ResolvedEnvironment {
        var env = ResolvedEnvironment(project: "shop", environment: "production", owner: owner, region: "oregon", file: "shop.yaml")
        env.services = services
        env.datastores = datastores
        return env
    }

    static func web(_ name: String = "api", plan: String = "standard", instances: Int = 1, scaling: ScalingSpec? = nil,
                    env: [EnvVarSpec] = []) -> ServiceSpec {
        var spec = ServiceSpec(name: name, type: .web, runtime: "node", plan: plan, region: "oregon", instances: instances)
        spec.scaling = scaling
        spec.healthCheckPath = "/health"
        spec.env = env
        return spec
    }

    static func live(_ spec: ServiceSpec, id: String = "srv-aaaaaaaaaaaaaaaaaaaa", count: Int? = nil, env: [LiveEnvVar] = [],
                     autoscaling: AutoscalingConfig? = nil) -> (LiveService, [LiveEnvVar]) {
        var service = LiveService(id: id, name: spec.name, type: spec.type, runtime: spec.runtime, plan: spec.plan, region: spec.region,
                                  numInstances: count ?? spec.scaling?.min ?? spec.instances, autoscaling: autoscaling,
                                  healthCheckPath: spec.healthCheckPath, ownerId: owner)
        service.updatedAt = "2026-11-30T00:00:00Z"
        return (service, env)
    }

    static func state(_ resources: [StateResource]) -> BallastState {
        var state = BallastState(lineage: "lineage-1", project: "shop", environment: "production")
        state.serial = 3
        state.resources = resources
        return state
    }

    static func managed(_ service: LiveService) -> StateResource {
        StateResource(kind: .service, name: service.name, id: service.id, values: [])
    }

    static func plan(_ env: ResolvedEnvironment, services: [(LiveService, [LiveEnvVar])] = [], datastores: [LiveDatastore] = [],
                     state: BallastState? = nil, secrets: [String: String] = [:], options: PlanOptions = PlanOptions(),
                     guardrails: [GuardrailSet] = []) -> Plan {
        let snapshot = ActualSnapshot(ownerId: owner, services: services.map(\.0), datastores: datastores,
                                      envVars: Dictionary(uniqueKeysWithValues: services.map { ($0.0.id, $0.1) }))
        return Planner.plan(PlanInput(desired: env, actual: snapshot, state: state, catalog: Catalog.builtin(), guardrails: guardrails,
                                      secrets: secrets, options: options, now: now))
    }
}
