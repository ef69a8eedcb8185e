import Foundation
import Hosting

/// Service metrics from Render's metrics API (`GET /metrics/*`), through the hosting client
/// (``RenderProvider``, or the sandbox's emulation of it).
///
/// - `cpu` / `memory`: utilisation in percent, Σ newest usage / Σ limit over the instances that are
///   still reporting (`/metrics/cpu` over `/metrics/cpu-limit`, memory likewise; a per-instance limit
///   series is used when Render labels one, else the service's). ``instances(_:for:now:)`` gives
///   the per-instance numbers;
/// - `latency_pNN`: `/metrics/http-latency?quantile=0.NN`, in ms (the largest if several series);
/// - `request_rate`: `/metrics/http-requests`, requests per second over the newest step;
/// - `error_rate`: the 5xx share of `/metrics/http-requests?aggregateBy=statusCode` in the newest
///   step, in percent (0 when that step had no requests);
/// - `instances`: `/metrics/instance-count`.
///
/// Render's metrics come at 30 s resolution at best and lag behind: every reading carries the time of
/// the points it was computed from (the oldest, where several series are combined), so the caller's
/// staleness bound decides whether it is still usable.
///
/// ```swift
/// let render = RenderMetricsSource(api: provider)
/// let cpu = await render.read(.cpuUtilization, for: MetricTarget(service: "api", resourceID: "srv-…"), now: .now)
/// ```
public struct RenderMetricsSource: MetricSource {
    public let api: any RenderMetricsAPI
    /// How far back each request looks, in seconds (enough for a few points even when Render lags).
    public let window: Double
    /// Seconds per point; Render's minimum is 30.
    public let resolutionSeconds: Int

    public init(api: any RenderMetricsAPI, window: Double = 600, resolutionSeconds: Int = 30) {
        self.api = api
        self.window = window
        self.resolutionSeconds = max(30, resolutionSeconds)
    }

    public var name: String { "render" }

    public func serves(_ metric: Metric) -> Bool {
        switch metric {
        case .cpuUtilization, .memoryUtilization, .latency, .requestRate, .errorRate, .instanceCount: true
        default: false
        }
    }

    /// One instance's usage and limit at the time of its newest point.
    public struct InstanceUsage: Sendable, Equatable {
        /// Render's instance ID (`srv-…-xxxxx`), or the service ID when Render gives no instance label.
        public var instance: String
        /// CPU cores or memory bytes in use.
        public var value: Double
        /// The instance's limit in the same unit, when Render reported one.
        public var limit: Double?
        public var timestamp: Date

        public init(instance: String, value: Double, limit: Double?, timestamp: Date) {
            self.instance = instance
            self.value = value
            self.limit = limit
            self.timestamp = timestamp
        }

        /// `value / limit` in percent.
        public var utilisation: Double? {
            guard let limit, limit > 0 else { return nil }
            return value / limit * 100
        }
    }

