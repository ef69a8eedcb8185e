import Blueprint
import Foundation
import Hosting
import Planning
import Testing

/// The in-process sandbox: Render's semantics without HTTP.
@Suite struct SandboxTests {
    static func web(_ name: String = "api", owner: String, instances: Int? = nil) -> ServiceCreateRequest {
        var request = ServiceCreateRequest(name: name, type: .web, runtime: "node", ownerId: owner, numInstances: instances)
        request.buildCommand = "npm ci"
        request.startCommand = "npm start"
        request.healthCheckPath = "/health"
        return request
    }

    static let autoscaling = AutoscalingConfig(enabled: true, min: 2, max: 6, cpu: .init(enabled: true, percentage: 60),
                                               memory: .init(enabled: false, percentage: 80))

    @Test func createsServicesWithRenderIDsAndDefaults() async throws {
        let sandbox = Sandbox(inMemory: SandboxOptions(clock: ManualHostingClock()))
        let owner = try sandbox.defaultOwnerId()
        #expect(owner.wholeMatch(of: /tea-[0-9a-z]{20}/) != nil)
        let service = try await sandbox.createService(Self.web(owner: owner))
        #expect(service.id.wholeMatch(of: /srv-[0-9a-z]{20}/) != nil)
        #expect(service.plan == "starter")
        #expect(service.region == "oregon")
        #expect(service.numInstances == 1)
        let instances = try await sandbox.listInstances(serviceId: service.id)
        #expect(instances.count == 1)
        #expect(instances[0].id.wholeMatch(of: /srv-[0-9a-z]{20}-[0-9a-z]{5}/) != nil)
        let keyValue = try await sandbox.createDatastore(DatastoreCreateRequest(name: "redis", type: .keyvalue, ownerId: owner, plan: "starter"))
        #expect(keyValue.id.hasPrefix("red-"))
        let postgres = try await sandbox.createDatastore(DatastoreCreateRequest(name: "db", type: .postgres, ownerId: owner, plan: "basic_1gb"))
        #expect(postgres.id.hasPrefix("dpg-"))
    }

    @Test func scaleIsIgnoredWhileNativeAutoscalingIsOn() async throws {
        let sandbox = Sandbox(inMemory: SandboxOptions(clock: ManualHostingClock()))
        let owner = try sandbox.defaultOwnerId()
        let service = try await sandbox.createService(Self.web(owner: owner, instances: 1))
        _ = try await sandbox.setAutoscaling(serviceId: service.id, Self.autoscaling)
        #expect(try await sandbox.listInstances(serviceId: service.id).count == 2)
        try await sandbox.scale(serviceId: service.id, numInstances: 5)
        #expect(try await sandbox.getService(id: service.id).numInstances == 1)
        #expect(try await sandbox.listInstances(serviceId: service.id).count == 2)
        try await sandbox.deleteAutoscaling(serviceId: service.id)
        try await sandbox.scale(serviceId: service.id, numInstances: 5)
        #expect(try await sandbox.getService(id: service.id).numInstances == 5)
        #expect(try await sandbox.listInstances(serviceId: service.id).count == 5)
    }

    @Test func instancesAppearAfterTheBootDelay() async throws {
        let clock = ManualHostingClock()
        let sandbox = Sandbox(inMemory: SandboxOptions(bootDelay: 30, clock: clock))
        let service = try await sandbox.createService(Self.web(owner: try sandbox.defaultOwnerId(), instances: 2))
        #expect(try await sandbox.listInstances(serviceId: service.id).isEmpty)
        clock.advance(by: 30)
        #expect(try await sandbox.listInstances(serviceId: service.id).count == 2)
        try await sandbox.scale(serviceId: service.id, numInstances: 4)
        clock.advance(by: 10)
        #expect(try await sandbox.listInstances(serviceId: service.id).count == 2)
        clock.advance(by: 20)
        #expect(try await sandbox.listInstances(serviceId: service.id).count == 4)
        try await sandbox.scale(serviceId: service.id, numInstances: 1)
        #expect(try await sandbox.listInstances(serviceId: service.id).count == 1)
    }

    @Test func suspendStopsInstancesAndResumeBootsThem() async throws {
        let sandbox = Sandbox(inMemory: SandboxOptions(clock: ManualHostingClock()))
        let service = try await sandbox.createService(Self.web(owner: try sandbox.defaultOwnerId(), instances: 3))
        try await sandbox.suspend(serviceId: service.id)
        #expect(try await sandbox.getService(id: service.id).suspended)
        #expect(try await sandbox.listInstances(serviceId: service.id).isEmpty)
        try await sandbox.resume(serviceId: service.id)
        #expect(try await sandbox.getService(id: service.id).suspended == false)
        #expect(try await sandbox.listInstances(serviceId: service.id).count == 3)
    }

