import ArgumentParser
import Blueprint
import Foundation
import Hosting
import Planning
import RedisClient
import Reports
import StateRedis

/// `ballast plan`: what apply would change, field by field, and what it would cost.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what apply would change and what it would cost.",
        discussion: """
            Reads the actual resources (list calls, 100 a page; env vars only for services that may have changed), \
            compares them with the blueprint's environment and prints the changes in dependency order.
            With --detailed-exitcode: 0 no changes, 1 error, 2 changes.
            """)

    @OptionGroup var options: BlueprintOptions
    @OptionGroup var target: TargetOptions

    @Option(name: .long, help: "Output format: text, json or markdown.")
    var format: PlanFormat = .text

    @Option(name: .long, help: "Save the plan to FILE for `ballast apply FILE`.")
    var out: String?

    @Flag(name: .long, help: "Exit 0 when there are no changes, 1 on error, 2 when there are changes.")
    var detailedExitcode = false

    @Flag(name: .long, help: "Only report what changed outside Ballast since the last apply (drift).")
    var refreshOnly = false

    @Flag(name: .long, help: "Destroy managed resources that are no longer in the blueprint.")
    var allowDelete = false

    @Flag(name: .long, help: "Accept a monthly cost increase above the maxMonthlyIncrease guardrail.")
    var allowCostIncrease = false

    enum PlanFormat: String, ExpressibleByArgument, CaseIterable { case text, json, markdown }

    func run() async throws {
        let planOptions = PlanOptions(mode: refreshOnly ? .refreshOnly : .normal, allowDelete: allowDelete, allowCostIncrease: allowCostIncrease)
        let session: PlanSession
        let plan: Plan
        do {
            session = try PlanSession(options: options, target: target)
            plan = try await session.plan(state: try await session.store.load(), options: planOptions)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError("Error: \(error)\n\nPlanning failed.")
            throw ExitCode(1)
        }
        let report = PlanReport(plan)
        switch format {
        case .text: try emit(report.text(), to: nil)
        case .json: try emit(report.json(), to: nil)
        case .markdown: try emit(report.markdown(), to: nil)
        }
        guard plan.isApplyable else {
            if format != .text { printError(PlanSession.problems(plan)) }
            throw ExitCode(1)
        }
        if let out {
            let saved = SavedPlan(plan: plan, options: planOptions, blueprint: options.blueprint, catalog: options.catalog,
                                  policies: options.policies, state: target.state.map(TargetOptions.storable), sandbox: session.sandboxDirectory)
            try PlanSession.write(saved, to: out)
            if format == .text {
                try emit("\nSaved the plan to: \(out)\n\nTo perform exactly these actions, run the following command to apply:\n    ballast apply \"\(out)\"", to: nil)
            }
            if format == .text, plan.mode == .refreshOnly, plan.hasChanges {
                try emit("Applying it records the drift in the state (the last applied values become the actual ones) and changes nothing on the hosting side.", to: nil)
            }
        } else if format == .text, plan.hasChanges, plan.mode == .normal {
            try emit("\nNote: You didn't use the --out option to save this plan, so Ballast can't guarantee to take exactly these actions if you run \"ballast apply\" now.", to: nil)
        }
        if detailedExitcode, plan.hasChanges { throw ExitCode(2) }
    }
}

/// Where plan and apply read the actual state from, and where Ballast's state lives.
struct TargetOptions: ParsableArguments {
    @Option(name: .long, parsing: .upToNextOption,
            help: ArgumentHelp("Use the sandbox in DIR (default .ballast/sandbox) instead of Render.", valueName: "DIR"))
    var sandbox: [String] = []

    @Option(name: .long, help: ArgumentHelp("The state: a file (default .ballast/state/<project>.<env>.json) or redis://[user:password@]host:port/db.",
                                           valueName: "PATH|URL"))
    var state: String?

    var usesSandbox: Bool { !sandbox.isEmpty || CommandLine.arguments.contains("--sandbox") }

    func validate() throws {
        if sandbox.count > 1 { throw ValidationError("--sandbox takes at most one directory.") }
        // A configuration error, not a usage error: exit 1 like every other one plan and apply report.
        if let state, let problem = Self.problem(state) { throw CLIError(problem) }
    }

    /// Why `location` cannot be a state, for a value that is a URL but not a usable Redis one; `nil`
    /// for a usable URL and for anything else (a file path). Shows the value without its password.
    static func problem(_ location: String) -> String? {
        guard let scheme = scheme(location) else { return nil }
        let shown = "--state \(masked(location))"
        guard scheme == "redis" || scheme == "rediss" else {
            return "\(shown): \(scheme):// is not a state location; use a file path or redis://[user:password@]host:port/db"
        }
        do {
            _ = try RedisConfiguration(url: location)
            return nil
        } catch let error as RedisError {
            return "\(shown): \(error.message)"
        } catch {
            return "\(shown): \(error)"
        }
    }

    static func isRedis(_ location: String) -> Bool {
        scheme(location).map { $0 == "redis" || $0 == "rediss" } ?? false
    }

