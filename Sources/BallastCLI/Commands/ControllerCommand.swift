import ArgumentParser
import Blueprint
import Controller
import Costing
import Foundation
import Hosting
import Logging
import MetricSources
import RedisClient

/// `ballast controller`: the scaling loop (`run`) and its journal (`decisions`).
struct ControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Keep managed services at the right size, and explain every decision.",
        subcommands: [Run.self, Decisions.self]
    )

    /// `ballast controller run BLUEPRINT --env NAME …`
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run the scaling controller for one environment.",
            discussion: """
            Each tick reads the managed services' metrics, asks the scaling engine and makes the changes \
            Render's write budget allows, most urgent first. With --redis, replicas share a leader lease, \
            the scaling history and the journal (a capped stream); without it the controller runs alone and \
            journals to --journal. The provider is Render (RENDER_API_KEY, RENDER_API_URL) or, with \
            --sandbox [DIR], the built-in sandbox. SIGTERM/SIGINT finish the tick in progress and exit.
            """
        )

        @OptionGroup var options: BlueprintOptions

        @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Use the sandbox in DIR (default .ballast/sandbox) instead of Render.", valueName: "DIR"))
        var sandbox: [String] = []

        @Option(name: .long, help: "Redis URL for the lease, the scaling history and the journal (redis://host:port/db).")
        var redis: String?

        @Option(name: .customLong("queue-redis"), help: ArgumentHelp("Redis URL of a keyvalue datastore's queues (NAME=URL); default: --redis.", valueName: "NAME=URL"))
        var queueRedis: [String] = []

        @Option(name: .long, help: "Prometheus base URL for metrics given with --query.")
        var prometheus: String?

        @Option(name: .long, help: ArgumentHelp("PromQL for a metric name ({{service}} and {{resource}} are replaced), e.g. latency_p95=…", valueName: "METRIC=PROMQL"))
        var query: [String] = []

        @Option(name: .long, help: "Time between ticks (15s, 1m, 500ms).")
        var interval: String = "15s"

        @Flag(name: .customLong("dry-run"), help: "Decide, log and journal; change nothing.")
        var dryRun = false

        @Option(name: .long, help: "Serve /healthz, /readyz and /metrics on HOST:PORT.")
        var listen: String?

        @Flag(name: .long, help: "Run one tick and exit (cron, tests): 1 when a problem held the whole tick (Redis, the API's list call), else 0.")
        var once = false

        @Option(name: .long, help: "The journal file when no Redis is configured.")
        var journal: String = ".ballast/journal.jsonl"

        @Option(name: .customLong("metric-timeout"), help: "Longest wait for one source's reads of a tick (every service at once).")
        var metricTimeout: String = "5s"

        @Option(name: .customLong("max-metric-age"), help: "Older samples count as missing.")
        var maxMetricAge: String = "5m"

        @Option(name: .long, help: "This replica's name in the lease and the journal (default host-pid-random).")
        var identity: String?

        @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error.")
        var logLevel: String = "info"

        /// A client for a Redis URL option; a URL that cannot be used is an error naming the option and
        /// the URL without its password.
        static func redisClient(_ url: String, flag: String) throws -> RedisClient {
            do {
                return try RedisClient(url: url)
            } catch {
                let separator = flag.hasSuffix("=") ? "" : " "
                throw CLIError("\(flag)\(separator)\(TargetOptions.masked(url)): \(error)")
            }
        }

        func validate() throws {
            // Zero was accepted: a tick every 50 ms (the loop's floor) lists every service 20 times a second, and a
            // zero metric timeout makes every reading "no answer within 0 s".
            guard let seconds = DurationText.seconds(interval), seconds > 0 else {
                throw ValidationError("--interval: expected a duration above zero such as 15s, 1m or 500ms.")
            }
            guard let timeout = DurationText.seconds(metricTimeout), timeout > 0 else {
                throw ValidationError("--metric-timeout: expected a duration above zero such as 5s.")
            }
            guard DurationText.seconds(maxMetricAge) != nil else { throw ValidationError("--max-metric-age: expected a duration such as 5m.") }
            guard Logger.Level(rawValue: logLevel) != nil else {
                throw ValidationError("--log-level: expected trace, debug, info, notice, warning or error, not '\(logLevel)'.")
            }
            if let listen, HostPort(listen) == nil { throw ValidationError("--listen: expected HOST:PORT, e.g. 0.0.0.0:9464.") }
            if sandbox.count > 1 { throw ValidationError("--sandbox takes at most one directory.") }
            for item in queueRedis + query where !item.contains("=") { throw ValidationError("'\(item)': expected NAME=VALUE.") }
        }

        func run() async throws {
            var logger = Logger(label: "ballast.controller")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            let workspace = Workspace.load(options)
            let environment = try workspace.requireResolved(options.env)
            let interval = DurationText.seconds(self.interval)!
            let configuration = ControllerConfiguration(
                environment: environment, policies: workspace.policies.scale, catalog: workspace.catalog,
                identity: identity ?? ControllerConfiguration.defaultIdentity(), dryRun: dryRun, interval: interval)
            for (service, reason) in configuration.skipped {
                logger.warning("not managed", metadata: ["service": "\(service)", "reason": "\(reason)"])
            }
            if configuration.managed.isEmpty {
                throw CLIError("no service of environment '\(environment.environment)' has a scale policy the controller can run")
            }
            for item in queueRedis {
                try environment.checkQueueRedisName(String(item.prefix { $0 != "=" }), flag: "--queue-redis")
            }

            // Provider: the sandbox, or Render (RENDER_API_URL may point at `ballast sandbox serve`).
            let usesSandbox = !sandbox.isEmpty || CommandLine.arguments.contains("--sandbox")
            let provider: any HostingProvider & RenderMetricsAPI
            if usesSandbox {
                provider = try Sandbox(directory: sandbox.first ?? Sandbox.defaultDirectory)
            } else {
                do {
                    provider = try RenderProvider.fromEnvironment()
                } catch {
                    throw CLIError("\(error)\nSet RENDER_API_KEY (and RENDER_API_URL for `ballast sandbox serve`), or pass --sandbox.")
                }
            }

            // Redis: lease, history, journal; without it a sole leader with a file journal.
            let election: any LeaderElection
            let histories: any HistoryStore
            let journal: any DecisionJournal
            var redisClient: RedisClient?
            if let redis {
                let client = try Self.redisClient(redis, flag: "--redis")
                redisClient = client
                let lease = RedisLease(redis: client, key: configuration.redisKey("lease"), identity: configuration.identity, ttl: configuration.leaseTTL)
                election = lease
                histories = RedisHistoryStore(redis: client, key: configuration.redisKey("history"), leaseKey: lease.key, identity: configuration.identity)
                journal = RedisStreamJournal(redis: client, key: configuration.redisKey("journal"))
            } else {
                election = SoleLeader()
                histories = MemoryHistoryStore()
                journal = FileJournal(path: self.journal)
            }

            // Metric sources: queues in Redis, Render's metrics, Prometheus queries.
            var queueClients: [String: RedisClient] = [:]
            for item in queueRedis {
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                queueClients[parts[0]] = try Self.redisClient(parts[1], flag: "--queue-redis \(parts[0])=")
            }
            if let redisClient {
                for datastore in environment.datastores where datastore.type == .keyvalue && queueClients[datastore.name] == nil {
                    queueClients[datastore.name] = redisClient
                }
            }
            var sources: [any MetricSource] = [RedisQueueSource(clients: queueClients)]
            if let prometheus {
                guard let url = URL(string: prometheus) else { throw ValidationError("--prometheus: not a URL: \(prometheus)") }
                var templates: [String: String] = [:]
                for item in query {
                    let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                    templates[parts[0]] = parts[1]
                }
                sources.append(PrometheusSource(baseURL: url, templates: templates, maxAge: DurationText.seconds(maxMetricAge)))
            }
            sources.append(RenderMetricsSource(api: provider))
            let collector = MetricCollector(sources: sources, timeout: DurationText.seconds(metricTimeout)!, maxAge: DurationText.seconds(maxMetricAge)!)

            let status = ControllerStatus()
            let metrics = ControllerMetrics()
            let controller = ScalingController(configuration: configuration, provider: provider, election: election, histories: histories,
                                               journal: journal, collector: collector, metrics: metrics, status: status, logger: logger)
            logger.notice("controller starting", metadata: [
                "environment": "\(environment.environment)", "services": "\(configuration.managed.map(\.spec.name).joined(separator: ","))",
                "identity": "\(configuration.identity)", "journal": "\(journal.location)", "dry_run": "\(dryRun)",
            ])
            let once = self.once
            let heldByProblems = ProblemFlag()
            try await ControllerProcess.run(controller, interval: interval, once: once, listen: listen.flatMap(HostPort.init).map { ($0.host, $0.port) },
                                            logger: logger) { report in
                if once {
                    FileHandle.standardOutput.write(Data((report.summary + "\n").utf8))
                    if !report.problems.isEmpty { heldByProblems.set() }
                }
            }
            if let redisClient { await redisClient.close() }
            // A cron job's one tick that could not run (no provable leader, the list call failing, the
            // history unreadable) must not look like success.
            if once, heldByProblems.isSet { throw ExitCode(1) }
        }
    }

    /// `ballast controller decisions`: the journal, read back.
    struct Decisions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "decisions",
            abstract: "Show the controller's decisions: when, what, from -> to, why, and whether it acted.",
            discussion: "Reads the Redis stream of the blueprint's environment (--redis) or the journal file.")

        @OptionGroup var options: BlueprintOptions

        @Option(name: .long, help: "Redis URL the controller journals to.")
        var redis: String?

        @Option(name: .long, help: "The journal file (when the controller ran without Redis).")
        var journal: String = ".ballast/journal.jsonl"

        @Option(name: .long, help: "Only this service.")
        var service: String?

        @Option(name: .long, help: "How far back (30m, 1h, 7d).")
        var since: String = "1h"

        @Option(name: .long, help: "text or json.")
        var format: Format = .text

        @Flag(name: .long, help: "Include holds and start entries, not only changes.")
        var all = false

        enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

        func validate() throws {
            guard DurationText.seconds(since) != nil else { throw ValidationError("--since: expected a duration such as 30m, 1h or 7d.") }
        }

        func run() async throws {
            let workspace = Workspace.load(options)
            let environment = try workspace.requireResolved(options.env)
            let configuration = ControllerConfiguration(environment: environment, policies: [:], catalog: workspace.catalog, identity: "reader")
            let source: any DecisionJournal
            var client: RedisClient?
            if let redis {
                let redisClient = try Run.redisClient(redis, flag: "--redis")
                client = redisClient
                source = RedisStreamJournal(redis: redisClient, key: configuration.redisKey("journal"))
            } else {
                source = FileJournal(path: journal)
            }
            let cutoff = Date().addingTimeInterval(-DurationText.seconds(since)!)
            var records: [DecisionRecord]
            do {
                records = try await source.read(since: cutoff, service: service)
            } catch {
                throw CLIError("cannot read the journal (\(source.location)): \(error)")
            }
            if let client { await client.close() }
            records = records.filter { $0.entry.environment == nil || $0.entry.environment == environment.environment }
            if !all { records = records.filter { $0.entry.from != $0.entry.to || $0.action == "drift" } }
            // A name the environment does not have and the journal never saw is a typo, not a quiet service
            // (one that left the blueprint keeps its journal and is still shown).
            if let service, records.isEmpty, environment.service(named: service) == nil {
                let names = environment.services.map(\.name)
                var message = "--service \(service): no service '\(service)' in \(environment.environment) (services: \(names.joined(separator: ", ")))"
                message += " and no decision for it in the last \(since)"
                if let hint = closestMatch(to: service, in: names) { message += "; did you mean '\(hint)'?" }
                throw CLIError(message)
            }
            switch format {
            case .json:
                try emit(records.map { $0.encodedLine() }.joined(separator: "\n"), to: nil)
            case .text:
                try emit(DecisionsText.render(records, since: since, location: source.location), to: nil)
            }
        }
    }
}

