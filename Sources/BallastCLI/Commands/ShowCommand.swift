import ArgumentParser

struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the resolved desired state (not built yet).")

    func run() async throws {
        throw ValidationError("`ballast show` is not built yet.")
    }
}
