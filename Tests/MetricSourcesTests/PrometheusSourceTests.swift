import TestSupport
import Foundation
import Hosting
@testable import MetricSources
import Testing

@Suite("PrometheusSource")
struct PrometheusSourceTests {
    /// Every edge case against a real Prometheus scraping a real exporter (one server for all, as
    /// Prometheus takes seconds to start).
    @Test func againstARealPrometheus() async throws {
        try requirePython(modules: ["prometheus_client"])
        let exporter = try ChildProcess.python("exporter.py", [])
        defer { exporter.finish() }
        let exporterPort = try #require(Int(try await exporter.readLine(timeout: 20)))
        let server = try await PrometheusServer(targets: ["127.0.0.1:\(exporterPort)"])
        defer { server.stop() }
        try await server.waitForSeries("ballast_test_old")
        try await server.waitForSeries("ballast_test_per_pod")

        let prometheus = PrometheusSource(baseURL: server.url, timeout: 5)
        let now = Date()

        // One series: its value, stamped near now.
        let depth = try await prometheus.query("ballast_test_depth", now: now)
        #expect(depth.value == 42)
        #expect(depth.age(at: Date()) < 10)

        // PromQL with '+' survives URL encoding.
        #expect(try await prometheus.query("ballast_test_depth + 1", now: now).value == 43)

        // Scalars.
        #expect(try await prometheus.query("scalar(ballast_test_depth) * 2", now: now).value == 84)

        // Several series: an error naming them, unless the rule aggregates.
        let several = try await #require(throws: PrometheusError.self) { try await prometheus.query("ballast_test_per_pod", now: now) }
        #expect(several.kind == .severalSeries(3))
        #expect(several.description.contains("ballast_test_per_pod{") && several.description.contains("pod=\"a\""))
        #expect(try await prometheus.query("ballast_test_per_pod", aggregation: .sum, now: now).value == 7)
        #expect(try await prometheus.query("ballast_test_per_pod", aggregation: .max, now: now).value == 4)
        #expect(try await prometheus.query("ballast_test_per_pod", aggregation: .avg, now: now).value == 7.0 / 3)
        #expect(try await prometheus.query("sum(ballast_test_per_pod)", now: now).value == 7)

        // No series.
        let none = try await #require(throws: PrometheusError.self) { try await prometheus.query("ballast_test_absent", now: now) }
        #expect(none.kind == .noSeries)

        // NaN and +Inf.
        let nan = try await #require(throws: PrometheusError.self) { try await prometheus.query("ballast_test_nan", now: now) }
        #expect(nan.kind == .notFinite)
        #expect(nan.message.contains("NaN"))
        let inf = try await #require(throws: PrometheusError.self) { try await prometheus.query("ballast_test_inf", now: now) }
        #expect(inf.message.contains("+Inf"))
        let minusInf = try await #require(throws: PrometheusError.self) { try await prometheus.query("-ballast_test_inf", now: now) }
        #expect(minusInf.message.contains("-Inf"))

        // Non-2xx: a PromQL syntax error is HTTP 400 bad_data.
        let bad = try await #require(throws: PrometheusError.self) { try await prometheus.query("sum(", now: now) }
        #expect(bad.kind == .httpStatus(400))
        #expect(bad.message.contains("bad_data"))

        // A range vector is not one number.
        let range = try await #require(throws: PrometheusError.self) { try await prometheus.query("ballast_test_depth[1m]", now: now) }
        #expect(range.kind == .unsupportedResult("matrix"))

        // Staleness: the exporter stamps ballast_test_old 120 s in the past. Prometheus returns it
        // (within its 5 min look-back) at the evaluation time; the sample's own time is what counts.
        let stale = try await #require(throws: PrometheusError.self) { try await prometheus.query("ballast_test_old", maxAge: 60, now: Date()) }
        #expect(stale.kind == .stale)
        let old = try await prometheus.query("ballast_test_old", maxAge: 300, now: Date())
        #expect(old.value == 7)
        #expect(abs(old.age(at: Date()) - 120) < 10)
        #expect(try await prometheus.query("ballast_test_depth", maxAge: 60, now: Date()).value == 42)

        // Through the MetricSource port: values or unavailable with the reason, never a made-up 0.
        let target = MetricTarget(service: "worker")
        #expect(await prometheus.read(.query("ballast_test_depth"), for: target, now: Date()).value == 42)
        #expect(await prometheus.read(.query("ballast_test_per_pod", aggregation: .sum), for: target, now: Date()).value == 7)
        #expect(await prometheus.read(.query("ballast_test_nan"), for: target, now: Date()).unavailableReason?.contains("NaN") == true)
        #expect(await prometheus.read(.cpuUtilization, for: target, now: Date()).unavailableReason?.contains("no Prometheus query configured") == true)
        let templated = PrometheusSource(baseURL: server.url, templates: ["queue_depth": "ballast_test_depth{job=\"{{service}}\"}"], maxAge: 60)
        #expect(await templated.read(.queueDepth, for: MetricTarget(service: "exporter"), now: Date()).value == 42)
        #expect(await templated.read(.queueDepth, for: MetricTarget(service: "nobody"), now: Date()).unavailableReason?.contains("no series") == true)
    }

