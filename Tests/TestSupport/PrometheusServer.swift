import Foundation
import Hosting

/// A Prometheus server started by a test, with its own config and data dir in a temporary directory
/// on a free port, scraping `targets` every second; stopped by `stop()`.
public final class PrometheusServer: @unchecked Sendable {
    public static let binary = "/usr/bin/prometheus"
    public let port: Int
    public let directory: URL
    private var child: ChildProcess?

    public init(targets: [String]) async throws {
        try requireExecutable(Self.binary, hint: "install Debian's prometheus (apt-get install prometheus)")
        port = try freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ballast-prometheus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = """
        global: { scrape_interval: 1s, scrape_timeout: 1s }
        scrape_configs:
          - job_name: exporter
            static_configs: [ { targets: [\(targets.map { "\"\($0)\"" }.joined(separator: ", "))] } ]
        """
        try config.write(to: directory.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        child = try ChildProcess(Self.binary, [
            "--config.file=\(directory.appendingPathComponent("prometheus.yml").path)",
            "--storage.tsdb.path=\(directory.appendingPathComponent("data").path)",
            "--web.listen-address=127.0.0.1:\(port)",
            "--log.level=warn",
        ], name: "prometheus")
    }

    public var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Waits until `query` returns at least one series (so the first scrapes have landed).
    public func waitForSeries(_ query: String, timeout: TimeInterval = 30) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        var components = URLComponents(url: url.appendingPathComponent("api/v1/query"), resolvingAgainstBaseURL: false)!
        components.queryItems = [URLQueryItem(name: "query", value: query)]
        while Date() < deadline {
            if let child, !child.process.isRunning {
                throw HarnessError("prometheus exited with status \(child.process.terminationStatus) (port \(port) taken?)")
            }
            if let response = try? await URLSessionTransport().send(TransportRequest(method: "GET", url: components.url!, timeout: 2)),
               String(decoding: response.body, as: UTF8.self).contains("\"result\":[{") {
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw HarnessError("Prometheus on port \(port) had no series for \(query) within \(Int(timeout)) s")
    }

    public func stop() {
        child?.stop()
        child = nil
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }
}
