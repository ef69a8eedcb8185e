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

    public func read(_ metric: Metric, for target: MetricTarget, now: Date) async -> MetricReading {
        guard serves(metric) else { return .unavailable("the render source does not serve \(metric.name)") }
        guard let id = target.resourceID else {
            return .unavailable("\(target.service) has no Render service ID (not created yet?)")
        }
        do {
            switch metric {
            case .cpuUtilization, .memoryUtilization:
                let usages = try await instances(metric, for: target, now: now).get()
                return try Self.utilisation(usages, what: metric.name)
            case .latency(let quantile):
                let series = try await fetch(.httpLatency, id: id, now: now, quantile: quantile)
                let newest = try Self.newestPoints(series, what: "http-latency")
                return .value(newest.map(\.value).max()!, at: newest.map(\.timestamp).min()!)
            case .requestRate:
                let series = try await fetch(.httpRequests, id: id, now: now)
                let (total, _, time) = try Self.newestStep(series, what: "http-requests")
                return .value(total / Double(resolutionSeconds), at: time)
            case .errorRate:
                let series = try await fetch(.httpRequests, id: id, now: now, aggregateBy: "statusCode")
                let (total, errors, time) = try Self.newestStep(series, what: "http-requests by status code")
                return .value(total > 0 ? errors / total * 100 : 0, at: time)
            case .instanceCount:
                let series = try await fetch(.instanceCount, id: id, now: now)
                let newest = try Self.newestPoints(series, what: "instance-count")
                return .value(newest.map(\.value).reduce(0, +), at: newest.map(\.timestamp).min()!)
            default:
                return .unavailable("the render source does not serve \(metric.name)")
            }
        } catch let failure as Failure {
            return .unavailable(failure.reason)
        } catch {
            return .unavailable("render metrics for \(id): \(error)")
        }
    }

    /// Per-instance CPU (cores) or memory (bytes) with limits, from each instance's newest point.
    /// Instances whose newest point is more than two steps behind the newest of all have stopped
    /// (scaled down, replaced) and are left out.
    public func instances(_ metric: Metric, for target: MetricTarget, now: Date) async -> Result<[InstanceUsage], Failure> {
        let (usageKind, limitKind): (RenderMetricKind, RenderMetricKind)
        switch metric {
        case .cpuUtilization: (usageKind, limitKind) = (.cpu, .cpuLimit)
        case .memoryUtilization: (usageKind, limitKind) = (.memory, .memoryLimit)
        default: return .failure(Failure("per-instance readings exist for cpu and memory only, not \(metric.name)"))
        }
        guard let id = target.resourceID else {
            return .failure(Failure("\(target.service) has no Render service ID (not created yet?)"))
        }
        do {
            async let usageSeries = fetch(usageKind, id: id, now: now)
            async let limitSeries = fetch(limitKind, id: id, now: now)
            let usage = try await usageSeries
            let limits = try await limitSeries
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
                return .failure(Failure("render returned no \(usageKind.rawValue) points for \(id) in the last \(Int(window)) s"))
            }
            let cutoff = newest.addingTimeInterval(-2 * Double(resolutionSeconds))
            return .success(result.filter { $0.timestamp >= cutoff }.sorted { $0.instance < $1.instance })
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            return .failure(Failure("render metrics for \(id): \(error)"))
        }
    }

    // MARK: - Helpers

    private func fetch(_ kind: RenderMetricKind, id: String, now: Date, quantile: Double? = nil, aggregateBy: String? = nil) async throws -> [RenderMetricSeries] {
        try await api.metrics(kind, resources: [id], start: now.addingTimeInterval(-window), end: now,
                              resolutionSeconds: resolutionSeconds, quantile: quantile, aggregateBy: aggregateBy)
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