    @Test func updatesWhatPatchMayChange() async throws {
        let sandbox = Sandbox(inMemory: SandboxOptions(clock: ManualHostingClock()))
        let service = try await sandbox.createService(Self.web(owner: try sandbox.defaultOwnerId()))
        var update = ServiceUpdate(name: "api-2", plan: "standard", healthCheckPath: "/ready")
        update.startCommand = "node server.js"
        let updated = try await sandbox.updateService(id: service.id, update)
        #expect(updated.name == "api-2")
        #expect(updated.plan == "standard")
        #expect(updated.healthCheckPath == "/ready")
        #expect(updated.startCommand == "node server.js")
        #expect(updated.buildCommand == "npm ci")
    }

    @Test func missingResourcesAre404() async throws {
        let sandbox = Sandbox(inMemory: SandboxOptions())
        for operation in [
            { try await sandbox.deleteService(id: "srv-missing") },
            { _ = try await sandbox.getService(id: "srv-missing") },
            { try await sandbox.scale(serviceId: "srv-missing", numInstances: 2) },
            { try await sandbox.deleteDatastore(.keyvalue, id: "red-missing") },
            { try await sandbox.deleteDatastore(.postgres, id: "dpg-missing") },
        ] as [@Sendable () async throws -> Void] {
            let error = await #expect(throws: RenderAPIError.self) { try await operation() }
            #expect(error?.isNotFound == true)
        }
    }

    @Test func rejectsWhatRenderRejects() async throws {
        let sandbox = Sandbox(inMemory: SandboxOptions())
        let owner = try sandbox.defaultOwnerId()
        let service = try await sandbox.createService(Self.web(owner: owner))
        let duplicate = await #expect(throws: RenderAPIError.self) { try await sandbox.createService(Self.web(owner: owner)) }
        #expect(duplicate?.status == 409)
        var freeWeb = Self.web("free-web", owner: owner)
        freeWeb.plan = "free"
        let free = try await sandbox.createService(freeWeb)
        let scaleFree = await #expect(throws: RenderAPIError.self) { try await sandbox.scale(serviceId: free.id, numInstances: 2) }
        #expect(scaleFree?.status == 400)
        let badScale = await #expect(throws: RenderAPIError.self) { try await sandbox.scale(serviceId: service.id, numInstances: 101) }
        #expect(badScale?.status == 400)
        var badTarget = Self.autoscaling
        badTarget.cpu.percentage = 95
        let autoscale = await #expect(throws: RenderAPIError.self) { try await sandbox.setAutoscaling(serviceId: service.id, badTarget) }
        #expect(autoscale?.message?.contains("between 1 and 90") == true)
        var worker = ServiceCreateRequest(name: "w", type: .worker, runtime: "node", ownerId: owner)
        worker.region = "mars"
        let region = await #expect(throws: RenderAPIError.self) { try await sandbox.createService(worker) }
        #expect(region?.message == "invalid region: mars")
    }

    @Test func envVarsAreReplacedWhole() async throws {
        let sandbox = Sandbox(inMemory: SandboxOptions())
        var request = Self.web(owner: try sandbox.defaultOwnerId())
        request.envVars = [EnvVarInput(key: "A", value: "1"), EnvVarInput(key: "B", value: "2")]
        let service = try await sandbox.createService(request)
        #expect(try await sandbox.listEnvVars(serviceId: service.id).map(\.key) == ["A", "B"])
        let replaced = try await sandbox.replaceEnvVars(serviceId: service.id, [EnvVarInput(key: "C", value: "3"), .generated("SECRET")])
        #expect(replaced.map(\.key) == ["C", "SECRET"])
        #expect(replaced[1].value.count >= 40)
        #expect(try await sandbox.listEnvVars(serviceId: service.id) == replaced)
    }

