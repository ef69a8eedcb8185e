import Blueprint
import Foundation
import Hosting
import Planning
import Testing

/// `RenderProvider` against a closure transport: wire shapes, retries, errors, pacing.
@Suite struct RenderProviderTests {
    static func serviceJSON(id: String = "srv-d0c3k5t2i9l8a7b6c5d4", name: String = "backend-api", plan: String = "starter",
                            type: String = "web_service", extra: String = "") -> String {
        """
        {"id":"\(id)","name":"\(name)","ownerId":"tea-abcdefghij0123456789","type":"\(type)","slug":"\(name)",
         "createdAt":"2026-01-02T03:04:05.123Z","updatedAt":"2026-01-02T03:04:05Z","dashboardUrl":"https://dashboard.render.com/web/\(id)",
         "autoDeploy":"yes","rootDir":"","notifyOnFail":"default","suspended":"not_suspended","suspenders":[],
         "repo":"https://github.com/acme/api","branch":"main","brandNewField":{"x":1},
         "serviceDetails":{"env":"node","runtime":"node","plan":"\(plan)","region":"oregon","numInstances":2,"buildPlan":"starter",
           "healthCheckPath":"/health","url":"https://\(name).onrender.com","openPorts":[{"port":10000,"protocol":"TCP"}],
           "envSpecificDetails":{"buildCommand":"npm ci","startCommand":"npm start"}\(extra)}}
        """
    }

    @Test func decodesAServiceWithAnUnknownPlanAndExtraFields() async throws {
        let transport = ClosureTransport { request in
            #expect(request.url.absoluteString == "https://api.render.com/v1/services/srv-d0c3k5t2i9l8a7b6c5d4")
            #expect(request.header("Authorization") == "Bearer rnd_secret_key_123")
            return jsonResponse(200, Self.serviceJSON(plan: "pro_ultra_2027", extra: #","autoscaling":{"enabled":true,"min":2,"max":5,"criteria":{"cpu":{"enabled":true,"percentage":60},"memory":{"enabled":false,"percentage":70}}}"#))
        }
        let service = try await makeProvider(transport).getService(id: "srv-d0c3k5t2i9l8a7b6c5d4")
        #expect(service.plan == "pro_ultra_2027")
        #expect(service.type == .web)
        #expect(service.numInstances == 2)
        #expect(service.healthCheckPath == "/health")
        #expect(service.startCommand == "npm start")
        #expect(service.autoscaling == AutoscalingConfig(enabled: true, min: 2, max: 5, cpu: .init(enabled: true, percentage: 60),
                                                         memory: .init(enabled: false, percentage: 70)))
        #expect(!service.suspended)
    }

    @Test func listFollowsTheLastCursorWithLimit100() async throws {
        let transport = ClosureTransport { request in
            let query = request.url.query ?? ""
            #expect(query.contains("limit=100"))
            let page: Int = query.contains("cursor=c100") ? 2 : 1
            let count = page == 1 ? 100 : 7
            let offset = page == 1 ? 0 : 100
            let items = (0..<count).map { index in
                "{\"service\":\(Self.serviceJSON(id: "srv-\(String(format: "%020d", offset + index))", name: "s\(offset + index)")),\"cursor\":\"c\(offset + index + 1)\"}"
            }
            return jsonResponse(200, "[" + items.joined(separator: ",") + "]")
        }
        let services = try await makeProvider(transport).listServices()
        #expect(services.count == 107)
        #expect(Set(services.map(\.name)).count == 107)
    }

