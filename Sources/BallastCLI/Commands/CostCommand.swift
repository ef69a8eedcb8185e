import ArgumentParser

struct CostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cost", abstract: "Project and report spend (not built yet).")

    func run() async throws {
        throw ValidationError("`ballast cost` is not built yet.")
    }
}
