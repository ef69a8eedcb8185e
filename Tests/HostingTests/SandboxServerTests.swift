import Blueprint
import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import Hosting
import Planning
import Testing

/// `RenderProvider` against `SandboxServer` over real HTTP on a free port.
@Suite struct SandboxServerTests {
    @Test func listsMoreThan250ServicesAcrossPages() async throws {
        let sandbox = Sandbox(inMemory: SandboxOptions())
        let owner = try sandbox.defaultOwnerId()
        for index in 0..<263 {
            _ = try await sandbox.createService(ServiceCreateRequest(name: "svc-\(index)", type: .worker, runtime: "node", ownerId: owner))
        }
        let served = try await ServedSandbox.start(sandbox: sandbox, options: SandboxServerOptions(rateLimits: true))
        defer { Task { await served.stop() } }
        let provider = try served.provider(rateLimits: .render)
        let services = try await provider.listServices()
        #expect(services.count == 263)
        #expect(Set(services.map(\.id)).count == 263)
        #expect(services.first?.name == "svc-0")
        #expect(services.last?.name == "svc-262")
        let filtered = try await provider.listServices(ownerId: owner, names: ["svc-7", "svc-250"])
        #expect(filtered.map(\.name) == ["svc-7", "svc-250"])
        #expect(try await provider.listServices(ownerId: "tea-someoneelse0000000", names: []).isEmpty)
        await served.stop()
    }

    @Test func everyOperationOverHTTP() async throws {
        let clock = ManualHostingClock()
        let served = try await ServedSandbox.start(sandbox: Sandbox(inMemory: SandboxOptions(bootDelay: 20, clock: clock)))
        let provider = try served.provider()
        try await Exercise.run(provider, clock: clock)
        await served.stop()
    }

    @Test func recoversFrom429And5xxAndCutConnections() async throws {
        let sandbox = Sandbox(inMemory: SandboxOptions())
        let served = try await ServedSandbox.start(sandbox: sandbox, options: SandboxServerOptions(rateLimits: false, faultRate: 0.3, seed: 42))
        let provider = try served.provider(timeout: 2, retry: RetryPolicy(maxAttempts: 12, baseDelay: 0.01, maxDelay: 0.05, maxServerWait: 5))
        let owner = try await provider.listOwners()[0].id
        var created: [String] = []
        for index in 0..<15 {
            created.append(try await provider.createService(ServiceCreateRequest(name: "f-\(index)", type: .worker, runtime: "node", ownerId: owner)).id)
        }
        for id in created { try await provider.scale(serviceId: id, numInstances: 2) }
        let services = try await provider.listServices()
        #expect(services.count == 15)
        #expect(services.allSatisfy { $0.numInstances == 2 })
        for id in created { try await provider.deleteService(id: id) }
        #expect(try await provider.listServices().isEmpty)
        await served.stop()
    }

    @Test func serverRateLimitsAnswer429WithHeadersAndTheClientWaits() async throws {
        var limits = RenderRateLimits()
        // A window long enough that four requests land in it even on a loaded machine.
        limits.get = .init(requests: 3, window: 4)
        let served = try await ServedSandbox.start(options: SandboxServerOptions(rateLimits: true, limits: limits))
        var statuses: [Int] = []
        var last: TransportResponse?
        for _ in 0..<4 {
            let response = try await served.raw("GET", "/v1/owners")
            statuses.append(response.status)
            last = response
        }
        #expect(statuses == [200, 200, 200, 429])
        #expect(last?.header("Ratelimit-Limit") == "3")
        #expect(last?.header("Ratelimit-Remaining") == "0")
        #expect((1...4).contains(Int(last?.header("Ratelimit-Reset") ?? "") ?? 0))
        let body = try JSONDecoder().decode(RenderErrorBody.self, from: last?.body ?? Data())
        #expect(body.message?.contains("rate limit") == true)
        #expect(body.id != nil)
        // Without client pacing the client learns from the 429, waits Ratelimit-Reset, and succeeds.
        let owners = try await served.provider(retry: RetryPolicy(maxAttempts: 4, baseDelay: 0.01, maxDelay: 0.05)).listOwners()
        #expect(owners.count == 1)
        await served.stop()
    }

