import ArgumentParser

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "simulate", abstract: "Backtest a scale policy on a traffic trace (not built yet).")

    func run() async throws {
        throw ValidationError("`ballast simulate` is not built yet.")
    }
}
