import Blueprint
import Foundation
import Planning

/// Render wire types ⇄ neutral `Live*` types. Shared by `RenderProvider` and `Sandbox`, so both report
/// a service the same way.
enum RenderMapping {
    static func liveService(_ service: RenderService) -> LiveService? {
        guard let type = ServiceType(apiName: service.type) else { return nil }
        let details = service.serviceDetails
        var live = LiveService(
            id: service.id, name: service.name, type: type,
            runtime: details.runtime ?? details.env ?? "unknown",
            plan: details.plan ?? "unknown", region: details.region ?? "unknown",
            numInstances: details.numInstances ?? (type == .cron ? 0 : 1),
            autoscaling: details.autoscaling.map(autoscaling),
            suspended: service.suspended == "suspended",
            healthCheckPath: details.healthCheckPath.flatMap { $0.isEmpty ? nil : $0 },
            ownerId: service.ownerId, hasDisk: details.disk != nil)
        live.schedule = details.schedule
        live.repo = service.repo
        live.branch = service.branch
        live.buildCommand = details.envSpecificDetails?.buildCommand
        live.startCommand = details.envSpecificDetails?.startCommand ?? details.envSpecificDetails?.dockerCommand
        live.image = service.imagePath
        live.createdAt = service.createdAt
        live.updatedAt = service.updatedAt
        return live
    }

    static func autoscaling(_ wire: RenderAutoscaling) -> AutoscalingConfig {
        AutoscalingConfig(enabled: wire.enabled, min: wire.min, max: wire.max,
                          cpu: .init(enabled: wire.criteria.cpu.enabled, percentage: wire.criteria.cpu.percentage),
                          memory: .init(enabled: wire.criteria.memory.enabled, percentage: wire.criteria.memory.percentage))
    }

    static func autoscaling(_ config: AutoscalingConfig) -> RenderAutoscaling {
        RenderAutoscaling(enabled: config.enabled, min: config.min, max: config.max,
                          criteria: .init(cpu: .init(enabled: config.cpu.enabled, percentage: config.cpu.percentage),
                                          memory: .init(enabled: config.memory.enabled, percentage: config.memory.percentage)))
    }

    static func liveDatastore(_ keyValue: RenderKeyValue) -> LiveDatastore {
        var live = LiveDatastore(id: keyValue.id, name: keyValue.name, type: .keyvalue, plan: keyValue.plan,
                                 region: keyValue.region, ownerId: keyValue.owner.id)
        live.status = keyValue.status
        live.version = keyValue.version
        live.maxmemoryPolicy = keyValue.options.maxmemoryPolicy
        return live
    }

    static func liveDatastore(_ postgres: RenderPostgres) -> LiveDatastore {
        var live = LiveDatastore(id: postgres.id, name: postgres.name, type: .postgres, plan: postgres.plan,
                                 region: postgres.region, ownerId: postgres.owner.id)
        live.status = postgres.status
        live.version = postgres.version
        live.diskSizeGB = postgres.diskSizeGB
        return live
    }

    static func liveOwner(_ owner: RenderOwner) -> LiveOwner {
        LiveOwner(id: owner.id, name: owner.name, email: owner.email, type: owner.type)
    }

    static func envVarInput(_ input: EnvVarInput) -> RenderEnvVarInput {
        input.generateValue
            ? RenderEnvVarInput(key: input.key, value: nil, generateValue: true)
            : RenderEnvVarInput(key: input.key, value: input.value ?? "", generateValue: nil)
    }

    static let nativeRuntimes: Set<String> = ["elixir", "go", "node", "python", "ruby", "rust"]

    static func servicePOST(_ request: ServiceCreateRequest) -> RenderServicePOST {
        var details = RenderServiceDetailsPOST()
        details.runtime = request.runtime
        details.plan = request.plan
        details.region = request.region
        if request.type == .cron {
            details.schedule = request.schedule ?? "0 * * * *"
        } else {
            details.numInstances = request.numInstances
            details.autoscaling = request.autoscaling.map(autoscaling)
        }
        if request.type == .web { details.healthCheckPath = request.healthCheckPath }
        switch request.runtime {
        case "docker":
            let docker = RenderEnvSpecificDetails(dockerCommand: request.dockerCommand ?? request.startCommand,
                                                  dockerContext: request.dockerContext, dockerfilePath: request.dockerfilePath)
            if !docker.isEmpty { details.envSpecificDetails = docker }
        case "image":
            break
        default:
            if request.buildCommand != nil || request.startCommand != nil {
                details.envSpecificDetails = RenderEnvSpecificDetails(buildCommand: request.buildCommand ?? "",
                                                                      startCommand: request.startCommand ?? "")
            }
        }
        if request.type != .cron { details.preDeployCommand = request.preDeployCommand }
        var body = RenderServicePOST(type: request.type.apiName, name: request.name, ownerId: request.ownerId)
        body.repo = request.repo
        body.branch = request.branch
        body.rootDir = request.rootDir
        body.autoDeploy = request.autoDeploy.map { $0 ? "yes" : "no" }
        if let image = request.image {
            body.image = RenderImage(ownerId: request.ownerId, imagePath: image, registryCredentialId: nil)
        }
        body.envVars = request.envVars.isEmpty ? nil : request.envVars.map(envVarInput)
        body.serviceDetails = details
        return body
    }

    static func servicePATCH(_ update: ServiceUpdate, current: LiveService?) -> RenderServicePATCH {
        var body = RenderServicePATCH()
        body.name = update.name
        body.repo = update.repo
        body.branch = update.branch
        body.autoDeploy = update.autoDeploy.map { $0 ? "yes" : "no" }
        if let image = update.image, let owner = current?.ownerId {
            body.image = RenderImage(ownerId: owner, imagePath: image, registryCredentialId: nil)
        }
        var details = RenderServiceDetailsPATCH()
        details.plan = update.plan
        if current?.type != .cron { details.healthCheckPath = update.healthCheckPath } else { details.schedule = update.schedule }
        if current?.runtime == "docker" {
            if let command = update.dockerCommand ?? update.startCommand {
                details.envSpecificDetails = RenderEnvSpecificDetails(dockerCommand: command)
            }
        } else if update.buildCommand != nil || update.startCommand != nil {
            details.envSpecificDetails = RenderEnvSpecificDetails(buildCommand: update.buildCommand, startCommand: update.startCommand)
        }
        if current?.type != .cron { details.preDeployCommand = update.preDeployCommand }
        if details != RenderServiceDetailsPATCH() { body.serviceDetails = details }
        return body
    }
}

extension RenderServicePOST {
    init(type: String, name: String, ownerId: String) {
        self.type = type
        self.name = name
        self.ownerId = ownerId
    }
}
