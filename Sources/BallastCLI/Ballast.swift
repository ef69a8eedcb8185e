import ArgumentParser

/// The `ballast` command: the composition root that wires the core modules to their adapters.
@main
struct Ballast: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ballast",
        abstract: "Plan, apply, scale and cost applications on Render.",
        version: "0.1.0",
        subcommands: [
            ValidateCommand.self, ShowCommand.self, ImportCommand.self, CatalogCommand.self,
            PlanCommand.self, ApplyCommand.self,
            DecideCommand.self, MetricsCommand.self, ControllerCommand.self,
            CostCommand.self, SimulateCommand.self,
            SandboxCommand.self, BenchCommand.self,
        ]
    )
}