    @Test func aServerThatIsDownIsUnreachable() async throws {
        let port = try freePort()
        let prometheus = PrometheusSource(baseURL: URL(string: "http://127.0.0.1:\(port)")!, timeout: 2)
        let error = try await #require(throws: PrometheusError.self) { try await prometheus.query("up", now: Date()) }
        #expect(error.kind == .unreachable)
        #expect(error.description.contains("127.0.0.1:\(port)"))
        #expect(await prometheus.read(.query("up"), for: MetricTarget(service: "x"), now: Date()).unavailableReason != nil)
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        try requirePython(modules: ["socket"])
        let silent = try ChildProcess.python("silent_server.py", [])
        defer { silent.finish() }
        let port = try #require(Int(try await silent.readLine(timeout: 20)))
        let prometheus = PrometheusSource(baseURL: URL(string: "http://127.0.0.1:\(port)")!, timeout: 1)
        let started = ContinuousClock.now
        let error = try await #require(throws: PrometheusError.self) { try await prometheus.query("up", now: Date()) }
        #expect(error.kind == .timeout)
        #expect(error.message.contains("no answer within 1.0 s"))
        #expect(ContinuousClock.now - started < .seconds(8), "the 1 s timeout bounds the call (slack for a loaded machine)")
    }

    struct StatusCase: Sendable {
        var status: Int
        var body: String
        var expected: String
    }

    @Test(arguments: [
        StatusCase(status: 503, body: #"{"status":"error","errorType":"unavailable","error":"TSDB not ready"}"#, expected: "HTTP 503 unavailable: TSDB not ready"),
        StatusCase(status: 422, body: #"{"status":"error","errorType":"execution","error":"query timed out"}"#, expected: "HTTP 422 execution: query timed out"),
        StatusCase(status: 502, body: "<html>Bad Gateway</html>", expected: "HTTP 502: <html>Bad Gateway</html>"),
    ])
    func nonSuccessStatuses(_ c: StatusCase) async throws {
        let transport = ClosureTransport { _ in TransportResponse(status: c.status, body: Data(c.body.utf8)) }
        let prometheus = PrometheusSource(baseURL: URL(string: "http://prometheus.test")!, transport: transport)
        let error = try await #require(throws: PrometheusError.self) { try await prometheus.query("up", now: Date()) }
        #expect(error.kind == .httpStatus(c.status))
        #expect(error.message == c.expected)
    }

    @Test func malformedBodiesAreErrorsNotZeros() async throws {
        for body in ["not json", #"{"status":"success"}"#, #"{"status":"success","data":{"resultType":"vector","result":[{"value":[1,2]}]}}"#] {
            let transport = ClosureTransport { _ in TransportResponse(status: 200, body: Data(body.utf8)) }
            let prometheus = PrometheusSource(baseURL: URL(string: "http://prometheus.test")!, transport: transport)
            let error = try await #require(throws: PrometheusError.self) { try await prometheus.query("up", now: Date()) }
            #expect(error.kind == .badResponse)
        }
    }

    @Test func sendsTheQueryAndTimeout() async throws {
        let seen = Recorder()
        let transport = ClosureTransport { request in
            await seen.record(request.url)
            return TransportResponse(status: 200, body: Data(#"{"status":"success","data":{"resultType":"scalar","result":[1700000000.5,"3"]}}"#.utf8))
        }
        let prometheus = PrometheusSource(baseURL: URL(string: "http://user:pw@prometheus.test/prefix")!, transport: transport, timeout: 2.5)
        let sample = try await prometheus.query("a + b", now: Date(timeIntervalSince1970: 1_700_000_001))
        #expect(sample == MetricSample(value: 3, timestamp: Date(timeIntervalSince1970: 1_700_000_000.5)))
        let url = try #require(await seen.urls.first)
        #expect(url.path == "/prefix/api/v1/query")
        #expect(url.query?.contains("query=a%20%2B%20b") == true)
        #expect(url.query?.contains("timeout=2500ms") == true)
        #expect(prometheus.endpoint == "http://prometheus.test/prefix")
    }
}

actor Recorder {
    var urls: [URL] = []
    func record(_ url: URL) { urls.append(url) }
}
