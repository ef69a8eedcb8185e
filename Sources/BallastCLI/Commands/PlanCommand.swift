import ArgumentParser

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plan", abstract: "Show what apply would change and what it would cost (not built yet).")

    func run() async throws {
        throw ValidationError("`ballast plan` is not built yet.")
    }
}
