import Blueprint
import Foundation
import Hosting
import Planning

/// `ballast bench plan`: planning an unchanged environment of 100, 1,000 and 5,000 services against
/// the sandbox server with injected latency, counting API calls, compared with a per-resource
/// refresh at parallelism 10 (Terraform's default).
///
/// The plan is what `ballast plan` does: resolve the workspace (`GET /owners`), read the actual state
/// with `ActualStateReader` (list calls, 100 a page; env vars only where they may have moved), then
/// `Planner.plan`, through a `RenderProvider` pacing itself by Render's limits against a server that
/// enforces them.
struct PlanBench {
    var sizes: [Int]
    var latencyMs: Int
    var policiesFolder: String

    func run() async throws -> BenchReport {
        var report = BenchReport(bench: "plan", columns: [
            "services", "resources", "setup s", "plan s", "API calls", "calls/100 svc", "changes",
            "refresh calls", "refresh@10 s", "refresh at 400 GET/min s",
        ])
        let policies = Workspace.loadPolicies(policiesFolder)
        guard !policies.scale.isEmpty else {
            throw CLIError("no scale policies in '\(policiesFolder)': run from the repository root or pass --policies")
        }
        let folder = try BlueprintBench.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let latency = Double(latencyMs) / 1000
        var breakdown: [String] = []
        var allMet = true

        for size in sizes {
            let setup = try await Stopwatch.time { try await SandboxFleet.make(services: size, folder: folder, policies: policies) }
            let fleet = setup.value
            let (server, baseURL) = try await fleet.serve(latencyMs: latencyMs, limits: .render)
            let counter = CountingTransport(URLSessionTransport())
            let client = try SandboxFleet.client(baseURL: baseURL, limits: .render, counter: counter)
            let planned = try await Stopwatch.time { () async throws -> Plan in
                _ = try await ActualStateReader(provider: client).resolveOwner(fleet.desired, fallbackToFirst: true)
                return try await fleet.plan(provider: client, state: fleet.state)
            }
            await server.stop()

            let resources = fleet.desired.services.count + fleet.desired.datastores.filter { $0.type == .keyvalue || $0.type == .postgres }.count
            let calls = counter.requests
            let changes = planned.value.actionable.count
            // A per-resource refresh: one GET per managed resource, ten in flight, each `latency` long.
            let refreshCalls = resources
            let refreshSeconds = Double((refreshCalls + 9) / 10) * latency
            // Render allows 400 GETs a minute: past the first 400, the refresh waits for the budget.
            let budgetSeconds = max(refreshSeconds, Double(max(0, refreshCalls - 400)) / 400 * 60)
            // Cursor pages of 100: a full last page needs one more call to learn it was the last.
            let target = size / 100 + 1
            let listCalls = counter.endpoints.filter { $0.key == "GET /services" }.values.reduce(0, +)
            if listCalls > target || changes > 0 { allMet = false }
            report.add([
                .int(size), .int(resources), .number(setup.seconds, digits: 1), .number(planned.seconds, digits: 2),
                .int(calls), .number(Double(calls) / Double(size) * 100, digits: 2), .int(changes),
                .int(refreshCalls), .number(refreshSeconds, digits: 1), .number(budgetSeconds, digits: 0),
            ])
            breakdown.append("\(size): " + counter.endpoints.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }.joined(separator: ", "))
        }
        report.note("sandbox server with \(latencyMs) ms injected latency and Render's rate limits on; plan = GET /owners + ActualStateReader + Planner.plan through RenderProvider (client pacing on)")
        report.note("calls by endpoint — " + breakdown.joined(separator: "; "))
        report.note("refresh: one GET per resource (services and Render datastores), 10 in flight, \(latencyMs) ms each; the last column adds Render's 400 GET/minute budget")
        report.note("target one list call per 100 services (plus the empty page that ends a cursor walk) and nothing more for an unchanged environment: \(allMet ? "met" : "MISSED")")
        return report
    }
}
