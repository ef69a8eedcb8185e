import Foundation
import Hosting

/// Instant queries against Prometheus's HTTP API (`GET /api/v1/query`), or anything speaking it
/// (Thanos, Mimir, VictoriaMetrics).
///
/// A query answers one finite number with its sample time, or a ``PrometheusError`` for each way it
/// can fail: unreachable, timeout, non-2xx, no series, several series without an aggregation,
/// NaN/±Inf, or a sample older than `maxAge`.
///
/// ```swift
/// let prometheus = PrometheusSource(baseURL: URL(string: "http://127.0.0.1:9090")!)
/// let sample = try await prometheus.query("sum(rate(http_requests_total[1m]))", maxAge: 120, now: .now)
/// ```
///
/// Sample times: an instant query stamps each value with the evaluation time, which says nothing about
/// how old the data is. When a `maxAge` is given the source also asks for `timestamp(<query>)`, which
/// for plain selectors is the time of the newest sample Prometheus holds (exporters that set their own
/// timestamps, federation, remote write), and uses the oldest such time among the series.
public struct PrometheusSource: MetricSource {
    public let baseURL: URL
    public let transport: any HTTPTransport
    /// Limit for each HTTP request, in seconds; also sent as Prometheus's own `timeout` parameter.
    public let timeout: TimeInterval
    /// PromQL for the standard metrics, with `{{service}}` replaced by the service name and
    /// `{{resource}}` by its provider ID, e.g. `["cpu": "avg(rate(cpu_seconds{app=\"{{service}}\"}[1m])) * 100"]`.
    public let templates: [String: String]
    /// Allowed sample age, in seconds, for reads through `read(_:for:now:)`.
    public let maxAge: Double?

    public init(baseURL: URL, transport: any HTTPTransport = URLSessionTransport(), timeout: TimeInterval = 5,
                templates: [String: String] = [:], maxAge: Double? = nil) {
        self.baseURL = baseURL
        self.transport = transport
        self.timeout = timeout
        self.templates = templates
        self.maxAge = maxAge
    }

    public var name: String { "prometheus" }

    public func serves(_ metric: Metric) -> Bool {
        if case .query = metric { return true }
        return templates[metric.name] != nil
    }

    public func read(_ metric: Metric, for target: MetricTarget, now: Date) async -> MetricReading {
        let expression: String
        var aggregation: PrometheusAggregation?
        if case .query(let text, let how) = metric {
            expression = text
            aggregation = how
        } else if let template = templates[metric.name] {
            expression = template
                .replacingOccurrences(of: "{{service}}", with: target.service)
                .replacingOccurrences(of: "{{resource}}", with: target.resourceID ?? target.service)
        } else {
            return .unavailable("no Prometheus query configured for \(metric.name)")
        }
        do {
            return .sample(try await query(expression, aggregation: aggregation, maxAge: maxAge, now: now))
        } catch {
            return .unavailable(error.description)
        }
    }

    /// Runs an instant query and returns its one finite value and sample time.
    ///
    /// - Parameters:
    ///   - aggregation: how to combine several series; without it several series is an error.
    ///   - maxAge: seconds; a sample older than this at `now` is an error of kind `.stale`.
    ///   - now: the caller's clock, for the staleness check.
    public func query(_ expression: String, aggregation: PrometheusAggregation? = nil, maxAge: Double? = nil, now: Date) async throws(PrometheusError) -> MetricSample {
        func fail(_ kind: PrometheusError.Kind, _ message: String) -> PrometheusError {
            PrometheusError(kind: kind, query: expression, endpoint: endpoint, message: message)
        }
        let timestamps: [String: Double]?
        let result: InstantResult
        if maxAge != nil {
            async let values = instantResult(expression)
            async let times = instantResult("timestamp(\(expression))")
            result = try await values.get()
            timestamps = await (try? times.get()).map(Self.valuesByLabels)
        } else {
            result = try await instant(expression)
            timestamps = nil
        }

        var values: [(labels: [String: String], value: Double, time: Double)] = []
        switch result {
        case .scalar(let time, let value):
            values = [([:], value, time)]
        case .vector(let series):
            values = series.map { ($0.labels, $0.value, $0.time) }
        }
        if values.isEmpty {
            throw fail(.noSeries, "no series matched (the metric is absent, or its targets are down)")
        }
        if values.count > 1 && aggregation == nil {
            let shown = values.prefix(3).map { Self.render($0.labels) }.joined(separator: ", ")
            throw fail(.severalSeries(values.count),
                       "\(values.count) series (\(shown)\(values.count > 3 ? ", …" : "")) and no aggregation; aggregate in PromQL or set one of \(PrometheusAggregation.allCases.map(\.rawValue).joined(separator: "/"))")
        }
        if let bad = values.first(where: { !$0.value.isFinite }) {
            throw fail(.notFinite, "the value is \(Self.text(bad.value))\(values.count > 1 ? " for \(Self.render(bad.labels))" : "") (e.g. a ratio over no traffic)")
        }
        let value = values.count == 1 ? values[0].value : aggregation!.apply(values.map(\.value))

        // The oldest sample among the series, where timestamp() told us; else the evaluation time.
        var sampleTime = values.map(\.time).min() ?? now.timeIntervalSince1970
        if let timestamps {
            let known = values.compactMap { timestamps[Self.key(dropName($0.labels))] }
            if let oldest = known.min(), known.count == values.count { sampleTime = min(sampleTime, oldest) }
        }
        let sample = MetricSample(value: value, timestamp: Date(timeIntervalSince1970: sampleTime))
        if let maxAge, sample.age(at: now) > maxAge {
            throw fail(.stale, String(format: "the newest sample is %.0f s old (allowed %.0f s)", sample.age(at: now), maxAge))
        }
        return sample
    }

