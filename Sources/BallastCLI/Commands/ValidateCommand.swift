import ArgumentParser

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "validate", abstract: "Check a blueprint (not built yet).")

    func run() async throws {
        throw ValidationError("`ballast validate` is not built yet.")
    }
}
