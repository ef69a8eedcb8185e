import ArgumentParser
import Blueprint
import Foundation
import MetricSources
import RedisClient

/// `ballast metrics`: what the controller would see right now, or one read from a queue or Prometheus.
struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Show the metrics the controller would read right now.",
        discussion: "`ballast metrics queue` reads one job queue from Redis; `ballast metrics query` runs one Prometheus instant query. "
            + "A metric that cannot be read is reported as unavailable with the reason, never as 0, and the command exits 1.",
        subcommands: [Queue.self, Query.self])

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    /// `ballast metrics queue --redis URL --kind bullmq --name documents`
    struct Queue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read one job queue: depth, active, delayed, oldest job's age.",
            discussion: "One round trip to Redis. Counts a queue system does not record are null in JSON.")

        @Option(name: .long, help: "Redis URL, redis://[user:password@]host:port/db (rediss:// is not supported).")
        var redis: String

        @Option(name: .long, help: "Queue system: \(QueueBinding.Kind.allCases.map(\.rawValue).joined(separator: ", ")).")
        var kind: QueueBinding.Kind

        @Option(name: .long, help: "Queue name (for list and stream: the key).")
        var name: String

        @Option(name: .long, help: "Key prefix (BullMQ default `bull`, RQ default `rq`, Sidekiq namespace such as `myapp:`).")
        var prefix: String?

        @Option(name: .long, help: "Seconds to wait for Redis.")
        var timeout: Double = 5

        @Option(name: .long, help: "Output format: text or json.")
        var format: Format = .text

        func run() async throws {
            var configuration: RedisConfiguration
            do { configuration = try RedisConfiguration(url: redis) } catch { throw CLIError("\(error)") }
            configuration.connectTimeout = .milliseconds(Int(timeout * 1000))
            configuration.commandTimeout = .milliseconds(Int(timeout * 1000))
            configuration.connectAttempts = 1
            let client = RedisClient(configuration)
            let queue = makeJobQueue(kind, name: name, prefix: prefix, redis: client)
            let snapshot: QueueSnapshot
            do {
                snapshot = try await queue.read(now: Date())
            } catch {
                await client.close()
                throw CLIError("\(queue.label): \(error)")
            }
            await client.close()
            switch format {
            case .json:
                try emit(Self.json(snapshot), to: nil)
            case .text:
                func show(_ value: Int?) -> String { value.map(String.init) ?? "not recorded by \(kind.rawValue)" }
                let age = snapshot.oldestAgeSeconds.map { String(format: "%.1f s", $0) }
                    ?? (snapshot.depth == 0 ? "no waiting jobs" : "not recorded by \(kind.rawValue)")
                try emit("""
                \(queue.label)
                  depth    \(snapshot.depth)
                  active   \(show(snapshot.active))
                  delayed  \(show(snapshot.delayed))
                  oldest   \(age)
                """, to: nil)
            }
        }

        static func json(_ snapshot: QueueSnapshot) -> String {
            func number(_ value: Int?) -> String { value.map(String.init) ?? "null" }
            let age = snapshot.oldestAgeSeconds.map { jsonNumber($0) } ?? "null"
            return "{\"depth\": \(snapshot.depth), \"active\": \(number(snapshot.active)), \"delayed\": \(number(snapshot.delayed)), \"oldest_age_seconds\": \(age)}"
        }
    }

    /// `ballast metrics query --prometheus URL --query EXPR`
    struct Query: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one Prometheus instant query and print its value and sample time.",
            discussion: "Several series are an error unless --aggregate says how to combine them; NaN, ±Inf, no series and stale samples are errors too.")

        @Option(name: .long, help: "Prometheus base URL, e.g. http://127.0.0.1:9090.")
        var prometheus: String

        @Option(name: .long, help: "PromQL expression.")
        var query: String

        @Option(name: .long, help: "Combine several series: \(PrometheusAggregation.allCases.map(\.rawValue).joined(separator: ", ")).")
        var aggregate: PrometheusAggregation?

        @Option(name: .customLong("max-age"), help: "Refuse samples older than this many seconds.")
        var maxAge: Double?

        @Option(name: .long, help: "Seconds to wait for Prometheus.")
        var timeout: Double = 10

        @Option(name: .long, help: "Output format: text or json.")
        var format: Format = .text

        func run() async throws {
            guard let url = URL(string: prometheus), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw CLIError("--prometheus must be an http(s) URL such as http://127.0.0.1:9090, not '\(prometheus)'")
            }
            let source = PrometheusSource(baseURL: url, timeout: timeout)
            let sample: MetricSample
            do {
                sample = try await source.query(query, aggregation: aggregate, maxAge: maxAge, now: Date())
            } catch {
                throw CLIError(error.description)
            }
            switch format {
            case .json:
                try emit("{\"value\": \(jsonNumber(sample.value)), \"timestamp\": \(jsonNumber(sample.timestamp.timeIntervalSince1970))}", to: nil)
            case .text:
                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
                try emit("\(jsonNumber(sample.value)) at \(formatter.string(from: sample.timestamp)) (\(String(format: "%.0f", sample.age(at: Date()))) s ago)", to: nil)
            }
        }
    }
}

/// A finite number as JSON: integers without a fraction, others with up to millisecond precision.
private func jsonNumber(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
    var text = String(format: "%.6f", value)
    while text.hasSuffix("0") { text.removeLast() }
    return text
}

extension QueueBinding.Kind: ExpressibleByArgument {}
extension PrometheusAggregation: ExpressibleByArgument {}
