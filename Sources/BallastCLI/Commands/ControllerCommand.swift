import ArgumentParser

struct ControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "controller", abstract: "Run the scaling controller (not built yet).")

    func run() async throws {
        throw ValidationError("`ballast controller` is not built yet.")
    }
}
