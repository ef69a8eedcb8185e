import Blueprint
import Foundation
import Hosting
import Planning

/// `ballast bench apply`: 1,000 changes (a new start command on every service, one PATCH each)
/// against the sandbox server with Render's rate limits on: time to finish and the 429s received.
///
/// Render allows 30 writes a minute, so 1,000 writes take at least 33 minutes. With `timeScale`
/// above 1, every rate-limit window (server and client alike) is divided by it: the same budget
/// per window, reached sooner; the projected time at Render's real limits is the measured time
/// times `timeScale`.
struct ApplyBench {
    var services: Int
    var latencyMs: Int
    var timeScale: Double
    var parallelism: Int
    var policiesFolder: String

    func run() async throws -> BenchReport {
        var report = BenchReport(bench: "apply", columns: [
            "changes", "time scale", "apply s", "projected s at Render's limits", "minimum s at 30 writes/min",
            "requests", "429s received", "done", "failed",
        ])
        let policies = Workspace.loadPolicies(policiesFolder)
        guard !policies.scale.isEmpty else {
            throw CLIError("no scale policies in '\(policiesFolder)': run from the repository root or pass --policies")
        }
        let folder = try BlueprintBench.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let fleet = try await SandboxFleet.make(services: services, folder: folder, policies: policies)
        let revisedPath = (folder as NSString).appendingPathComponent("fleet-\(services)-revised.yaml")
        let revised = try SandboxFleet.resolve(BlueprintGenerator(services: services, revision: 1), path: revisedPath,
                                               catalog: fleet.catalog, policies: policies)
        let limits = RenderRateLimits.render.compressed(by: timeScale)
        let (server, baseURL) = try await fleet.serve(latencyMs: latencyMs, limits: limits)
        let counter = CountingTransport(URLSessionTransport())
        let client = try SandboxFleet.client(baseURL: baseURL, limits: limits, counter: counter)

        let plan = try await fleet.plan(provider: client, state: fleet.state, desired: revised)
        let changes = plan.actionable.count
        counter.reset()
        let executor = PlanExecutor(provider: client, ownerId: fleet.ownerId, parallelism: parallelism, secret: { SandboxFleet.secrets[$0] })
        let applied = await Stopwatch.time { await executor.apply(plan, state: fleet.state, save: { _ in }) }
        await server.stop()

        let writes = counter.endpoints.filter { !$0.key.hasPrefix("GET") }.values.reduce(0, +)
        // Only the `write` bucket is 30 a minute; PATCH /services/{id} has its own per-service bucket.
        let bucketed = counter.endpoints.filter { endpoint, _ in
            let parts = endpoint.split(separator: " ", maxSplits: 1).map(String.init)
            return parts.count == 2 && RenderRateLimits.render.bucket(method: parts[0], path: parts[1]).name == "write"
        }.values.reduce(0, +)
        let done = applied.value.entries.filter { $0.status == .done }.count
        let rejected = counter.responses(status: 429)
        let minimum = Double(max(0, bucketed - 30)) / 30 * 60
        report.add([
            .int(changes), .number(timeScale, digits: 0), .number(applied.seconds, digits: 1),
            .number(applied.seconds * timeScale, digits: 0), .number(minimum, digits: 0),
            .int(counter.requests), .int(rejected), .int(done), .int(changes - done),
        ])
        report.note("\(services) services set up in an in-memory sandbox, then every start command changed: \(changes) changes, \(writes) write requests (" +
                    counter.endpoints.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }.joined(separator: ", ") + ")")
        report.note("sandbox server with \(latencyMs) ms latency and Render's rate limits with every window divided by \(BenchFormat.fixed(timeScale, digits: 0)) (30 writes per \(BenchFormat.fixed(60 / timeScale, digits: 1)) s); PlanExecutor at parallelism \(parallelism), client pacing with the same limits")
        report.note("minimum: \(bucketed) requests count against Render's `write` bucket (30 a minute; PATCH /services/{id} has its own per-service bucket): the first 30 go at once, then 30 per minute")
        report.note("target zero 429s received: \(rejected == 0 ? "met" : "MISSED (\(rejected))"); all changes applied: \(done == changes ? "yes" : "no")")
        return report
    }
}
