import Foundation
import TestSupport
import Testing

/// `ballast cost --sandbox`: the services as they run now, priced against the blueprint's projection.
@Suite struct CostCommandTests {
    static let secrets = ["DATABASE_URL": "postgres://example", "REDIS_URL": "redis://example", "OPENAI_API_KEY": "sk-test"]

    @Test func sandboxRunningCountsArePricedAtTheCatalogsUnitPrice() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sandbox = folder.appendingPathComponent("sandbox").path
        let apply = try CLI.run(["apply", "blueprints/qc-platform.yaml", "--env", "production", "--sandbox", sandbox,
                                 "--auto-approve", "--allow-cost-increase"], environment: Self.secrets)
        #expect(apply.status == 0, "\(apply.stderr)")

        let result = try CLI.run(["cost", "blueprints/qc-platform.yaml", "--env", "production", "--sandbox", sandbox, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let live = try #require(json["live"] as? [String: Any])
        let projected = try #require(json["services"] as? [[String: Any]])
        let running = try #require(live["services"] as? [[String: Any]])
        #expect(running.count == projected.count)

        func decimal(_ value: Any?) -> Decimal? { (value as? String).flatMap { Decimal(string: $0) } }
        var compute = Decimal(0)
        for service in running {
            let name = try #require(service["name"] as? String)
            let line = try #require(projected.first { $0["name"] as? String == name })
            // Applied at the blueprint's plan; a scaled service starts at its minimum.
            #expect(service["status"] as? String == "as_declared", "\(name)")
            #expect(service["plan"] as? String == line["plan"] as? String)
            let instances = try #require(service["instances"] as? Int)
            let bounds = try #require(line["instances"] as? [String: Any])
            #expect(instances == bounds["min"] as? Int)
            let unit = try #require(decimal(line["unit_monthly"]))
            #expect(decimal(service["monthly_now"]) == unit * Decimal(instances), "\(name)")
            compute += unit * Decimal(instances)
        }
        #expect(decimal(live["compute_now"]) == compute)
        let totals = try #require(json["totals"] as? [String: Any])
        // At the minimum counts the rate is the projection's minimum.
        #expect(decimal(live["monthly_now"]) == decimal(totals["min"]))
        #expect(live["within_budget"] as? Bool == true)

        let text = try CLI.run(["cost", "blueprints/qc-platform.yaml", "--env", "production", "--sandbox", sandbox])
        let minimum = try #require(totals["min"] as? String)
        #expect(text.stdout.contains("Running now: $\(minimum)/month"), "\(text.stdout)")
    }

    /// `--live` goes through the real HTTP client: here against `ballast sandbox serve`, as against Render.
    @Test func liveReadsTheHostingAPIOverHTTP() async throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try ChildProcess(CLI.binary.path, ["sandbox", "serve", "--port", "0", "--state", folder.appendingPathComponent("server").path],
                                      name: "ballast sandbox serve")
        defer { server.stop() }
        let banner = try await server.readLine(timeout: 30)
        let url = try #require(banner.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init))
        let api = ["RENDER_API_URL": url, "RENDER_API_KEY": "rnd_sandbox"]

        let apply = try CLI.run(["apply", "blueprints/qc-platform.yaml", "--env", "production", "--state", folder.appendingPathComponent("state.json").path,
                                 "--auto-approve", "--allow-cost-increase"], environment: Self.secrets.merging(api) { $1 })
        #expect(apply.status == 0, "\(apply.stderr)")
        let result = try CLI.run(["cost", "blueprints/qc-platform.yaml", "--env", "production", "--live", "--format", "json"], environment: api)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let live = try #require(json["live"] as? [String: Any])
        let running = try #require(live["services"] as? [[String: Any]])
        #expect(!running.isEmpty)
        #expect(running.allSatisfy { $0["status"] as? String == "as_declared" }, "\(running)")
        let totals = try #require(json["totals"] as? [String: Any])
        #expect(live["monthly_now"] as? String == totals["min"] as? String)

        // Without an API key, --live says what to set.
        let missing = try CLI.run(["cost", "blueprints/qc-platform.yaml", "--env", "production", "--live"], environment: ["RENDER_API_KEY": ""])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("Error: RENDER_API_KEY is not set"), "\(missing.stderr)")
        #expect(!missing.stderr.contains("attempt"), "\(missing.stderr)")
    }

    @Test func aMissingSandboxIsAClearError() throws {
        let result = try CLI.run(["cost", "blueprints/qc-platform.yaml", "--env", "production", "--sandbox", "/nonexistent/ballast-sandbox"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("there is no sandbox in '/nonexistent/ballast-sandbox'"), "\(result.stderr)")
    }

    @Test func aFolderWithoutASandboxIsRefusedAndLeftAsItWas() throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try CLI.run(["cost", "blueprints/qc-platform.yaml", "--env", "production", "--sandbox", folder.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("there is no sandbox in"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty, "cost must not create a sandbox")
    }

    @Test func liveAndSandboxTogetherAreRefused() throws {
        let result = try CLI.run(["cost", "blueprints/qc-platform.yaml", "--env", "production", "--sandbox", "x", "--live"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("give one of them"), "\(result.stderr)")
    }
}