/// The text view of journal records.
enum DecisionsText {
    static func render(_ records: [DecisionRecord], since: String, location: String) -> String {
        guard !records.isEmpty else { return "No decisions in the last \(since) (\(location))." }
        let width = max(7, records.map(\.entry.service.count).max() ?? 7)
        var lines: [String] = []
        for record in records {
            let entry = record.entry
            let time = JournalEntryDate.format(entry.at)
            let service = entry.service.padding(toLength: width, withPad: " ", startingAt: 0)
            let action = record.action.padding(toLength: 10, withPad: " ", startingAt: 0)
            let change = "\(entry.from) -> \(entry.to)".padding(toLength: 8, withPad: " ", startingAt: 0)
            let acted = entry.acted ? "acted" : (entry.dryRun == true ? "dry-run" : "not acted")
            let cost = entry.monthlyDelta.map { " \($0.signedFormatted)/mo" } ?? ""
            lines.append("\(time)  \(service)  \(action) \(change) \(acted)\(cost)")
            let why = record.reasons.isEmpty ? entry.reason : record.reasons.joined(separator: "; ")
            if !why.isEmpty { lines.append("    why: \(why)") }
            if let rule = entry.rule { lines.append("    rule: \(rule)") }
            if !record.inputs.isEmpty {
                lines.append("    inputs: " + record.inputs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
            }
            if let error = record.error { lines.append("    note: \(error)") }
        }
        lines.append("\(records.count) decision\(records.count == 1 ? "" : "s") (\(location)).")
        return lines.joined(separator: "\n")
    }
}

enum JournalEntryDate {
    static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
    }
}

/// Set from the tick callback, read after the run.
final class ProblemFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

/// `HOST:PORT`.
struct HostPort {
    var host: String
    var port: Int

    init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        let host = String(text[..<colon])
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
    }
}

enum DurationText {
    /// Seconds from `500ms`, `15s`, `5m`, `1h`, `7d` or a plain number of seconds.
    static func seconds(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            if let value = Double(trimmed.dropLast(suffix.count)), value >= 0 { return value * factor }
        }
        if let value = Double(trimmed), value >= 0 { return value }
        return nil
    }
}
