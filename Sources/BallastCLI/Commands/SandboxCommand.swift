import ArgumentParser

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sandbox", abstract: "Serve the built-in Render API sandbox (not built yet).")

    func run() async throws {
        throw ValidationError("`ballast sandbox` is not built yet.")
    }
}
