import Foundation
import Hosting
@testable import MetricSources
import Testing

@Suite("RenderMetricsSource")
struct RenderMetricsSourceTests {
    static func web(_ owner: String, instances: Int) -> ServiceCreateRequest {
        var request = ServiceCreateRequest(name: "backend-api", type: .web, runtime: "node", ownerId: owner, numInstances: instances)
        request.startCommand = "npm start"
        request.healthCheckPath = "/health"
        return request
    }

    /// Against the sandbox server's `/v1/metrics/*` endpoints over HTTP, through `RenderProvider`: the
    /// numbers match what the sandbox's own load model says.
    @Test func readsTheSandboxServersMetricsEndpoints() async throws {
        let clock = ManualHostingClock()
        let sandbox = Sandbox(inMemory: SandboxOptions(clock: clock))
        let service = try await sandbox.createService(Self.web(try sandbox.defaultOwnerId(), instances: 2))
        clock.advance(by: 300)
        var load = SandboxLoad(requestsPerSecond: 80)
        load.errorRate = 0.02
        let status = try sandbox.setLoad(serviceId: service.id, load)
        clock.advance(by: 120)

        let server = try SandboxServer(sandbox: sandbox, port: 0)
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let provider = RenderProvider(configuration: try RenderClientConfiguration(baseURL: "http://127.0.0.1:\(port)/v1", apiKey: "rnd_test"))
        let render = RenderMetricsSource(api: provider)
        let target = MetricTarget(service: "backend-api", resourceID: service.id)
        let now = clock.now()

        let cpu = try #require(await render.read(.cpuUtilization, for: target, now: now).sample)
        #expect(abs(cpu.value - status.cpuUtilisation * 100) < 0.01)
        #expect(cpu.timestamp <= now && cpu.age(at: now) <= 30)
        let perInstance = try await render.instances(.cpuUtilization, for: target, now: now).get()
        #expect(perInstance.count == 2)
        #expect(perInstance.allSatisfy { $0.limit == 0.5 && abs(($0.utilisation ?? 0) - status.cpuUtilisation * 100) < 0.01 })

        let memory = try #require(await render.read(.memoryUtilization, for: target, now: now).value)
        #expect(abs(memory - status.memoryUtilisation * 100) < 0.01)
        let p95 = try #require(await render.read(.latency(quantile: 0.95), for: target, now: now).value)
        #expect(abs(p95 - status.latencyP95Ms) < 0.01)
        let rate = try #require(await render.read(.requestRate, for: target, now: now).value)
        #expect(abs(rate - 80) < 0.01)
        let errors = try #require(await render.read(.errorRate, for: target, now: now).value)
        #expect(abs(errors - status.errorRate * 100) < 0.01)
        #expect(await render.read(.instanceCount, for: target, now: now).value == 2)

        // Samples keep their own time: 200 s later they are stale for a 60 s bound.
        #expect(await render.read(.cpuUtilization, for: target, now: now).fresh(maxAge: 60, now: now.addingTimeInterval(200)).unavailableReason?.hasPrefix("stale") == true)

        // Unknown service ID: Render's error, as a reason.
        let unknown = await render.read(.cpuUtilization, for: MetricTarget(service: "x", resourceID: "srv-doesnotexist00000000"), now: now)
        #expect(unknown.unavailableReason != nil)
    }

    /// A stub of the metrics API with fixed series.
    struct StubAPI: RenderMetricsAPI {
        var series: [RenderMetricKind: [RenderMetricSeries]]
        var failure: String?

        func metrics(_ kind: RenderMetricKind, resources: [String], start: Date?, end: Date?, resolutionSeconds: Int?,
                     quantile: Double?, aggregateBy: String?) async throws -> [RenderMetricSeries] {
            if let failure { throw TransportError(failure) }
            return series[kind] ?? []
        }
    }

    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func series(_ labels: [(String, String)], _ points: [(Double, Double)], unit: String = "cpu") -> RenderMetricSeries {
        RenderMetricSeries(labels: labels.map { .init(field: $0.0, value: $0.1) },
                           values: points.map { .init(timestamp: t0.addingTimeInterval($0.0), value: $0.1) }, unit: unit)
    }

