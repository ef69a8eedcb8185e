import ArgumentParser
import Blueprint
import Foundation
import Hosting
import Planning
import Reports
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `ballast apply`: make the hosting match the blueprint, or carry out a saved plan exactly.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Make the hosting match the blueprint (or apply a saved plan file).",
        discussion: """
            ballast apply BLUEPRINT --env NAME   plans, shows the plan and asks for `yes` (unless --auto-approve).
            ballast apply PLANFILE               applies exactly a plan saved with `plan --out`, refusing it when stale.
            A refresh-only plan (plan --refresh-only --out FILE, or apply --refresh-only) records the drift in the state \
            and changes nothing on the hosting side.
            The state is locked for the whole run; a second apply waits --lock-timeout seconds, then fails naming the holder.
            """)

    @OptionGroup var options: BlueprintOptions
    @OptionGroup var target: TargetOptions

    @Flag(name: .long, help: "Do not ask for confirmation.")
    var autoApprove = false

    @Option(name: .long, help: "How many changes run at once.")
    var parallelism: Int = 10

    @Flag(name: .long, help: "Destroy managed resources that are no longer in the blueprint.")
    var allowDelete = false

    @Flag(name: .long, help: "Accept a monthly cost increase above the maxMonthlyIncrease guardrail.")
    var allowCostIncrease = false

    @Option(name: .long, help: "Seconds to wait for the state lock.")
    var lockTimeout: Double = 0

    @Flag(name: .long, help: "Only record the drift (what changed outside Ballast) in the state; change nothing on the hosting side.")
    var refreshOnly = false

    func validate() throws {
        if parallelism < 1 { throw ValidationError("--parallelism must be at least 1.") }
    }

    func run() async throws {
        let saved = try? PlanSession.read(options.blueprint)
        if let saved, let env = options.env {
            // Read as a blueprint, a plan file "declares no environments": say what it is instead.
            throw CLIError("'\(options.blueprint)' is a saved plan (\(saved.plan.project), \(saved.plan.environment)), not a blueprint: "
                + "apply it without --env \(env) (ballast apply \(options.blueprint)), or give the blueprint with --env")
        }
        if let saved { return try await applySaved(saved, file: options.blueprint) }

        let planOptions = PlanOptions(mode: refreshOnly ? .refreshOnly : .normal, allowDelete: allowDelete, allowCostIncrease: allowCostIncrease)
        let session = try makeSession(options, target)
        try await withStateLock(session.store) {
            let state: BallastState?
            let plan: Plan
            do {
                state = try await session.store.load()
                plan = try await session.plan(state: state, options: planOptions)
            } catch {
                printError("Error: \(error)\n\nPlanning failed.")
                throw ExitCode(1)
            }
            try emit(PlanReport(plan).text(), to: nil)
            guard plan.isApplyable else { throw ExitCode(1) }
            guard plan.hasChanges else { return }
            if !autoApprove {
                let what = plan.mode == .refreshOnly
                    ? "Would you like to update the Ballast state to reflect these detected changes?\n  Ballast will write these changes to the state without modifying any real infrastructure."
                    : "Do you want to perform these actions?\n  Ballast will perform the actions described above."
                say("\n\(what)\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ", newline: false)
                guard readLine(strippingNewline: true) == "yes" else {
                    printError("\nApply cancelled.")
                    throw ExitCode(1)
                }
            }
            say("")
            if plan.mode == .refreshOnly {
                try await recordDrift(plan, session: session, state: state)
            } else {
                try await execute(plan, session: session, state: state)
            }
        }
    }

    private func applySaved(_ saved: SavedPlan, file: String) async throws {
        var arguments = [saved.blueprint, "--env", saved.plan.environment]
        if let catalog = saved.catalog { arguments += ["--catalog", catalog] }
        if let policies = saved.policies { arguments += ["--policies", policies] }
        var targetArguments: [String] = []
        if let sandbox = saved.sandbox { targetArguments += ["--sandbox", sandbox] }
        if let state = try Self.stateLocation(saved: saved.state, given: target.state) { targetArguments += ["--state", state] }
        let blueprintOptions = try BlueprintOptions.parse(arguments)
        var savedTarget = try TargetOptions.parse(targetArguments)
        if saved.sandbox == nil { savedTarget.sandbox = [] }
        let session = try makeSession(blueprintOptions, savedTarget, sandboxDirectory: saved.sandbox)
        try await withStateLock(session.store) {
            let state: BallastState?
            let current: Plan
            do {
                state = try await session.store.load()
                current = try await session.plan(state: state, options: saved.options)
            } catch {
                printError("Error: \(error)")
                throw ExitCode(1)
            }
            if let reason = SavedPlan.staleness(of: saved.plan, state: state, actualFingerprint: current.actualFingerprint) {
                printError("Error: \(reason)\n\nThe plan file '\(file)' can no longer be applied. Run `ballast plan` again.")
                throw ExitCode(1)
            }
            guard saved.plan.isApplyable else { throw CLIError("the saved plan has errors and cannot be applied") }
            guard saved.plan.hasChanges else {
                say("No changes. Your infrastructure matches the configuration.")
                return
            }
            if saved.plan.mode == .refreshOnly {
                try await recordDrift(saved.plan, session: session, state: state)
            } else {
                try await execute(saved.plan, session: session, state: state)
            }
        }
    }

    /// The state a saved plan is applied against: `--state` when given, else the plan's own (which
    /// keeps no password: a Redis URL that had one needs `--state` again).
    static func stateLocation(saved: String?, given: String?) throws -> String? {
        if let given { return given }
        guard let saved else { return nil }
        if TargetOptions.isRedis(saved), saved.contains(":***@") {
            throw CLIError("the plan was made against the state at \(saved), whose password a plan file does not keep; pass it again with --state redis://…")
        }
        return saved
    }

    private func makeSession(_ options: BlueprintOptions, _ target: TargetOptions, sandboxDirectory: String? = nil) throws -> PlanSession {
        do {
            return try PlanSession(options: options, target: target, sandboxOverride: sandboxDirectory)
        } catch let exit as ExitCode {
            throw exit
        }
    }

    /// Holds the state lock while `body` runs, and releases it whether `body` succeeds or throws.
    private func withStateLock(_ store: any StateStore, _ body: () async throws -> Void) async throws {
        let lock: StateLock
        do {
            lock = try await store.lock(operation: "apply", timeout: lockTimeout)
        } catch let error as StateStoreError {
            if error.holder == nil && error.operation == "lock-state" && !error.message.hasPrefix("Error acquiring") {
                printError("Error: cannot lock the state at \(error.location): \(error.message)")
            } else {
                printError("Error: \(error.message)\n\nBallast acquires a state lock so that two applies cannot interleave.\n\(error.holder?.description ?? "")")
            }
            throw ExitCode(1)
        }
        do {
            try await body()
        } catch {
            await lock.unlock()
            throw error
        }
        await lock.unlock()
    }

    /// Applies a refresh-only plan: the drift becomes the state's last applied values; no provider call.
    private func recordDrift(_ plan: Plan, session: PlanSession, state: BallastState?) async throws {
        guard var updated = state else {
            say("No state to refresh: nothing was applied yet.")
            return
        }
        updated.recordDrift(plan.drift)
        updated.serial += 1
        do {
            try await session.store.save(updated)
        } catch {
            printError("Error: the state could not be written: \(error)")
            throw ExitCode(1)
        }
        let removed = plan.drift.filter { $0.action == .delete }.count
        var line = "Recorded the drift of \(plan.drift.count) resource\(plan.drift.count == 1 ? "" : "s") in the state (serial \(updated.serial))"
        if removed > 0 { line += "; \(removed) deleted outside Ballast no longer managed" }
        say(line + ". Nothing was changed on the hosting side.")
        say("\nApply complete! Resources: 0 added, 0 changed, 0 destroyed.")
    }

    private func execute(_ plan: Plan, session: PlanSession, state: BallastState?) async throws {
        guard let owner = plan.ownerId else { throw CLIError("the plan names no workspace to create resources in") }
        let start = state ?? BallastState(lineage: UUID().uuidString.lowercased(), project: plan.project, environment: plan.environment)
        let executor = PlanExecutor(provider: session.provider, ownerId: owner, parallelism: parallelism)
        let printer = ProgressPrinter(total: plan.actionable.count)
        let store = session.store
        let report = await executor.apply(plan, state: start, save: { try await store.save($0) }, progress: { printer.handle($0) })
        printer.finish()
        if report.succeeded {
            say("\n" + report.completionLine)
            return
        }
        var lines = ["", "Error: Apply failed: not every change was carried out.", ""]
        for entry in report.entries {
            switch entry.status {
            case .done: lines.append("  done           \(entry.change.address)")
            case .failed(let message): lines.append("  failed         \(entry.change.address): \(message)")
            case .notAttempted: lines.append("  not attempted  \(entry.change.address)")
            }
        }
        if let stateError = report.stateError { lines.append("\nError: the state could not be written: \(stateError)") }
        lines.append("")
        lines.append(report.completionLine)
        lines.append("The state at \(store.location) records what was done; run `ballast apply` again to converge.")
        printError(lines.joined(separator: "\n"))
        throw ExitCode(1)
    }
}

