import ArgumentParser
import Blueprint
import Controller
import Foundation
import Hosting
import MetricSources
import RedisClient

/// `ballast metrics`: what the controller would see right now, or one read from a queue or Prometheus.
struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Show the metrics the controller would read right now.",
        discussion: "`ballast metrics queue` reads one job queue from Redis; `ballast metrics query` runs one Prometheus instant query. "
            + "A metric that cannot be read is reported as unavailable with the reason, never as 0, and the command exits 1.",
        subcommands: [Show.self, Queue.self, Query.self],
        defaultSubcommand: Show.self)

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

extension MetricsCommand {
    /// `ballast metrics BLUEPRINT --env NAME`: every managed service's policy metrics, as the controller reads them.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Read every metric the managed services' scale policies use, now.",
            discussion: "For each service the controller manages (scaling with a policy other than render-native): each metric, "
                + "its value, its age and its source, or why it is unavailable. Render metrics come from the sandbox with --sandbox, "
                + "else from Render (RENDER_API_KEY). Exit 0 even when metrics are unavailable; 1 when the blueprint is invalid.")

        @OptionGroup var options: BlueprintOptions

        @Option(name: .long, parsing: .upToNextOption,
                help: ArgumentHelp("Read Render metrics from the sandbox in DIR (default .ballast/sandbox).", valueName: "DIR"))
        var sandbox: [String] = []

        @Option(name: .long, help: ArgumentHelp("Redis for queue metrics: URL for every datastore, or DATASTORE=URL (repeatable).", valueName: "URL"))
        var redis: [String] = []

        @Option(name: .long, help: "Prometheus base URL, for metrics a source reads through PromQL.")
        var prometheus: String?

        @Option(name: .customLong("max-age"), help: "Seconds after which a sample counts as stale (unavailable).")
        var maxAge: Double = 300

        @Option(name: .long, help: "Seconds each source may take for all its reads.")
        var timeout: Double = 5

        @Option(name: .long, help: "Output format: text or json.")
        var format: Format = .text

        var usesSandbox: Bool { !sandbox.isEmpty || CommandLine.arguments.contains("--sandbox") }

        func validate() throws {
            if sandbox.count > 1 { throw ValidationError("--sandbox takes at most one directory.") }
        }

        struct Row: Sendable {
            var service: String
            var metric: String
            var source: String?
            var reading: MetricReading
            var unit: String
        }

        func run() async throws {
            let workspace = Workspace.load(options)
            let desired = try workspace.requireResolved(options.env)
            let managed = desired.services.filter { ($0.scaling.map { !$0.isRenderNative }) ?? false }
            let now = Date()

            // Render (or the sandbox): service IDs and the metrics API.
            var notes: [String] = []
            var api: (any HostingProvider & RenderMetricsAPI)?
            if usesSandbox {
                api = try Sandbox(directory: sandbox.first ?? Sandbox.defaultDirectory)
            } else {
                do { api = try RenderProvider.fromEnvironment() } catch { notes.append("render: \(error) (set RENDER_API_KEY or pass --sandbox)") }
            }
            var ids: [String: String] = [:]
            if let api, !managed.isEmpty {
                do {
                    for live in try await api.listServices(ownerId: nil, names: managed.map(\.name)) { ids[live.name] = live.id }
                } catch {
                    notes.append("render: could not list services: \(error)")
                }
            }

            var sources: [any MetricSource] = []
            for value in redis {
                if let equals = value.firstIndex(of: "="), !value[..<equals].contains(":") {
                    try desired.checkQueueRedisName(String(value[..<equals]), flag: "--redis")
                }
            }
            let clients = try redisClients(for: managed)
            if !clients.isEmpty { sources.append(RedisQueueSource(clients: clients)) }
            if let api { sources.append(RenderMetricsSource(api: api)) }
            if let prometheus {
                guard let url = URL(string: prometheus), url.host != nil else { throw CLIError("--prometheus must be a URL such as http://127.0.0.1:9090") }
                sources.append(PrometheusSource(baseURL: url, timeout: timeout))
            }

            var requests: [(index: Int, service: String, name: String, target: MetricTarget)] = []
            for service in managed {
                guard let policyName = service.scaling?.policy, let policy = workspace.policies.scale[policyName] else {
                    notes.append("\(service.name): policy \(service.scaling?.policy ?? "?") not found")
                    continue
                }
                let target = MetricTarget(service: service.name, resourceID: ids[service.name], queue: service.scaling?.queue)
                for name in policy.metricNames { requests.append((requests.count, service.name, name, target)) }
            }
            // Each source reads all its metrics of all services in one batch (Render: a request per
            // hundred services; Redis: one round trip per queue), the sources concurrently.
            var rows = [Row?](repeating: nil, count: requests.count)
            var batches = [[(row: Int, request: MetricRequest)]](repeating: [], count: sources.count)
            for request in requests {
                guard let metric = Metric(policyName: request.name) else {
                    rows[request.index] = Row(service: request.service, metric: request.name, source: nil,
                                              reading: .unavailable("no source reads a metric named \(request.name)"), unit: "")
                    continue
                }
                guard let source = sources.firstIndex(where: { $0.serves(metric) }) else {
                    rows[request.index] = Row(service: request.service, metric: request.name, source: nil,
                                              reading: .unavailable(Self.missingSource(for: metric)), unit: metric.unit)
                    continue
                }
                batches[source].append((request.index, MetricRequest(metric, for: request.target)))
            }
            let sourcesSnapshot = sources
            let batchesSnapshot = batches
            let timeout = self.timeout
            let readings = await withTaskGroup(of: (Int, [MetricReading]?).self) { group in
                for (index, source) in sourcesSnapshot.enumerated() where !batchesSnapshot[index].isEmpty {
                    let batch = batchesSnapshot[index].map(\.request)
                    group.addTask {
                        (index, await MetricCollector.withTimeout(timeout, otherwise: [MetricReading]?.none) { await source.read(batch, now: now) })
                    }
                }
                var all = [[MetricReading]?](repeating: nil, count: sourcesSnapshot.count)
                for await (index, readings) in group { all[index] = readings }
                return all
            }
            for (index, batch) in batches.enumerated() {
                for (position, item) in batch.enumerated() {
                    let request = requests[item.row]
                    let reading = readings[index]?[position] ?? .unavailable(String(format: "no answer within %.0f s", timeout))
                    rows[item.row] = Row(service: request.service, metric: request.name, source: sources[index].name,
                                         reading: reading.fresh(maxAge: maxAge, now: now), unit: item.request.metric.unit)
                }
            }
            for client in clients.values { await client.close() }
            let done = rows.compactMap { $0 }
            switch format {
            case .json: try emit(Self.json(done, environment: desired.environment, now: now, notes: notes), to: nil)
            case .text: try emit(Self.text(done, managed: managed.map(\.name), now: now, notes: notes), to: nil)
            }
        }

        /// One Redis client per URL; `--redis URL` serves every datastore the queue bindings name.
        func redisClients(for services: [ServiceSpec]) throws -> [String: RedisClient] {
            let datastores = Set(services.compactMap { $0.scaling?.queue?.redis })
            var byURL: [String: RedisClient] = [:]
            var clients: [String: RedisClient] = [:]
            func client(_ url: String) throws -> RedisClient {
                if let existing = byURL[url] { return existing }
                var configuration: RedisConfiguration
                do { configuration = try RedisConfiguration(url: url) } catch { throw CLIError("--redis: \(error)") }
                configuration.connectTimeout = .milliseconds(Int(timeout * 1000))
                configuration.commandTimeout = .milliseconds(Int(timeout * 1000))
                configuration.connectAttempts = 1
                let made = RedisClient(configuration)
                byURL[url] = made
                return made
            }
            for value in redis {
                if let equals = value.firstIndex(of: "="), !value[..<equals].contains(":") {
                    clients[String(value[..<equals])] = try client(String(value[value.index(after: equals)...]))
                } else {
                    let shared = try client(value)
                    for name in datastores where clients[name] == nil { clients[name] = shared }
                }
            }
            return clients
        }

        static func missingSource(for metric: Metric) -> String {
            switch metric {
            case .queueDepth, .queueActive, .queueDelayed, .queueOldestAge: "no Redis given (pass --redis URL)"
            case .query: "no Prometheus given (pass --prometheus URL)"
            default: "no Render access (set RENDER_API_KEY or pass --sandbox)"
            }
        }

        static func text(_ rows: [Row], managed: [String], now: Date, notes: [String]) -> String {
            var lines: [String] = []
            if managed.isEmpty { lines.append("No service in this environment is scaled by the controller.") }
            for service in managed {
                lines.append(service)
                let mine = rows.filter { $0.service == service }
                if mine.isEmpty { lines.append("  (no metrics)") }
                let width = max(12, (mine.map(\.metric.count).max() ?? 0) + 2)
                for row in mine {
                    let name = row.metric.padding(toLength: width, withPad: " ", startingAt: 0)
                    switch row.reading {
                    case .sample(let sample):
                        let value = (jsonNumber((sample.value * 100).rounded() / 100) + (row.unit.isEmpty ? "" : " \(row.unit)"))
                            .padding(toLength: 14, withPad: " ", startingAt: 0)
                        lines.append("  \(name)\(value)age \(Int(sample.age(at: now).rounded())) s   from \(row.source ?? "?")")
                    case .unavailable(let reason):
                        lines.append("  \(name)unavailable: \(reason)")
                    }
                }
            }
            for note in notes { lines.append("Note: \(note)") }
            return lines.joined(separator: "\n")
        }

        static func json(_ rows: [Row], environment: String, now: Date, notes: [String]) throws -> String {
            var services: [[String: Any]] = []
            var order: [String] = []
            var byService: [String: [[String: Any]]] = [:]
            for row in rows {
                if byService[row.service] == nil { order.append(row.service) }
                var entry: [String: Any] = ["metric": row.metric, "source": row.source ?? NSNull(), "unit": row.unit]
                switch row.reading {
                case .sample(let sample):
                    entry["value"] = sample.value
                    entry["timestamp"] = sample.timestamp.timeIntervalSince1970
                    entry["age_seconds"] = sample.age(at: now)
                case .unavailable(let reason):
                    entry["value"] = NSNull()
                    entry["unavailable"] = reason
                }
                byService[row.service, default: []].append(entry)
            }
            for name in order { services.append(["service": name, "metrics": byService[name] ?? []]) }
            let object: [String: Any] = ["environment": environment, "observed_at": now.timeIntervalSince1970, "services": services, "notes": notes]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            return String(decoding: data, as: UTF8.self)
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
