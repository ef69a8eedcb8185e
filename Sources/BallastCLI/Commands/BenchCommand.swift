import ArgumentParser

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Run the built-in benchmarks (not built yet).")

    func run() async throws {
        throw ValidationError("`ballast bench` is not built yet.")
    }
}
