import ArgumentParser
import Controller
import Blueprint
import Foundation
import Scaling

/// `ballast decide`: what the controller would decide for one service, given what an operator sees.
///
/// ```
/// ballast decide --input decision.json
/// cat decision.json | ballast decide --input -
/// ballast decide --blueprint blueprints/qc-platform.yaml --env production --service backend-api --input now.json
/// ```
struct DecideCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decide",
        abstract: "Show the scaling decision for given metrics, history and policy, as JSON.",
        discussion: """
            The input is JSON (YAML works too): now, current, min, max, policy (an object, or a name from the \
            policies folder), metrics, and optionally ready, history and constraints. With --blueprint, --env \
            and --service the policy, bounds and caps come from the blueprint instead. See docs/policies.md.
            """)

    @Option(name: .long, help: "The input file (JSON or YAML), or - for standard input.")
    var input: String

    @Option(name: .long, help: "A blueprint to take the policy, bounds and caps from (with --env and --service).")
    var blueprint: String?

    @Option(name: .long, help: "The blueprint environment (with --blueprint).")
    var env: String?

    @Option(name: .long, help: "The service (with --blueprint).")
    var service: String?

    @Option(name: .long, help: "A pricing catalog file for budget caps (with --blueprint).")
    var catalog: String?

    @Option(name: .long, help: "The folder of policy files (default: ./policies, else policies/ beside the blueprint's folder).")
    var policies: String?

    @Flag(name: .long, help: "Print the JSON on one line.")
    var compact = false

    func validate() throws {
        if blueprint == nil && (env != nil || service != nil) {
            throw ValidationError("--env and --service go with --blueprint.")
        }
        if blueprint != nil && service == nil {
            throw ValidationError("--blueprint needs --service (and --env when the blueprint has environments).")
        }
    }

    func run() async throws {
        let lines = SourceFiles.LineSource()
        var diagnostics = Diagnostics()
        var defaults: DecisionRequest.Defaults?
        var library = PolicyLibrary()

        if let blueprint {
            let workspace = Workspace.load(blueprintPath: blueprint, catalogPath: catalog, policiesPath: policies)
            let resolved = try workspace.requireResolved(env)
            library = workspace.policies
            guard let spec = resolved.service(named: service ?? "") else {
                throw CLIError("no service '\(service ?? "")' in \(resolved.environment); services: \(resolved.services.map(\.name).joined(separator: ", "))")
            }
            guard let scaling = spec.scaling else {
                throw CLIError("'\(spec.name)' has no scaling in \(resolved.environment): its count is fixed at \(spec.instances)")
            }
            guard !scaling.isRenderNative else {
                throw CLIError("'\(spec.name)' uses Render's native autoscaling (policy: render-native); Ballast does not decide its count")
            }
            guard let policy = library.scale[scaling.policy] else {
                throw CLIError("scale policy '\(scaling.policy)' of '\(spec.name)' is not in the policies folder")
            }
            // The controller's caps, with the other services at their expected counts.
            let counts = Dictionary(resolved.services.map { ($0.name, $0.scaling?.expected ?? $0.scaling?.min ?? $0.instances) },
                                    uniquingKeysWith: { first, _ in first })
            let constraints = ConstraintBuilder.constraints(for: spec, in: resolved, catalog: workspace.catalog, counts: counts, plans: [:])
            defaults = DecisionRequest.Defaults(policy: policy, min: scaling.min, max: scaling.max, constraints: constraints)
        } else {
            if let policies, let missing = Workspace.missingPoliciesFolder(policies) { diagnostics.append(missing) }
            library = Workspace.loadPolicies(policies ?? "policies")
        }

        let bytes: [UInt8]
        let file = input == "-" ? "<stdin>" : input
        if input == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            guard data.count <= SourceFiles.maxBytes else { throw CLIError("the input is larger than \(SourceFiles.maxBytes / 1_048_576) MB") }
            bytes = [UInt8](data)
        } else {
            switch SourceFiles.read(input, what: "decide input") {
            case .failure(let diagnostic):
                diagnostics.append(diagnostic)
                printDiagnostics(diagnostics, lines: lines)
                throw ExitCode(1)
            case .success(let read):
                bytes = read
            }
        }

        let scalePolicies = library.scale
        let result = DecisionRequest.read(bytes, file: file, resolvePolicy: { scalePolicies[$0] }, defaults: defaults)
        diagnostics.append(contentsOf: result.diagnostics)
        printDiagnostics(diagnostics, lines: lines)
        guard let decisionInput = result.input, !diagnostics.hasErrors else { throw ExitCode(1) }

        let decision = ScalingEngine.decide(decisionInput)
        try emit(decision.json(pretty: !compact), to: nil)
    }

    private func printDiagnostics(_ diagnostics: Diagnostics, lines: SourceFiles.LineSource) {
        guard !diagnostics.items.isEmpty else { return }
        FileHandle.standardError.write(Data(DiagnosticsReportPrinter.text(diagnostics, lines: lines).utf8))
    }
}
