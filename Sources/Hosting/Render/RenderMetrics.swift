import Foundation

/// The metrics endpoints Ballast reads (`GET /metrics/<rawValue>`).
public enum RenderMetricKind: String, Sendable, CaseIterable, Codable {
    case cpu
    case memory
    case cpuLimit = "cpu-limit"
    case memoryLimit = "memory-limit"
    case httpLatency = "http-latency"
    case httpRequests = "http-requests"
    case instanceCount = "instance-count"
}

/// One time series from Render's metrics API.
///
/// Units as Render reports them: `cpu` in CPU cores (compare with `cpu-limit` for utilisation), memory
/// in `bytes`, latency in `ms`, requests `unitless` (a count per resolution step), instances `instances`.
/// Labels name what the series is of: `service`, `instance`, `statusCode`, `quantile`.
public struct RenderMetricSeries: Sendable, Equatable {
    public struct Label: Sendable, Equatable {
        public var field: String
        public var value: String

        public init(field: String, value: String) {
            self.field = field
            self.value = value
        }
    }

    public struct Point: Sendable, Equatable {
        public var timestamp: Date
        public var value: Double

        public init(timestamp: Date, value: Double) {
            self.timestamp = timestamp
            self.value = value
        }
    }

    public var labels: [Label]
    public var values: [Point]
    public var unit: String

    public init(labels: [Label], values: [Point], unit: String) {
        self.labels = labels
        self.values = values
        self.unit = unit
    }

    /// The value of label `field`, if present (`series.label("instance")`).
    public func label(_ field: String) -> String? {
        labels.first { $0.field == field }?.value
    }
}

/// Render's metrics API, as `RenderProvider` and `Sandbox` serve it.
///
/// ```swift
/// let cpu = try await provider.metrics(.cpu, resources: ["srv-…"], start: now - 600, end: now,
///                                      resolutionSeconds: 60, quantile: nil, aggregateBy: nil)
/// ```
public protocol RenderMetricsAPI: Sendable {
    /// - Parameters:
    ///   - resources: service, Postgres or Key Value IDs (ORed).
    ///   - start, end: nil takes Render's defaults (the last hour).
    ///   - resolutionSeconds: at least 30; nil takes 60.
    ///   - quantile: `http-latency` only (0.5, 0.95, 0.99).
    ///   - aggregateBy: `http-requests` only (`statusCode` or `host`).
    func metrics(_ kind: RenderMetricKind, resources: [String], start: Date?, end: Date?, resolutionSeconds: Int?,
                 quantile: Double?, aggregateBy: String?) async throws -> [RenderMetricSeries]
}

extension RenderMetricSeries {
    init(wire: RenderMetricSeriesWire) {
        self.init(labels: wire.labels.map { Label(field: $0.field, value: $0.value) },
                  values: wire.values.compactMap { point in
                      RenderJSON.parseDate(point.timestamp).map { Point(timestamp: $0, value: point.value) }
                  },
                  unit: wire.unit)
    }
}