    /// The lowercased scheme of a `scheme://…` value; `nil` for a file path.
    static func scheme(_ location: String) -> String? {
        guard let end = location.range(of: "://")?.lowerBound else { return nil }
        let scheme = location[..<end]
        guard let first = scheme.first, first.isASCII, first.isLetter,
              scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }) else { return nil }
        return scheme.lowercased()
    }

    /// A URL with what stands before its last `@` masked: the password (`user:***@`), or the whole
    /// user part (`***@`), which a Redis URL takes as the password when it has no colon.
    static func masked(_ location: String) -> String {
        guard let start = location.range(of: "://")?.upperBound, let at = location[start...].lastIndex(of: "@") else { return location }
        let userInfo = location[start..<at]
        let kept = userInfo.firstIndex(of: ":").map { "\(userInfo[..<$0]):***" } ?? "***"
        return String(location[..<start]) + kept + String(location[at...])
    }

    /// The state location as a plan file may keep it: a Redis URL's password masked.
    static func storable(_ location: String) -> String {
        guard isRedis(location), let configuration = try? RedisConfiguration(url: location) else { return location }
        return configuration.description
    }

    /// The store named by `--state` (or the default file) for one project and environment.
    func store(project: String, environment: String) throws -> any StateStore {
        guard let state else { return LocalStateStore(project: project, environment: environment) }
        if Self.isRedis(state) { return try RedisStateStore(url: state, project: project, environment: environment) }
        return LocalStateStore(path: state)
    }
}

/// One planning run: the resolved environment, the provider, the state store, and the plan.
struct PlanSession {
    let workspace: Workspace
    let desired: ResolvedEnvironment
    let provider: any HostingProvider
    let store: any StateStore
    let sandboxDirectory: String?

    init(options: BlueprintOptions, target: TargetOptions, sandboxOverride: String? = nil) throws {
        workspace = Workspace.load(options)
        desired = try workspace.requireResolved(options.env)
        if target.usesSandbox || sandboxOverride != nil {
            let directory = sandboxOverride ?? target.sandbox.first ?? Sandbox.defaultDirectory
            provider = try Sandbox(directory: directory)
            sandboxDirectory = directory
        } else {
            do {
                provider = try RenderProvider.fromEnvironment()
            } catch {
                throw CLIError("\(error)\nSet RENDER_API_KEY (and RENDER_API_URL for `ballast sandbox serve`), or pass --sandbox.")
            }
            sandboxDirectory = nil
        }
        store = try target.store(project: desired.project, environment: desired.environment)
    }

    /// The process environment's values of the secrets the environment refers to.
    var secrets: [String: String] {
        let environment = ProcessInfo.processInfo.environment
        var found: [String: String] = [:]
        for service in desired.services {
            for variable in service.env {
                if case .secret(let name) = variable.value, let value = environment[name] { found[name] = value }
            }
        }
        return found
    }

    var guardrails: [GuardrailSet] {
        desired.guardrails.compactMap { workspace.policies.guardrails[$0] }
    }

    /// Reads the actual state and plans against `state`.
    func plan(state: BallastState?, options: PlanOptions) async throws -> Plan {
        let reader = ActualStateReader(provider: provider)
        let owner = try await reader.resolveOwner(desired, fallbackToFirst: sandboxDirectory != nil || PlanSession.pointsAtLocalSandbox)
        let secrets = self.secrets
        let actual = try await reader.read(desired: desired, state: state, ownerId: owner, secrets: secrets, mode: options.mode)
        return Planner.plan(PlanInput(desired: desired, actual: actual, state: state, catalog: workspace.catalog, guardrails: guardrails,
                                      secrets: secrets, options: options, now: Date()))
    }

    /// `RENDER_API_URL` on this machine: a `ballast sandbox serve`, whose workspace is its own.
    static var pointsAtLocalSandbox: Bool {
        guard let url = ProcessInfo.processInfo.environment["RENDER_API_URL"].flatMap(URL.init(string:)), let host = url.host else { return false }
        return host == "127.0.0.1" || host == "localhost" || host == "::1"
    }

    static func problems(_ plan: Plan) -> String {
        var lines: [String] = []
        for violation in plan.violations { lines.append("Error: guardrail \(violation.rule) broken by \(violation.resource): \(violation.message)") }
        for error in plan.errors { lines.append("Error: \(error)") }
        return lines.joined(separator: "\n")
    }

    static func write(_ saved: SavedPlan, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        do {
            try encoder.encode(saved).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CLIError("cannot write the plan to '\(path)': \(error.localizedDescription)")
        }
    }

    static func read(_ path: String) throws -> SavedPlan {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read the plan file '\(path)'") }
        do {
            let saved = try decoder.decode(SavedPlan.self, from: data)
            guard saved.kind == SavedPlan.kind else { throw CLIError("'\(path)' is not a Ballast plan file") }
            return saved
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("'\(path)' is not a Ballast plan file this version can read: \(error)")
        }
    }
}
