import ArgumentParser

struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "apply", abstract: "Make the hosting match the blueprint (not built yet).")

    func run() async throws {
        throw ValidationError("`ballast apply` is not built yet.")
    }
}
