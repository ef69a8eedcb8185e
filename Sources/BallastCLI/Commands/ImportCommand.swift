import ArgumentParser

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Convert a render.yaml (not built yet).")

    func run() async throws {
        throw ValidationError("`ballast import` is not built yet.")
    }
}