/// Writes to standard output unbuffered, in order with the progress lines.
private func say(_ text: String, newline: Bool = true) {
    FileHandle.standardOutput.write(Data((newline ? text + "\n" : text).utf8))
}

/// Progress lines as Terraform prints them; on a terminal, a live status line under them.
final class ProgressPrinter: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private var done = 0
    private var running = 0
    private var failed = 0
    private let live = isatty(STDOUT_FILENO) != 0

    init(total: Int) {
        self.total = total
    }

    static func verbs(_ action: ResourceChange.Action) -> (String, String) {
        switch action {
        case .create: return ("Creating...", "Creation complete")
        case .update, .scale: return ("Modifying...", "Modifications complete")
        case .replace: return ("Replacing...", "Replacement complete")
        case .delete: return ("Destroying...", "Destruction complete")
        case .import: return ("Importing...", "Import complete")
        case .noOp: return ("", "")
        }
    }

    func handle(_ event: ApplyEvent) {
        lock.withLock {
            let line: String
            switch event {
            case .started(let change):
                running += 1
                line = "\(change.address): \(Self.verbs(change.action).0)" + (change.id.map { " [id=\($0)]" } ?? "")
            case .completed(let change, let id, let seconds):
                running -= 1
                done += 1
                line = "\(change.address): \(Self.verbs(change.action).1) after \(Int(seconds.rounded()))s" + (id.map { " [id=\($0)]" } ?? "")
            case .failed(let change, let message):
                running -= 1
                failed += 1
                line = "\(change.address): Failed: \(message)"
            }
            var text = live ? "\r\u{1B}[K" + line + "\n" : line + "\n"
            if live { text += "  [\(done)/\(total) done, \(running) running, \(failed) failed]" }
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    func finish() {
        if live { FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8)) }
    }
}