    @Test func stateIsSharedThroughTheDirectory() async throws {
        let directory = try temporaryDirectory("state")
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try Sandbox(directory: directory.path, options: SandboxOptions())
        let second = try Sandbox(directory: directory.path, options: SandboxOptions())
        #expect(try first.defaultOwnerId() == second.defaultOwnerId())
        let service = try await first.createService(Self.web(owner: try first.defaultOwnerId()))
        #expect(try await second.getService(id: service.id).name == "api")
        try await second.scale(serviceId: service.id, numInstances: 3)
        #expect(try await first.getService(id: service.id).numInstances == 3)
        // Concurrent writers from both handles lose nothing.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                let sandbox = index.isMultiple(of: 2) ? first : second
                let owner = try first.defaultOwnerId()
                group.addTask { _ = try await sandbox.createService(Self.web("svc-\(index)", owner: owner)) }
            }
            try await group.waitForAll()
        }
        #expect(try await first.listServices().count == 21)
        let reopened = try Sandbox(directory: directory.path, options: SandboxOptions())
        #expect(try await reopened.listServices().count == 21)
    }

    /// A stopped instance still reports its past in metrics until `instanceHistory` has passed.
    @Test func stoppedInstancesAreRememberedForTheInstanceHistory() async throws {
        let clock = ManualHostingClock()
        let sandbox = Sandbox(inMemory: SandboxOptions(clock: clock, instanceHistory: 900))
        let service = try await sandbox.createService(Self.web(owner: try sandbox.defaultOwnerId(), instances: 3))
        _ = try sandbox.setLoad(serviceId: service.id, SandboxLoad(requestsPerSecond: 30))
        clock.advance(by: 300)
        try await sandbox.scale(serviceId: service.id, numInstances: 1)
        func cpuSeries() async throws -> Int {
            try await sandbox.metrics(.cpu, resources: [service.id], start: clock.now().addingTimeInterval(-3600), end: clock.now(),
                                      resolutionSeconds: 60, quantile: nil, aggregateBy: nil).count
        }
        clock.advance(by: 600)
        #expect(try await cpuSeries() == 3)
        clock.advance(by: 301)
        #expect(try await cpuSeries() == 1)
    }

    @Test func cpuPerInstanceFallsAsInstancesRise() async throws {
        let clock = ManualHostingClock()
        let sandbox = Sandbox(inMemory: SandboxOptions(clock: clock))
        let service = try await sandbox.createService(Self.web(owner: try sandbox.defaultOwnerId(), instances: 1))
        let one = try sandbox.setLoad(serviceId: service.id, SandboxLoad(requestsPerSecond: 80))
        try await sandbox.scale(serviceId: service.id, numInstances: 4)
        let four = try sandbox.setLoad(serviceId: "api", SandboxLoad(requestsPerSecond: 80))
        #expect(four.instances == 4)
        #expect(four.cpuUtilisation < one.cpuUtilisation / 3)
        #expect(four.latencyP95Ms < one.latencyP95Ms)

        clock.advance(by: 600)
        let series = try await sandbox.metrics(.cpu, resources: [service.id], start: clock.now().addingTimeInterval(-300), end: clock.now(),
                                               resolutionSeconds: 60, quantile: nil, aggregateBy: nil)
        #expect(series.count == 4)
        #expect(series.allSatisfy { $0.unit == "cpu" && $0.label("instance") != nil && $0.values.count == 6 })
        let count = try await sandbox.metrics(.instanceCount, resources: [service.id], start: clock.now().addingTimeInterval(-300),
                                              end: clock.now(), resolutionSeconds: 60, quantile: nil, aggregateBy: nil)
        #expect(count.first?.values.last?.value == 4)
        let latency = try await sandbox.metrics(.httpLatency, resources: [service.id], start: nil, end: nil, resolutionSeconds: 60,
                                                quantile: 0.95, aggregateBy: nil)
        #expect(latency.first?.unit == "ms")
        let requests = try await sandbox.metrics(.httpRequests, resources: [service.id], start: clock.now().addingTimeInterval(-120),
                                                 end: clock.now(), resolutionSeconds: 60, quantile: nil, aggregateBy: "statusCode")
        #expect(requests.count == 2)
        #expect(abs((requests[0].values.last?.value ?? 0) - 80 * 60) < 1e-6)
    }

    @Test func nativeAutoscalingFollowsLoad() async throws {
        let clock = ManualHostingClock()
        let sandbox = Sandbox(inMemory: SandboxOptions(clock: clock, autoscaleInterval: 30))
        let service = try await sandbox.createService(Self.web(owner: try sandbox.defaultOwnerId()))
        _ = try await sandbox.setAutoscaling(serviceId: service.id, Self.autoscaling)
        #expect(try await sandbox.listInstances(serviceId: service.id).count == 2)
        // 2 starter instances at 200 req/s × 0.005 = 1 core: 100 % each, target 60 % → ceil(2 × 1.0 / 0.6) = 4.
        try sandbox.setLoad(serviceId: service.id, SandboxLoad(requestsPerSecond: 200))
        clock.advance(by: 31)
        #expect(try await sandbox.listInstances(serviceId: service.id).count == 4)
        try sandbox.setLoad(serviceId: service.id, SandboxLoad(requestsPerSecond: 1))
        clock.advance(by: 31)
        #expect(try await sandbox.listInstances(serviceId: service.id).count == 2)
    }

    @Test func replaysATrace() async throws {
        let clock = ManualHostingClock()
        let sandbox = Sandbox(inMemory: SandboxOptions(clock: clock))
        let service = try await sandbox.createService(Self.web(owner: try sandbox.defaultOwnerId()))
        var load = SandboxLoad()
        load.trace = try SandboxLoad.parseTrace("timestamp,value\n2023-11-16T18:17:00Z,10\n2023-11-16T18:18:00Z,50\n")
        let low = try sandbox.setLoad(serviceId: service.id, load)
        #expect(low.requestsPerSecond == 10)
        clock.advance(by: 61)
        let series = try await sandbox.metrics(.httpRequests, resources: [service.id], start: clock.now().addingTimeInterval(-60),
                                               end: clock.now(), resolutionSeconds: 30, quantile: nil, aggregateBy: nil)
        #expect(abs((series.first?.values.last?.value ?? 0) - 50 * 30) < 1e-6)
    }
}
