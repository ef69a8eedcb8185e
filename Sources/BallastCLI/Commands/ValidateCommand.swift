import ArgumentParser
import Blueprint
import Reports

/// `ballast validate`: every problem of a blueprint (and its policies and catalog) at once.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a blueprint: syntax, types, plans, policies, capacity and budgets.",
        discussion: "Without --env every environment is checked. Exit 0 when valid (warnings allowed), 1 when not.")

    @OptionGroup var options: BlueprintOptions

    @Option(name: .long, help: "Output format: text or json.")
    var format: ValidateFormat = .text

    enum ValidateFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    func run() async throws {
        let workspace = Workspace.load(options)
        var diagnostics = workspace.diagnostics
        if let blueprint = workspace.blueprint {
            if let env = options.env {
                diagnostics.append(contentsOf: blueprint.resolve(environment: env, catalog: workspace.catalog, policies: workspace.policies).1)
            } else {
                diagnostics.append(contentsOf: blueprint.validateAll(catalog: workspace.catalog, policies: workspace.policies))
            }
        }
        diagnostics.deduplicate()
        switch format {
        case .json:
            try emit(DiagnosticsReport(diagnostics).json(), to: nil)
        case .text:
            workspace.printDiagnostics(diagnostics)
            let subject = "The blueprint" + (options.env.map { " (\($0))" } ?? "")
            printError(DiagnosticsReport(diagnostics).summaryLine(subject: subject))
        }
        if diagnostics.hasErrors { throw ExitCode(1) }
    }
}