    @Test func perInstanceLimitsAndInstancesThatStoppedReporting() async throws {
        let api = StubAPI(series: [
            .cpu: [
                Self.series([("service", "srv-a"), ("instance", "srv-a-1")], [(0, 0.1), (30, 0.4)]),
                Self.series([("service", "srv-a"), ("instance", "srv-a-2")], [(0, 0.2), (30, 0.2)]),
                // Scaled away ten minutes earlier: its last point must not count or age the reading.
                Self.series([("service", "srv-a"), ("instance", "srv-a-old")], [(-600, 0.5)]),
            ],
            .cpuLimit: [
                Self.series([("service", "srv-a"), ("instance", "srv-a-1")], [(30, 1.0)]),
                Self.series([("service", "srv-a")], [(30, 0.5)]),
            ],
        ])
        let render = RenderMetricsSource(api: api)
        let target = MetricTarget(service: "api", resourceID: "srv-a")
        let now = Self.t0.addingTimeInterval(45)
        let usages = try await render.instances(.cpuUtilization, for: target, now: now).get()
        #expect(usages.map(\.instance) == ["srv-a-1", "srv-a-2"])
        #expect(usages.map(\.limit) == [1.0, 0.5])
        #expect(usages.map(\.utilisation) == [40, 40])
        // (0.4 + 0.2) / (1.0 + 0.5)
        let cpu = try #require(await render.read(.cpuUtilization, for: target, now: now).sample)
        #expect(abs(cpu.value - 40) < 1e-9)
        #expect(cpu.timestamp == Self.t0.addingTimeInterval(30))
    }

    @Test func missingDataIsUnavailableNeverZero() async throws {
        let target = MetricTarget(service: "api", resourceID: "srv-a")
        let now = Self.t0
        let empty = RenderMetricsSource(api: StubAPI(series: [:]))
        for metric in [Metric.cpuUtilization, .memoryUtilization, .latency(quantile: 0.95), .requestRate, .errorRate, .instanceCount] {
            let reading = await empty.read(metric, for: target, now: now)
            #expect(reading.unavailableReason?.contains("no ") == true, "\(metric.name): \(reading)")
        }
        let noLimits = RenderMetricsSource(api: StubAPI(series: [.cpu: [Self.series([("instance", "i")], [(0, 0.3)])]]))
        #expect(await noLimits.read(.cpuUtilization, for: target, now: now).unavailableReason == "render reported no cpu limit for the instances")
        let down = RenderMetricsSource(api: StubAPI(series: [:], failure: "connection refused"))
        #expect(await down.read(.requestRate, for: target, now: now).unavailableReason == "render metrics for srv-a: connection refused")
        #expect(await down.read(.cpuUtilization, for: MetricTarget(service: "new"), now: now).unavailableReason?.contains("no Render service ID") == true)
        #expect(await down.read(.queueDepth, for: target, now: now).unavailableReason != nil)
    }

    @Test func errorRateIsTheNewestStepsShareOf5xx() async throws {
        let api = StubAPI(series: [
            .httpRequests: [
                Self.series([("statusCode", "200")], [(0, 900), (30, 950)], unit: "unitless"),
                Self.series([("statusCode", "503")], [(0, 100), (30, 30)], unit: "unitless"),
                Self.series([("statusCode", "500")], [(30, 20)], unit: "unitless"),
                Self.series([("statusCode", "404")], [(30, 0)], unit: "unitless"),
            ],
        ])
        let render = RenderMetricsSource(api: api, resolutionSeconds: 30)
        let target = MetricTarget(service: "api", resourceID: "srv-a")
        #expect(await render.read(.errorRate, for: target, now: Self.t0) == .value(5, at: Self.t0.addingTimeInterval(30)))
        #expect(await render.read(.requestRate, for: target, now: Self.t0) == .value(1000.0 / 30, at: Self.t0.addingTimeInterval(30)))
    }
}
