import ArgumentParser

struct DecideCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "decide", abstract: "Show the scaling decision for given inputs (not built yet).")

    func run() async throws {
        throw ValidationError("`ballast decide` is not built yet.")
    }
}