    @Test func aSlowServerTimesOut() async throws {
        let served = try await ServedSandbox.start(options: SandboxServerOptions(rateLimits: false, latencyMs: 3000))
        let provider = try served.provider(timeout: 0.3, retry: .none)
        let started = Date()
        let error = await #expect(throws: RenderAPIError.self) { try await provider.listOwners() }
        #expect(error?.kind == .timeout)
        // Without the timeout the call would take 3 s.
        #expect(Date().timeIntervalSince(started) < 2.5)
        // Stopped with the abandoned response still held by the latency (see the next test).
        await served.stop()
    }

    @Test func patchCannotChangeCountRegionOrEnvVars() async throws {
        let sandbox = Sandbox(inMemory: SandboxOptions())
        let owner = try sandbox.defaultOwnerId()
        let service = try await sandbox.createService(SandboxTests.web(owner: owner))
        let served = try await ServedSandbox.start(sandbox: sandbox)
        let cases: [(String, String)] = [
            (#"{"serviceDetails":{"numInstances":3}}"#, "numInstances"),
            (#"{"serviceDetails":{"region":"frankfurt"}}"#, "region"),
            (#"{"envVars":[{"key":"A","value":"1"}]}"#, "envVars"),
            (#"{"serviceDetails":{"runtime":"python"}}"#, "runtime"),
            (#"{"serviceDetails":{"autoscaling":{"enabled":true,"min":1,"max":2,"criteria":{"cpu":{"enabled":true,"percentage":50},"memory":{"enabled":false,"percentage":50}}}}}"#, "autoscaling"),
        ]
        for (body, field) in cases {
            let response = try await served.raw("PATCH", "/v1/services/\(service.id)", body: body)
            #expect(response.status == 400, "PATCH \(body)")
            let error = try JSONDecoder().decode(RenderErrorBody.self, from: response.body)
            #expect(error.message?.contains(field) == true)
        }
        #expect(try await served.raw("DELETE", "/v1/services/srv-00000000000000000000").status == 404)
        #expect(try await served.raw("GET", "/v1/services", authorized: false).status == 401)
        #expect(try await served.raw("POST", "/v1/services/\(service.id)/scale", body: #"{"numInstances":2}"#).status == 202)
        #expect(try await served.raw("GET", "/v1/services?limit=101").status == 400)
        #expect(try await served.raw("GET", "/v1/nowhere").status == 404)
        await served.stop()
    }

    @Test func loadEndpointDrivesMetrics() async throws {
        let clock = ManualHostingClock()
        let sandbox = Sandbox(inMemory: SandboxOptions(clock: clock))
        let service = try await sandbox.createService(SandboxTests.web(owner: try sandbox.defaultOwnerId(), instances: 2))
        let served = try await ServedSandbox.start(sandbox: sandbox)
        let response = try await served.raw("POST", "/_sandbox/load", body: #"{"name":"api","requestsPerSecond":100}"#, authorized: false)
        #expect(response.status == 200)
        let status = try JSONDecoder().decode(SandboxLoadStatus.self, from: response.body)
        #expect(status.instances == 2)
        #expect(abs(status.cpuUtilisation - (100 * 0.005 / 2 + 0.01) / 0.5) < 1e-9)
        clock.advance(by: 300)
        let provider = try served.provider()
        let cpu = try await provider.metrics(.cpu, resources: [service.id], start: clock.now().addingTimeInterval(-120), end: clock.now(),
                                             resolutionSeconds: 60, quantile: nil, aggregateBy: nil)
        #expect(cpu.count == 2)
        #expect(cpu.allSatisfy { abs(($0.values.last?.value ?? 0) - 0.26) < 1e-9 })
        let limit = try await provider.metrics(.cpuLimit, resources: [service.id], start: nil, end: nil, resolutionSeconds: nil,
                                               quantile: nil, aggregateBy: nil)
        #expect(limit.first?.values.last?.value == 0.5)
        let missing = try await served.raw("POST", "/_sandbox/load", body: #"{"name":"nope","cpu":1}"#, authorized: false)
        #expect(missing.status == 404)
        await served.stop()
    }

    /// The README's `POST /_sandbox/load` example, body as written, is accepted for a service of that name
    /// (it sent `"service"`, which the endpoint does not read: 400 "serviceId or name is required").
    @Test func theReadmesLoadExampleIsAccepted() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let line = try #require(readme.split(separator: "\n").first { $0.contains("/_sandbox/load -d '") })
        let body = String(try #require(line.split(separator: "'").dropFirst().first))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let name = try #require((object["name"] ?? object["service"] ?? object["serviceId"]) as? String)
        let sandbox = Sandbox(inMemory: SandboxOptions())
        var request = ServiceCreateRequest(name: name, type: .web, runtime: "node", ownerId: try sandbox.defaultOwnerId())
        request.startCommand = "npm start"
        _ = try await sandbox.createService(request)
        let served = try await ServedSandbox.start(sandbox: sandbox)
        let response = try await served.raw("POST", "/_sandbox/load", body: body, authorized: false)
        #expect(response.status == 200, "\(body): \(String(decoding: response.body, as: UTF8.self))")
        await served.stop()
    }

    /// Stopping while a response is held by the injected latency, with clients still connecting, used to
    /// trap in NIO ("Deinited NIOAsyncWriter without calling finish()") and kill the process.
    @Test func stoppingMidRequestIsSafeAndDoesNotWaitOutTheLatency() async throws {
        let served = try await ServedSandbox.start(options: SandboxServerOptions(rateLimits: false, latencyMs: 6000))
        let request = Task { try await served.raw("GET", "/v1/owners") }
        let deadline = ContinuousClock.now + .seconds(10)
        while served.server.requestsInFlight == 0 {
            try #require(ContinuousClock.now < deadline, "the request never reached the server")
            try await Task.sleep(for: .milliseconds(10))
        }
        // Clients connecting while the server stops: connections NIO has accepted but Hummingbird not yet served.
        let port = served.port
        let connecting = Task.detached { openConnections(port: port, count: 200) }
        let started = ContinuousClock.now
        await served.stop()
        let stopping = ContinuousClock.now - started
        for socket in await connecting.value { close(socket) }
        // The held request is answered at once (503) or cut, not served after the 6 s.
        switch await request.result {
        case .success(let response):
            #expect(response.status == 503)
            #expect(String(decoding: response.body, as: UTF8.self).contains("stopping"))
        case .failure(let error):
            #expect(error is TransportError, "\(error)")
        }
        #expect(stopping < .seconds(4), "stop waited out the latency: \(stopping)")
        #expect(served.server.requestsInFlight == 0)
        await #expect(throws: (any Error).self) { try await served.raw("GET", "/v1/owners") }
    }
}

/// Opens up to `count` TCP connections to the loopback `port` (stops at the first refused one); the
/// caller closes them.
private func openConnections(port: Int, count: Int) -> [Int32] {
    var sockets: [Int32] = []
    for _ in 0..<count {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { break }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            break
        }
        sockets.append(socket)
    }
    return sockets
}

/// A full exercise of the client: every `HostingProvider` call and every metrics kind.
/// Shared by the HTTP test and the conformance test.
enum Exercise {
    static func run(_ provider: RenderProvider, clock: ManualHostingClock) async throws {
        let owners = try await provider.listOwners()
        #expect(owners.count == 1)
        let owner = owners[0].id

        var webRequest = SandboxTests.web("exercise-web", owner: owner, instances: 2)
        webRequest.envVars = [EnvVarInput(key: "NODE_ENV", value: "production"), .generated("SESSION_SECRET")]
        webRequest.repo = "https://github.com/acme/api"
        webRequest.branch = "main"
        let web = try await provider.createService(webRequest)
        #expect(web.numInstances == 2)
        #expect(web.type == .web)

        var worker = ServiceCreateRequest(name: "exercise-worker", type: .worker, runtime: "docker", ownerId: owner, plan: "standard", region: "frankfurt")
        worker.dockerCommand = "node worker.js"
        let workerService = try await provider.createService(worker)
        #expect(workerService.region == "frankfurt")
        var cron = ServiceCreateRequest(name: "exercise-cron", type: .cron, runtime: "python", ownerId: owner)
        cron.schedule = "*/5 * * * *"
        cron.buildCommand = "pip install -r requirements.txt"
        cron.startCommand = "python job.py"
        let cronService = try await provider.createService(cron)
        #expect(cronService.schedule == "*/5 * * * *")
        var privateRequest = ServiceCreateRequest(name: "exercise-pserv", type: .pserv, runtime: "image", ownerId: owner)
        privateRequest.image = "docker.io/library/nginx:latest"
        let privateService = try await provider.createService(privateRequest)
        #expect(privateService.image == "docker.io/library/nginx:latest")

        #expect(try await provider.listServices().count == 4)
        #expect(try await provider.getService(id: web.id).name == "exercise-web")

        // Instances appear only after the boot delay.
        #expect(try await provider.listInstances(serviceId: web.id).isEmpty)
        clock.advance(by: 21)
        #expect(try await provider.listInstances(serviceId: web.id).count == 2)

        var update = ServiceUpdate(plan: "standard", healthCheckPath: "/ready")
        update.startCommand = "node server.js"
        let updated = try await provider.updateService(id: web.id, update)
        #expect(updated.plan == "standard")
        #expect(updated.healthCheckPath == "/ready")
        var cronUpdate = ServiceUpdate()
        cronUpdate.schedule = "0 * * * *"
        #expect(try await provider.updateService(id: cronService.id, cronUpdate).schedule == "0 * * * *")

        try await provider.scale(serviceId: web.id, numInstances: 3)
        #expect(try await provider.getService(id: web.id).numInstances == 3)
        let config = AutoscalingConfig(enabled: true, min: 2, max: 5, cpu: .init(enabled: true, percentage: 70), memory: .init(enabled: false, percentage: 80))
        #expect(try await provider.setAutoscaling(serviceId: web.id, config) == config)
        try await provider.scale(serviceId: web.id, numInstances: 5)
        let autoscaled = try await provider.getService(id: web.id)
        #expect(autoscaled.numInstances == 3)
        #expect(autoscaled.autoscaling == config)
        try await provider.deleteAutoscaling(serviceId: web.id)
        #expect(try await provider.getService(id: web.id).autoscaling == nil)

        try await provider.suspend(serviceId: workerService.id)
        #expect(try await provider.getService(id: workerService.id).suspended)
        try await provider.resume(serviceId: workerService.id)
        #expect(try await provider.getService(id: workerService.id).suspended == false)

        let envVars = try await provider.listEnvVars(serviceId: web.id)
        #expect(envVars.map(\.key) == ["NODE_ENV", "SESSION_SECRET"])
        let replaced = try await provider.replaceEnvVars(serviceId: web.id, [EnvVarInput(key: "NODE_ENV", value: "staging"), EnvVarInput(key: "LOG", value: "info")])
        #expect(replaced == [LiveEnvVar(key: "NODE_ENV", value: "staging"), LiveEnvVar(key: "LOG", value: "info")])

        var keyValueRequest = DatastoreCreateRequest(name: "exercise-redis", type: .keyvalue, ownerId: owner, plan: "starter")
        keyValueRequest.maxmemoryPolicy = "noeviction"
        let keyValue = try await provider.createDatastore(keyValueRequest)
        #expect(keyValue.maxmemoryPolicy == "noeviction")
        var postgresRequest = DatastoreCreateRequest(name: "exercise-db", type: .postgres, ownerId: owner, plan: "basic_1gb", region: "oregon")
        postgresRequest.version = "17"
        postgresRequest.diskSizeGB = 10
        let postgres = try await provider.createDatastore(postgresRequest)
        #expect(postgres.version == "17")
        #expect(try await provider.listDatastores(ownerId: owner).count == 2)
        #expect(try await provider.updateDatastore(.keyvalue, id: keyValue.id, DatastoreUpdate(plan: "standard")).plan == "standard")
        var grow = DatastoreUpdate(plan: "basic_4gb")
        grow.diskSizeGB = 20
        let grown = try await provider.updateDatastore(.postgres, id: postgres.id, grow)
        #expect(grown.diskSizeGB == 20)

        clock.advance(by: 300)
        let now = clock.now()
        for kind in RenderMetricKind.allCases {
            let series = try await provider.metrics(kind, resources: [web.id, keyValue.id], start: now.addingTimeInterval(-240), end: now,
                                                    resolutionSeconds: 60, quantile: kind == .httpLatency ? 0.95 : nil,
                                                    aggregateBy: kind == .httpRequests ? "statusCode" : nil)
            #expect(!series.isEmpty, "metrics \(kind.rawValue)")
        }

        try await provider.deleteDatastore(.keyvalue, id: keyValue.id)
        try await provider.deleteDatastore(.postgres, id: postgres.id)
        for service in [web, workerService, cronService, privateService] { try await provider.deleteService(id: service.id) }
        let gone = await #expect(throws: RenderAPIError.self) { try await provider.deleteService(id: web.id) }
        #expect(gone?.isNotFound == true)
        #expect(try await provider.listServices().isEmpty)
    }
}