    // MARK: - HTTP and JSON

    enum InstantResult {
        case scalar(time: Double, value: Double)
        case vector([(labels: [String: String], value: Double, time: Double)])
    }

    var endpoint: String {
        var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false)
        components?.user = nil
        components?.password = nil
        return components?.string ?? baseURL.absoluteString
    }

    private func instantResult(_ expression: String) async -> Result<InstantResult, PrometheusError> {
        do throws(PrometheusError) {
            return .success(try await instant(expression))
        } catch {
            return .failure(error)
        }
    }

    private func instant(_ expression: String) async throws(PrometheusError) -> InstantResult {
        func fail(_ kind: PrometheusError.Kind, _ message: String) -> PrometheusError {
            PrometheusError(kind: kind, query: expression, endpoint: endpoint, message: message)
        }
        var components = URLComponents(url: baseURL.appendingPathComponent("api/v1/query"), resolvingAgainstBaseURL: false)!
        components.queryItems = [
            URLQueryItem(name: "query", value: expression),
            URLQueryItem(name: "timeout", value: "\(max(1, Int(timeout * 1000)))ms"),
        ]
        // '+' is a space in a query string; PromQL uses it for addition.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        guard let url = components.url else { throw fail(.badResponse, "could not build the request URL") }
        let response: TransportResponse
        do {
            response = try await transport.send(TransportRequest(method: "GET", url: url, headers: ["Accept": "application/json"], timeout: timeout))
        } catch let error as TransportError {
            throw error.isTimeout
                ? fail(.timeout, String(format: "no answer within %.1f s", timeout))
                : fail(.unreachable, error.message)
        } catch {
            throw fail(.unreachable, "\(error)")
        }
        let body = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        guard (200..<300).contains(response.status) else {
            var message = "HTTP \(response.status)"
            if let errorType = body?["errorType"] as? String { message += " \(errorType)" }
            if let error = body?["error"] as? String {
                message += ": \(error)"
            } else if !response.body.isEmpty {
                message += ": " + String(decoding: response.body.prefix(200), as: UTF8.self)
            }
            throw fail(.httpStatus(response.status), message)
        }
        guard let body else {
            throw fail(.badResponse, "the body is not JSON: " + String(decoding: response.body.prefix(200), as: UTF8.self))
        }
        guard body["status"] as? String == "success" else {
            throw fail(.badResponse, "status \(body["status"] ?? "missing"): \(body["error"] ?? "")")
        }
        guard let data = body["data"] as? [String: Any], let type = data["resultType"] as? String else {
            throw fail(.badResponse, "no data.resultType in the answer")
        }
        switch type {
        case "scalar":
            guard let pair = data["result"] as? [Any], let point = Self.point(pair) else {
                throw fail(.badResponse, "malformed scalar result")
            }
            return .scalar(time: point.time, value: point.value)
        case "vector":
            guard let result = data["result"] as? [[String: Any]] else { throw fail(.badResponse, "malformed vector result") }
            var series: [(labels: [String: String], value: Double, time: Double)] = []
            for item in result {
                guard let pair = item["value"] as? [Any], let point = Self.point(pair) else {
                    throw fail(.badResponse, "malformed sample in the vector result")
                }
                series.append((item["metric"] as? [String: String] ?? [:], point.value, point.time))
            }
            return .vector(series)
        default:
            throw fail(.unsupportedResult(type), "the query returns a \(type), not an instant vector or scalar")
        }
    }

    private static func point(_ pair: [Any]) -> (time: Double, value: Double)? {
        guard pair.count == 2, let time = (pair[0] as? NSNumber)?.doubleValue, let text = pair[1] as? String else { return nil }
        switch text {
        case "NaN": return (time, .nan)
        case "+Inf", "Inf": return (time, .infinity)
        case "-Inf": return (time, -.infinity)
        default: return Double(text).map { (time, $0) }
        }
    }

    private static func valuesByLabels(_ result: InstantResult) -> [String: Double] {
        switch result {
        case .scalar: return [:]
        case .vector(let series):
            return Dictionary(series.map { (key(dropName($0.labels)), $0.value) }, uniquingKeysWith: { first, _ in first })
        }
    }

    private static func key(_ labels: [String: String]) -> String {
        labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    private static func render(_ labels: [String: String]) -> String {
        let name = labels["__name__"] ?? ""
        let rest = labels.filter { $0.key != "__name__" }.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }
        return name + "{" + rest.joined(separator: ",") + "}"
    }

    private static func text(_ value: Double) -> String {
        value.isNaN ? "NaN" : (value > 0 ? "+Inf" : "-Inf")
    }
}

private func dropName(_ labels: [String: String]) -> [String: String] {
    labels.filter { $0.key != "__name__" }
}