    /// Why Render's metrics gave no reading.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public init(_ reason: String) { self.reason = reason }
        public var description: String { reason }
    }

    /// Services named in one metrics request (Render ORs repeated `resource` parameters). A tick of
    /// 1,000 services then costs 10 requests per query kind instead of 1,000: at a 15 s interval and
    /// the seven kinds a web policy reads, about 280 of Render's 400 GET requests a minute.
    public static let resourcesPerRequest = 100
    /// Metric requests in flight at once in a batch read.
    public static let concurrentRequests = 4

    public func read(_ metric: Metric, for target: MetricTarget, now: Date) async -> MetricReading {
        await read([MetricRequest(metric, for: target)], now: now)[0]
    }

    /// Every reading from as few requests as possible: one per query kind (`cpu`, `cpu-limit`,
    /// `http-latency?quantile=0.95`, …) and block of ``resourcesPerRequest`` services, the answer
    /// split by each series' `service` label. If Render answers a block with a series that names no
    /// service, that block is asked again one service at a time (nothing is attributed by guess); a
    /// service whose own request then fails is unavailable with that request's error, the others of
    /// the block keep their readings.
    public func read(_ requests: [MetricRequest], now: Date) async -> [MetricReading] {
        var results = [MetricReading?](repeating: nil, count: requests.count)
        var idsByQuery: [Query: [String]] = [:]
        var seen: Set<QueryForResource> = []
        for (index, request) in requests.enumerated() {
            guard let queries = Self.queries(for: request.metric) else {
                results[index] = .unavailable("the render source does not serve \(request.metric.name)")
                continue
            }
            guard let id = request.target.resourceID else {
                results[index] = .unavailable("\(request.target.service) has no Render service ID (not created yet?)")
                continue
            }
            for query in queries where seen.insert(QueryForResource(query: query, id: id)).inserted {
                idsByQuery[query, default: []].append(id)
            }
        }
        let answers = await fetchAll(idsByQuery, now: now)
        for (index, request) in requests.enumerated() where results[index] == nil {
            let id = request.target.resourceID!
            do {
                let series = try Self.queries(for: request.metric)!.map { query in try answers.series(query, id) }
                results[index] = try reading(request.metric, id: id, series: series)
            } catch let failure as Failure {
                results[index] = .unavailable(failure.reason)
            } catch {
                results[index] = .unavailable("render metrics for \(id): \(error)")
            }
        }
        return results.map { $0! }
    }

    /// Per-instance CPU (cores) or memory (bytes) with limits, from each instance's newest point.
    /// Instances whose newest point is more than two steps behind the newest of all have stopped
    /// (scaled down, replaced) and are left out.
    public func instances(_ metric: Metric, for target: MetricTarget, now: Date) async -> Result<[InstanceUsage], Failure> {
        guard metric == .cpuUtilization || metric == .memoryUtilization, let queries = Self.queries(for: metric) else {
            return .failure(Failure("per-instance readings exist for cpu and memory only, not \(metric.name)"))
        }
        guard let id = target.resourceID else {
            return .failure(Failure("\(target.service) has no Render service ID (not created yet?)"))
        }
        let answers = await fetchAll(Dictionary(uniqueKeysWithValues: queries.map { ($0, [id]) }), now: now)
        do {
            return .success(try usages(usage: answers.series(queries[0], id), limits: answers.series(queries[1], id), id: id,
                                       what: queries[0].kind.rawValue))
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            return .failure(Failure("render metrics for \(id): \(error)"))
        }
    }

    // MARK: - Queries

    /// One kind of request: the endpoint and its parameters, without the services.
    struct Query: Hashable, Sendable {
        var kind: RenderMetricKind
        var quantile: Double? = nil
        var aggregateBy: String? = nil
    }

    private struct QueryForResource: Hashable {
        var query: Query
        var id: String
    }

    /// The requests a metric is computed from; nil for metrics this source does not serve.
    static func queries(for metric: Metric) -> [Query]? {
        switch metric {
        case .cpuUtilization: [Query(kind: .cpu), Query(kind: .cpuLimit)]
        case .memoryUtilization: [Query(kind: .memory), Query(kind: .memoryLimit)]
        case .latency(let quantile): [Query(kind: .httpLatency, quantile: quantile)]
        case .requestRate: [Query(kind: .httpRequests)]
        case .errorRate: [Query(kind: .httpRequests, aggregateBy: "statusCode")]
        case .instanceCount: [Query(kind: .instanceCount)]
        default: nil
        }
    }

    /// What the requests of a batch gave: series per query and service, or why there are none.
    struct Answers: Sendable {
        var series: [Query: [String: [RenderMetricSeries]]] = [:]
        var failures: [Query: [String: String]] = [:]

        func series(_ query: Query, _ id: String) throws -> [RenderMetricSeries] {
            if let reason = failures[query]?[id] { throw Failure(reason) }
            return series[query]?[id] ?? []
        }
    }

    /// One request per query and block of services, ``concurrentRequests`` at a time.
    private func fetchAll(_ idsByQuery: [Query: [String]], now: Date) async -> Answers {
        var jobs: [(Query, [String])] = []
        for (query, ids) in idsByQuery.sorted(by: { "\($0.key)" < "\($1.key)" }) {
            for start in stride(from: 0, to: ids.count, by: Self.resourcesPerRequest) {
                jobs.append((query, Array(ids[start..<min(ids.count, start + Self.resourcesPerRequest)])))
            }
        }
        let blocks = jobs
        let parts = await Self.each(blocks.indices, concurrency: Self.concurrentRequests) { index in
            await fetchBlock(blocks[index].0, ids: blocks[index].1, now: now)
        }
        var answers = Answers()
        for (job, part) in zip(jobs, parts) {
            answers.series[job.0, default: [:]].merge(part.series) { $1 }
            answers.failures[job.0, default: [:]].merge(part.failures) { $1 }
        }
        return answers
    }

    /// What one block's request(s) gave: series by service, and why a service has none.
    private struct BlockAnswer: Sendable {
        var series: [String: [RenderMetricSeries]] = [:]
        var failures: [String: String] = [:]
    }

    /// One block's series by service; a block whose answer names no service is asked again one by one.
    /// A failed request fails the services it named, and only those.
    private func fetchBlock(_ query: Query, ids: [String], now: Date) async -> BlockAnswer {
        do {
            let series = try await api.metrics(query.kind, resources: ids, start: now.addingTimeInterval(-window), end: now,
                                               resolutionSeconds: resolutionSeconds, quantile: query.quantile, aggregateBy: query.aggregateBy)
            if ids.count == 1 { return BlockAnswer(series: [ids[0]: series]) }
            var byID: [String: [RenderMetricSeries]] = [:]
            for item in series {
                guard let id = item.label("service") ?? item.label("resource") else {
                    return await fetchOneByOne(query, ids: ids, now: now)
                }
                byID[id, default: []].append(item)
            }
            return BlockAnswer(series: byID)
        } catch {
            let subject = ids.count == 1 ? ids[0] : "\(ids.count) services"
            let reason = "render metrics for \(subject): \(error)"
            return BlockAnswer(failures: Dictionary(uniqueKeysWithValues: ids.map { ($0, reason) }))
        }
    }

    /// Each service of a block on its own: one that fails is unavailable, the others keep their series.
    private func fetchOneByOne(_ query: Query, ids: [String], now: Date) async -> BlockAnswer {
        var answer = BlockAnswer()
        for id in ids {
            let part = await fetchBlock(query, ids: [id], now: now)
            answer.series.merge(part.series) { $1 }
            for (failed, reason) in part.failures {
                answer.failures[failed] = "\(reason) (asked on its own: Render's answer for \(ids.count) services had a series naming no service)"
            }
        }
        return answer
    }

    // MARK: - Readings

    /// The reading of `metric` from the series of its ``queries(for:)``, in that order.
    private func reading(_ metric: Metric, id: String, series: [[RenderMetricSeries]]) throws -> MetricReading {
        switch metric {
        case .cpuUtilization, .memoryUtilization:
            let what = metric == .cpuUtilization ? RenderMetricKind.cpu.rawValue : RenderMetricKind.memory.rawValue
            return try Self.utilisation(usages(usage: series[0], limits: series[1], id: id, what: what), what: metric.name)
        case .latency:
            let newest = try Self.newestPoints(series[0], what: "http-latency")
            return .value(newest.map(\.value).max()!, at: newest.map(\.timestamp).min()!)
        case .requestRate:
            let (total, _, time) = try Self.newestStep(series[0], what: "http-requests")
            return .value(total / Double(resolutionSeconds), at: time)
        case .errorRate:
            let (total, errors, time) = try Self.newestStep(series[0], what: "http-requests by status code")
            return .value(total > 0 ? errors / total * 100 : 0, at: time)
        case .instanceCount:
            let newest = try Self.newestPoints(series[0], what: "instance-count")
            return .value(newest.map(\.value).reduce(0, +), at: newest.map(\.timestamp).min()!)
        default:
            return .unavailable("the render source does not serve \(metric.name)")
        }
    }

    /// Each instance's newest usage with its limit (per instance where Render labels one, else the
    /// service's), leaving out instances more than two steps behind the newest.
    private func usages(usage: [RenderMetricSeries], limits: [RenderMetricSeries], id: String, what: String) throws -> [InstanceUsage] {
        var limitByInstance: [String: Double] = [:]
        var serviceLimit: Double?
        for series in limits {
            guard let point = series.values.max(by: { $0.timestamp < $1.timestamp }) else { continue }
            if let instance = series.label("instance") {
                limitByInstance[instance] = point.value
            } else {
                serviceLimit = point.value
            }
        }
        var result: [InstanceUsage] = []
        for series in usage {
            guard let point = series.values.max(by: { $0.timestamp < $1.timestamp }) else { continue }
            let instance = series.label("instance") ?? id
            result.append(InstanceUsage(instance: instance, value: point.value,
                                        limit: limitByInstance[instance] ?? serviceLimit, timestamp: point.timestamp))
        }
        guard let newest = result.map(\.timestamp).max() else {
            throw Failure("render returned no \(what) points for \(id) in the last \(Int(window)) s")
        }
        let cutoff = newest.addingTimeInterval(-2 * Double(resolutionSeconds))
        return result.filter { $0.timestamp >= cutoff }.sorted { $0.instance < $1.instance }
    }

    static func utilisation(_ usages: [InstanceUsage], what: String) throws -> MetricReading {
        let withLimits = usages.filter { ($0.limit ?? 0) > 0 }
        guard !withLimits.isEmpty else {
            throw Failure(usages.isEmpty ? "render returned no \(what) points" : "render reported no \(what) limit for the instances")
        }
        let used = withLimits.map(\.value).reduce(0, +)
        let limit = withLimits.compactMap(\.limit).reduce(0, +)
        return .value(used / limit * 100, at: withLimits.map(\.timestamp).min()!)
    }

    /// The newest point of every series that has one.
    static func newestPoints(_ series: [RenderMetricSeries], what: String) throws -> [RenderMetricSeries.Point] {
        let points = series.compactMap { $0.values.max(by: { $0.timestamp < $1.timestamp }) }
        guard !points.isEmpty else { throw Failure("render returned no \(what) points") }
        return points
    }

    /// Requests in the newest step present in any series: (all, 5xx, step time).
    static func newestStep(_ series: [RenderMetricSeries], what: String) throws -> (total: Double, errors: Double, time: Date) {
        guard let time = series.flatMap(\.values).map(\.timestamp).max() else { throw Failure("render returned no \(what) points") }
        var total = 0.0, errors = 0.0
        for item in series {
            for point in item.values where point.timestamp == time {
                total += point.value
                if item.label("statusCode")?.hasPrefix("5") == true { errors += point.value }
            }
        }
        return (total, errors, time)
    }
}
