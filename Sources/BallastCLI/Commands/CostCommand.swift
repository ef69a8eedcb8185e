import ArgumentParser
import Blueprint
import Controller
import Costing
import Foundation
import Hosting
import Planning
import RedisClient
import Reports

/// `ballast cost`: monthly projection with ranges, budget status, actuals from the journal, in text,
/// Markdown, JSON or a self-contained HTML report. The I/O happens here; `Costing` only computes.
struct CostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cost",
        abstract: "Project and report spend: min / expected / max per service, budget, actuals.",
        discussion: """
        Prices come from the catalog (`ballast catalog`; --catalog FILE for your own). Expected counts come from \
        the journal's last 7 days, else `scaling.expected`, else the minimum. A usage file prices AI tokens, \
        requests and cron run hours (see docs/cost.md). With --journal, actuals show this month's spend so far \
        and the projected month end. With --sandbox [DIR] or --live (Render, RENDER_API_KEY), the services as they \
        run now are read from the hosting API (list calls only) and priced: the monthly rate right now, per service \
        against the blueprint, and the running counts for actuals of services the journal does not cover.
        """)

    @OptionGroup var options: BlueprintOptions

    @Option(name: .long, help: "text, json, markdown or html.")
    var format: Format = .text

    /// The report formats of cost (no yaml: help listed it, then validation refused it).
    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, markdown, html }

    @Option(name: .long, help: "Write the report to this file instead of standard output.")
    var out: String?

    @Option(name: .long, help: "A usage file (YAML): AI tokens per model, requests, run hours per month.")
    var usage: String?

    @Option(name: .long, help: "The controller's journal: a JSON-lines file, or redis://host:port/db for its Redis stream.")
    var journal: String?

    @Option(name: .long, help: "The Redis stream key of the journal (default ballast:PROJECT:ENV:journal).")
    var journalKey: String?

    @Option(name: .long, help: "Another environment to show side by side (e.g. production).")
    var compareEnv: String?

    @Option(name: .long, help: "A saved plan (`ballast plan --out FILE`): show its monthly cost change.")
    var plan: String?

    @Option(name: .long, help: ArgumentHelp("Read the services running now from the sandbox in DIR (default .ballast/sandbox).", valueName: "DIR"))
    var sandbox: String?

    @Flag(name: .long, help: "Read the services running now from Render (RENDER_API_KEY; RENDER_API_URL to point elsewhere).")
    var live = false

    @Option(name: .long, help: "The moment taken as now for actuals (ISO 8601, e.g. 2026-11-15T12:00:00Z); default: the clock.")
    var now: String?

    func validate() throws {
        if let now, JournalEntry.parseDate(now) == nil { throw ValidationError("--now '\(now)' is not an ISO 8601 timestamp.") }
        if live, sandbox != nil { throw ValidationError("--live reads Render and --sandbox the sandbox: give one of them.") }
    }

    func run() async throws {
        let workspace = Workspace.load(options)
        let environment = try workspace.requireResolved(options.env)
        let other = try compareEnv.map { try workspace.requireResolved($0) }
        let moment = now.flatMap(JournalEntry.parseDate) ?? Date()

        let usageFile = try usage.map { try loadUsage($0, workspace: workspace) }
        let estimator = CostEstimator(catalog: workspace.catalog)
        var entries: [JournalEntry]?
        if let journal {
            let (start, _) = estimator.month(containing: moment)
            // A month back before the month starts: the counts carried into it and the 7-day window.
            entries = try await readJournal(journal, key: journalKey ?? "ballast:\(environment.project):\(environment.environment):journal",
                                            since: start.addingTimeInterval(-31 * 86_400))
        }

        let running = try await readRunning(environment)
        var projection = estimator.project(environment, usage: usageFile, journal: entries, now: entries == nil ? nil : moment, running: running)
        if let plan {
            let saved = try readPlan(plan)
            projection.planDelta = CostDelta(source: plan, environment: saved.plan.environment, lines: saved.plan.changes.map {
                CostDelta.Line(name: $0.address, action: $0.action.rawValue,
                               before: Money(catalog: $0.monthlyBefore).roundedToCents, after: Money(catalog: $0.monthlyAfter).roundedToCents)
            })
            if saved.plan.environment != environment.environment {
                projection.notes.append("The plan \(plan) is for environment \(saved.plan.environment), not \(environment.environment).")
            }
        }
        let report: String
        if let other {
            let otherProjection = estimator.project(other, usage: usageFile, journal: entries, now: entries == nil ? nil : moment)
            report = CostReport.render(CostComparison(base: projection, other: otherProjection), as: reportFormat)
        } else {
            report = CostReport.render(projection, as: reportFormat)
        }
        try emit(report, to: out)
    }

    private var reportFormat: CostReport.Format {
        switch format {
        case .text: return .text
        case .json: return .json
        case .markdown: return .markdown
        case .html: return .html
        }
    }

    private func loadUsage(_ path: String, workspace: Workspace) throws -> UsageFile {
        switch SourceFiles.read(path, what: "usage file") {
        case .failure(let diagnostic):
            workspace.printDiagnostics(Diagnostics([diagnostic]))
            throw ExitCode(1)
        case .success(let bytes):
            let (usage, diagnostics) = UsageFile.parse(String(decoding: bytes, as: UTF8.self), file: path)
            workspace.printDiagnostics(diagnostics)
            guard let usage, !diagnostics.hasErrors else { throw ExitCode(1) }
            return usage
        }
    }

    /// Reads a plan file as `ballast plan --out` writes it (JSON, ISO 8601 dates).
    private func readPlan(_ path: String) throws -> SavedPlan {
        let bytes: [UInt8]
        switch SourceFiles.read(path, what: "plan file") {
        case .failure(let diagnostic): throw CLIError("cannot read the plan: \(diagnostic.detail)")
        case .success(let read): bytes = read
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let saved = try? decoder.decode(SavedPlan.self, from: Data(bytes)), saved.kind == SavedPlan.kind else {
            throw CLIError("'\(path)' is not a Ballast plan file this version can read")
        }
        return saved
    }

    /// The environment's services as the sandbox or Render runs them now, or nil when neither was asked for.
    /// One list call per 100 services (narrowed by name), as `plan` reads them.
    private func readRunning(_ environment: ResolvedEnvironment) async throws -> [RunningService]? {
        let provider: any HostingProvider
        let source: String
        if let sandbox {
            // Reading costs must not leave a new, empty sandbox behind in a folder that held none.
            guard Sandbox.exists(in: sandbox) else {
                throw CLIError("there is no sandbox in '\(sandbox)': run `ballast apply BLUEPRINT --env NAME --sandbox \(sandbox)` first")
            }
            do { provider = try Sandbox(directory: sandbox) } catch { throw CLIError("cannot open the sandbox in '\(sandbox)': \(error)") }
            source = "the sandbox"
        } else if live {
            do { provider = try RenderProvider.fromEnvironment() } catch { throw CLIError("\(error)\nSet RENDER_API_KEY, or use --sandbox.") }
            source = "Render"
        } else {
            return nil
        }
        do {
            let reader = ActualStateReader(provider: provider)
            let owner = try await reader.resolveOwner(environment, fallbackToFirst: sandbox != nil || PlanSession.pointsAtLocalSandbox)
            let names = environment.services.map(\.name)
            let services = try await provider.listServices(ownerId: owner, names: names.count <= reader.nameFilterLimit ? names : [])
            return services.map { RunningService(name: $0.name, plan: $0.plan, instances: $0.numInstances, suspended: $0.suspended) }
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("cannot read the running services from \(source): \(error)")
        }
    }

    /// Reads journal entries from a JSON-lines file or the controller's Redis stream.
    private func readJournal(_ location: String, key: String, since: Date) async throws -> [JournalEntry] {
        if location.hasPrefix("redis://") || location.hasPrefix("rediss://") {
            let redis: RedisClient
            do {
                redis = try RedisClient(url: location)
            } catch {
                throw CLIError("--journal \(TargetOptions.masked(location)): \(error)")
            }
            do {
                let records = try await RedisStreamJournal(redis: redis, key: key).read(since: since, service: nil)
                return records.map(\.entry)
            } catch {
                throw CLIError("cannot read the journal stream \(key): \(error)")
            }
        }
        switch SourceFiles.read(location, what: "journal") {
        case .failure(let diagnostic):
            throw CLIError("cannot read the journal: \(diagnostic.detail)")
        case .success(let bytes):
            let (entries, errors) = JournalEntry.decodeLines(String(decoding: bytes, as: UTF8.self))
            for error in errors.prefix(5) { printError("warning: \(location) \(error)") }
            if errors.count > 5 { printError("warning: \(location): \(errors.count - 5) more unreadable lines skipped") }
            return entries
        }
    }
}
