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

    /// The sandbox's folder when `--sandbox` is given without one.
    static let defaultSandboxDirectory = ".ballast/sandbox"

    static func main() async {
        do {
            var command = try parseAsRoot(normalized(Array(CommandLine.arguments.dropFirst())))
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    /// `--sandbox [DIR]`: a bare `--sandbox` (last, or followed by another option) means the default folder.
    static func normalized(_ arguments: [String]) -> [String] {
        var result: [String] = []
        for (index, argument) in arguments.enumerated() {
            result.append(argument)
            if argument == "--sandbox" {
                let next = index + 1 < arguments.count ? arguments[index + 1] : nil
                if next == nil || next!.hasPrefix("-") { result.append(defaultSandboxDirectory) }
            }
        }
        return result
    }
}
