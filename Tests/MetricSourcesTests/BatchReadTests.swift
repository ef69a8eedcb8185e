import Blueprint
import Foundation
import Hosting
@testable import MetricSources
import RedisClient
import TestSupport
import Testing

/// A tick's reads in one batch per source: the same readings as one read at a time, from far fewer
/// requests.
@Suite("Batch reads")
struct BatchReadTests {
    /// The metrics API of `base`, counting requests and the services each named.
    final class CountingAPI: RenderMetricsAPI, @unchecked Sendable {
        let base: any RenderMetricsAPI
        private let lock = NSLock()
        private var seen: [(kind: RenderMetricKind, resources: [String])] = []

        init(_ base: any RenderMetricsAPI) { self.base = base }

        var requests: [(kind: RenderMetricKind, resources: [String])] { lock.withLock { seen } }
        func reset() { lock.withLock { seen = [] } }

        func metrics(_ kind: RenderMetricKind, resources: [String], start: Date?, end: Date?, resolutionSeconds: Int?,
                     quantile: Double?, aggregateBy: String?) async throws -> [RenderMetricSeries] {
            lock.withLock { seen.append((kind, resources)) }
            return try await base.metrics(kind, resources: resources, start: start, end: end, resolutionSeconds: resolutionSeconds,
                                          quantile: quantile, aggregateBy: aggregateBy)
        }
    }

    static let webMetrics: [Metric] = [.cpuUtilization, .memoryUtilization, .latency(quantile: 0.95), .requestRate, .errorRate, .instanceCount]

    /// 250 sandbox services with different loads and instance counts, over HTTP through `RenderProvider`.
    @Test func oneRequestPerKindAndHundredServicesWithTheSameReadings() async throws {
        let clock = ManualHostingClock()
        let sandbox = Sandbox(inMemory: SandboxOptions(clock: clock))
        let owner = try sandbox.defaultOwnerId()
        var targets: [MetricTarget] = []
        for index in 0..<250 {
            var request = ServiceCreateRequest(name: "web-\(index)", type: .web, runtime: "node", ownerId: owner, numInstances: 1 + index % 3)
            request.startCommand = "npm start"
            let service = try await sandbox.createService(request)
            targets.append(MetricTarget(service: service.name, resourceID: service.id))
        }
        clock.advance(by: 300)
        for (index, target) in targets.enumerated() {
            var load = SandboxLoad(requestsPerSecond: Double(10 + index))
            load.errorRate = Double(index % 5) / 100
            _ = try sandbox.setLoad(serviceId: target.resourceID!, load)
        }
        clock.advance(by: 120)
        let server = try SandboxServer(sandbox: sandbox, port: 0)
        let port = try await server.start()
        defer { Task { await server.stop() } }
        let api = CountingAPI(RenderProvider(configuration: try RenderClientConfiguration(baseURL: "http://127.0.0.1:\(port)/v1", apiKey: "rnd_test")))
        let render = RenderMetricsSource(api: api)
        let now = clock.now()

        // A new service with no ID yet and a metric Render does not serve ride along without a request.
        let requests = targets.flatMap { target in Self.webMetrics.map { MetricRequest($0, for: target) } }
            + [MetricRequest(.cpuUtilization, for: MetricTarget(service: "new")), MetricRequest(.queueDepth, for: targets[0])]
        let batch = await render.read(requests, now: now)
        #expect(batch.count == requests.count)

        // Eight kinds (cpu, cpu-limit, memory, memory-limit, latency, requests, requests by status,
        // instance count), three blocks of at most 100 services each.
        let made = api.requests
        #expect(made.count == 8 * 3)
        #expect(made.allSatisfy { $0.resources.count <= RenderMetricsSource.resourcesPerRequest })
        #expect(Set(made.filter { $0.kind == .cpu }.flatMap(\.resources)) == Set(targets.map { $0.resourceID! }))
        #expect(batch[batch.count - 2].unavailableReason?.contains("no Render service ID") == true)
        #expect(batch[batch.count - 1].unavailableReason?.contains("does not serve queue_depth") == true)

        // Every reading equals the one-at-a-time read, value and time.
        api.reset()
        for (index, request) in requests.enumerated().dropLast(2) where index % 7 == 0 {
            let single = await render.read(request.metric, for: request.target, now: now)
            #expect(single == batch[index], "\(request.target.service) \(request.metric.name)")
            #expect(single.value != nil, "\(request.target.service) \(request.metric.name): \(single)")
        }
        #expect(api.requests.allSatisfy { $0.resources.count == 1 })
        // And they are the load model's numbers: service i serves 10 + i requests a second.
        for (index, request) in requests.enumerated() where request.metric == .requestRate {
            let service = Int(request.target.service.dropFirst("web-".count))!
            #expect(abs((batch[index].value ?? -1) - Double(10 + service)) < 0.01)
        }
    }

