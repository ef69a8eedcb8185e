import ArgumentParser
import Blueprint
import Reports

/// `ballast show`: the desired state of one environment after overlays and plan resolution.
struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the resolved desired state of one environment.")

    @OptionGroup var options: BlueprintOptions

    @Option(name: .long, help: "Output format: yaml or json.")
    var format: ShowFormat = .yaml

    enum ShowFormat: String, ExpressibleByArgument, CaseIterable { case yaml, json }

    func run() async throws {
        let workspace = Workspace.load(options)
        let resolved = try workspace.requireResolved(options.env)
        let report = DesiredStateReport(resolved, catalog: workspace.catalog)
        try emit(format == .json ? report.json() : report.yaml(), to: nil)
    }
}
