import ArgumentParser

struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "metrics", abstract: "Show what the controller sees (not built yet).")

    func run() async throws {
        throw ValidationError("`ballast metrics` is not built yet.")
    }
}