    /// A series naming no service cannot be told apart in a block: the block is asked one by one.
    @Test func seriesWithoutAServiceLabelAreAskedAgainOneByOne() async throws {
        struct Unlabelled: RenderMetricsAPI {
            func metrics(_ kind: RenderMetricKind, resources: [String], start: Date?, end: Date?, resolutionSeconds: Int?,
                         quantile: Double?, aggregateBy: String?) async throws -> [RenderMetricSeries] {
                // One series per resource, labelled only by instance; the value says whose it is.
                resources.map { id in
                    RenderMetricSeries(labels: [.init(field: "instance", value: "\(id)-a")],
                                       values: [.init(timestamp: Date(timeIntervalSince1970: 1000), value: Double(id.dropFirst(4))!)],
                                       unit: "instances")
                }
            }
        }
        let api = CountingAPI(Unlabelled())
        let render = RenderMetricsSource(api: api)
        let targets = (1...3).map { MetricTarget(service: "s\($0)", resourceID: "srv-\($0)") }
        let readings = await render.read(targets.map { MetricRequest(.instanceCount, for: $0) }, now: Date(timeIntervalSince1970: 1010))
        #expect(readings.map(\.value) == [1, 2, 3])
        #expect(api.requests.map(\.resources) == [["srv-1", "srv-2", "srv-3"], ["srv-1"], ["srv-2"], ["srv-3"]])
    }

    /// Asked one by one, a service whose own request fails is unavailable with that request's error;
    /// the rest of the block keeps its readings.
    @Test func aFailedOneByOneRequestFailsOnlyItsService() async throws {
        struct UnlabelledFailingFor2: RenderMetricsAPI {
            func metrics(_ kind: RenderMetricKind, resources: [String], start: Date?, end: Date?, resolutionSeconds: Int?,
                         quantile: Double?, aggregateBy: String?) async throws -> [RenderMetricSeries] {
                if resources == ["srv-2"] { throw TransportError("connection reset") }
                return resources.map { id in
                    RenderMetricSeries(labels: [.init(field: "instance", value: "\(id)-a")],
                                       values: [.init(timestamp: Date(timeIntervalSince1970: 1000), value: Double(id.dropFirst(4))!)],
                                       unit: "instances")
                }
            }
        }
        let api = CountingAPI(UnlabelledFailingFor2())
        let render = RenderMetricsSource(api: api)
        let targets = (1...3).map { MetricTarget(service: "s\($0)", resourceID: "srv-\($0)") }
        let readings = await render.read(targets.map { MetricRequest(.instanceCount, for: $0) }, now: Date(timeIntervalSince1970: 1010))
        #expect(readings[0].value == 1)
        #expect(readings[2].value == 3)
        #expect(readings[1].value == nil)
        #expect(readings[1].unavailableReason
            == "render metrics for srv-2: connection reset (asked on its own: Render's answer for 3 services had a series naming no service)")
        #expect(api.requests.map(\.resources) == [["srv-1", "srv-2", "srv-3"], ["srv-1"], ["srv-2"], ["srv-3"]])
    }

    /// A failed request makes its block's readings unavailable with the reason, and only those.
    @Test func aFailedBlockIsUnavailableForItsServicesOnly() async throws {
        struct FailsForCPU: RenderMetricsAPI {
            func metrics(_ kind: RenderMetricKind, resources: [String], start: Date?, end: Date?, resolutionSeconds: Int?,
                         quantile: Double?, aggregateBy: String?) async throws -> [RenderMetricSeries] {
                if kind == .cpu { throw TransportError("connection reset") }
                return resources.map { id in
                    RenderMetricSeries(labels: [.init(field: "service", value: id)],
                                       values: [.init(timestamp: Date(timeIntervalSince1970: 1000), value: 2)], unit: "instances")
                }
            }
        }
        let render = RenderMetricsSource(api: FailsForCPU())
        let targets = (1...2).map { MetricTarget(service: "s\($0)", resourceID: "srv-\($0)") }
        let readings = await render.read(targets.flatMap { [MetricRequest(.cpuUtilization, for: $0), MetricRequest(.instanceCount, for: $0)] },
                                         now: Date(timeIntervalSince1970: 1010))
        #expect(readings[0].unavailableReason == "render metrics for 2 services: connection reset")
        #expect(readings[2].unavailableReason == "render metrics for 2 services: connection reset")
        #expect(readings[1].value == 2 && readings[3].value == 2)
    }

    /// Asking a queue for three numbers reads it once; every queue is read; results keep the order asked.
    @Test func eachQueueIsReadOnceForAllItsNumbers() async throws {
        let server = try await RedisServer()
        defer { server.stop() }
        let redis = try RedisClient(url: server.url)
        for index in 0..<20 {
            try await redis.pipeline((0..<(index + 1)).map { ["LPUSH", "jobs-\(index)", String($0)] })
        }
        let source = RedisQueueSource(clients: ["redis": redis])
        let targets = (0..<20).map { MetricTarget(service: "worker-\($0)", queue: QueueBinding(redis: "redis", kind: .list, name: "jobs-\($0)")) }
        let before = try await QueueReaderTests.commandCalls(redis)
        let readings = await source.read(targets.flatMap { target in
            [MetricRequest(.queueDepth, for: target), MetricRequest(.queueOldestAge, for: target), MetricRequest(.cpuUtilization, for: target)]
        }, now: Date())
        let after = try await QueueReaderTests.commandCalls(redis)
        #expect((after["llen", default: 0] - before["llen", default: 0]) == 20)
        for index in 0..<20 {
            #expect(readings[3 * index].value == Double(index + 1))
            #expect(readings[3 * index + 1].unavailableReason != nil)
            #expect(readings[3 * index + 2].unavailableReason?.contains("does not serve cpu") == true)
        }
    }
}
