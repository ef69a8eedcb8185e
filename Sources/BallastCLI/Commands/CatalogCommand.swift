import ArgumentParser

struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "catalog", abstract: "Print the pricing catalog (not built yet).")

    func run() async throws {
        throw ValidationError("`ballast catalog` is not built yet.")
    }
}