    @Test func retriesA429HonouringRetryAfterThenSucceeds() async throws {
        let transport = ScriptedTransport([
            { _ in jsonResponse(429, #"{"id":"rl","message":"rate limit exceeded"}"#, headers: ["Retry-After": "7", "Ratelimit-Reset": "3"]) },
            { _ in jsonResponse(503, #"{"message":"unavailable"}"#) },
            { _ in TransportResponse(status: 202) },
        ])
        let clock = ManualHostingClock()
        try await makeProvider(transport, clock: clock).scale(serviceId: "srv-x", numInstances: 3)
        #expect(transport.count == 3)
        let sleeps = clock.recordedSleeps
        #expect(sleeps.count == 2)
        #expect(sleeps[0] >= 7)
        #expect(sleeps[1] < 7)
    }

    @Test func usesRatelimitResetWhenThereIsNoRetryAfter() async throws {
        let transport = ScriptedTransport([
            { _ in jsonResponse(429, #"{"message":"slow down"}"#, headers: ["Ratelimit-Remaining": "0", "Ratelimit-Reset": "12"]) },
            { _ in TransportResponse(status: 204) },
        ])
        let clock = ManualHostingClock()
        try await makeProvider(transport, clock: clock).deleteService(id: "srv-x")
        #expect(clock.recordedSleeps.first.map { $0 >= 12 } == true)
    }

    @Test(arguments: [400, 401, 403, 404, 409])
    func doesNotRetryOtherClientErrors(status: Int) async throws {
        let transport = ScriptedTransport([{ _ in
            jsonResponse(status, #"{"id":"e1","message":"not found: srv-nope"}"#, headers: ["Render-Request-Id": "req-42"])
        }])
        let error = await #expect(throws: RenderAPIError.self) {
            try await makeProvider(transport).getService(id: "srv-nope")
        }
        #expect(transport.count == 1)
        #expect(error?.status == status)
        #expect(error?.requestId == "req-42")
        #expect(error?.message == "not found: srv-nope")
        #expect(error?.operation == "retrieve-service")
        #expect(error?.path == "/services/srv-nope")
        let text = error.map { String(describing: $0) } ?? ""
        #expect(text.contains("retrieve-service GET /services/srv-nope: HTTP \(status): not found: srv-nope"))
        #expect(text.contains("req-42"))
        #expect(!text.contains("rnd_secret_key_123"))
    }

    @Test func givesUpAfterMaxAttemptsOnServerErrors() async throws {
        let transport = ScriptedTransport([{ _ in jsonResponse(500, #"{"message":"boom"}"#) }])
        let error = await #expect(throws: RenderAPIError.self) {
            try await makeProvider(transport, retry: RetryPolicy(maxAttempts: 4)).listOwners()
        }
        #expect(transport.count == 4)
        #expect(error?.attempts == 4)
        #expect(error?.status == 500)
    }

    @Test func retriesTransportFailures() async throws {
        let transport = ScriptedTransport([
            { _ in throw TransportError("connection reset by peer") },
            { _ in jsonResponse(200, "[]") },
        ])
        let owners = try await makeProvider(transport).listOwners()
        #expect(owners.isEmpty)
        #expect(transport.count == 2)
    }

    @Test func aServerAskingForTooLongAWaitEndsTheRetries() async throws {
        let transport = ScriptedTransport([{ _ in jsonResponse(429, #"{"message":"create limit"}"#, headers: ["Ratelimit-Reset": "2109"]) }])
        let error = await #expect(throws: RenderAPIError.self) {
            try await makeProvider(transport).createService(ServiceCreateRequest(name: "a", type: .worker, runtime: "node", ownerId: "tea-x"))
        }
        #expect(error?.isRateLimited == true)
        #expect(transport.count == 1)
    }

    @Test func timesOutASlowRequest() async throws {
        let transport = ClosureTransport { _ in
            try await Task.sleep(nanoseconds: 60_000_000_000)
            return jsonResponse(200, "[]")
        }
        var configuration = try RenderClientConfiguration(baseURL: "https://api.render.com/v1", apiKey: "k")
        configuration.timeout = 0.2
        configuration.retry = .none
        configuration.rateLimits = nil
        let provider = RenderProvider(configuration: configuration, transport: transport, clock: ManualHostingClock())
        let started = Date()
        let error = await #expect(throws: RenderAPIError.self) { try await provider.listOwners() }
        #expect(error?.kind == .timeout)
        // Without the timeout the call would take a minute; the bound leaves room for a loaded machine.
        #expect(Date().timeIntervalSince(started) < 20)
    }

    @Test(arguments: [
        ("http://api.render.com/v1", false), ("http://10.0.0.5:8080/v1", false), ("http://127.0.0.1:9000/v1", true),
        ("http://localhost:9000/v1", true), ("http://[::1]:9000/v1", true), ("https://api.render.com/v1", true), ("ftp://x/v1", false),
    ])
    func plainHTTPOnlyToLoopback(url: String, allowed: Bool) {
        #expect(((try? RenderClientConfiguration(baseURL: url, apiKey: "k")) != nil) == allowed)
    }

    @Test func configurationComesFromTheEnvironment() throws {
        let configuration = try RenderClientConfiguration.fromEnvironment(["RENDER_API_KEY": "rnd_x", "RENDER_API_URL": "http://127.0.0.1:1/v1"])
        #expect(configuration.baseURL.absoluteString == "http://127.0.0.1:1/v1")
        #expect(try RenderClientConfiguration.fromEnvironment(["RENDER_API_KEY": "rnd_x"]).baseURL.absoluteString == "https://api.render.com/v1")
        let error = #expect(throws: RenderAPIError.self) { try RenderClientConfiguration.fromEnvironment([:]) }
        #expect(error?.message?.contains("RENDER_API_KEY") == true)
        // No request was made: no endpoint, method or attempt count around the message.
        #expect(error?.description == "RENDER_API_KEY is not set")
    }

    @Test func pacesWritesToThirtyAMinute() async throws {
        let transport = ScriptedTransport([{ _ in jsonResponse(200, "[]") }])
        let clock = ManualHostingClock()
        let start = clock.now()
        let provider = try makeProvider(transport, clock: clock, rateLimits: .render)
        // Suspends count per service (10/min each), autoscaling calls have their own 100/min bucket.
        for index in 0..<35 { try await provider.suspend(serviceId: "srv-\(index)") }
        for _ in 0..<35 { try await provider.deleteAutoscaling(serviceId: "srv-1") }
        #expect(clock.now() == start)
        // Env var writes share the 30/min bucket, paced one below the limit: 29 go at once, the 30th
        // waits a window after the first one's response.
        for _ in 0..<40 { _ = try await provider.replaceEnvVars(serviceId: "srv-1", []) }
        #expect(abs(clock.now().timeIntervalSince(start) - 60) < 0.01)
    }

    @Test func pacesScalesPerService() async throws {
        let transport = ScriptedTransport([{ _ in TransportResponse(status: 202) }])
        let clock = ManualHostingClock()
        let start = clock.now()
        let provider = try makeProvider(transport, clock: clock, rateLimits: .render)
        for _ in 0..<9 { try await provider.scale(serviceId: "srv-a", numInstances: 2) }
        for _ in 0..<9 { try await provider.scale(serviceId: "srv-b", numInstances: 2) }
        #expect(clock.now() == start)
        try await provider.scale(serviceId: "srv-a", numInstances: 3)
        #expect(abs(clock.now().timeIntervalSince(start) - 60) < 0.01)
    }

    @Test func sendsServiceCreateInTheSpecShape() async throws {
        let transport = ClosureTransport { request in
            #expect(request.method == "POST")
            let body = try JSONSerialization.jsonObject(with: request.body ?? Data()) as? [String: Any] ?? [:]
            #expect(body["type"] as? String == "background_worker")
            #expect(body["ownerId"] as? String == "tea-x")
            let details = body["serviceDetails"] as? [String: Any] ?? [:]
            #expect(details["numInstances"] as? Int == 2)
            #expect(details["runtime"] as? String == "node")
            #expect((details["envSpecificDetails"] as? [String: Any])?["startCommand"] as? String == "node worker.js")
            let envVars = body["envVars"] as? [[String: Any]] ?? []
            #expect(envVars.count == 2)
            #expect(envVars[1]["generateValue"] as? Bool == true)
            return jsonResponse(201, "{\"service\":\(Self.serviceJSON(type: "background_worker")),\"deployId\":\"dep-x\"}")
        }
        var request = ServiceCreateRequest(name: "worker", type: .worker, runtime: "node", ownerId: "tea-x", numInstances: 2)
        request.startCommand = "node worker.js"
        request.buildCommand = "npm ci"
        request.envVars = [EnvVarInput(key: "A", value: "1"), .generated("SECRET")]
        let service = try await makeProvider(transport).createService(request)
        #expect(service.type == .worker)
    }
}
