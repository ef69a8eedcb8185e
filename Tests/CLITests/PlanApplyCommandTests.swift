import Foundation
import Hosting
import RedisClient
import TestSupport
import Testing

/// `ballast plan` and `ballast apply` as a user runs them, against a sandbox folder: exit codes,
/// stale plan files, guardrails, the state in Redis, and applying a refresh-only plan.
@Suite("plan and apply commands", .serialized)
struct PlanApplyCommandTests {
    static let secrets = ["DATABASE_URL": "postgres://app:s3cret-db@db.example/app", "REDIS_URL": "redis://:s3cret-kv@kv.example:6379",
                          "OPENAI_API_KEY": "sk-test-s3cret"]
    static let example = ["blueprints/qc-platform.yaml", "--env", "production"]

    /// A fresh sandbox folder and state file in a temporary folder.
    struct Workspace {
        let folder: URL
        var sandbox: String { folder.appendingPathComponent("sandbox").path }
        var state: String { folder.appendingPathComponent("state.json").path }
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("ballast-plan-cli-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }

        func remove() { try? FileManager.default.removeItem(at: folder) }

        /// `ballast <command> <example> --sandbox … --state …` with the secrets in the environment.
        func run(_ command: String, _ extra: [String] = [], blueprint: [String] = PlanApplyCommandTests.example,
                 state: String? = nil, environment: [String: String] = [:]) async throws -> (status: Int32, stdout: String, stderr: String) {
            try await BallastBinary.run([command] + blueprint + ["--sandbox", sandbox, "--state", state ?? self.state] + extra,
                                        environment: PlanApplyCommandTests.secrets.merging(environment) { $1 })
        }
    }

    @Test("plan --detailed-exitcode: 2 with changes, 0 after apply; secrets never printed")
    func detailedExitCodes() async throws {
        let work = try Workspace()
        defer { work.remove() }
        let before = try await work.run("plan", ["--detailed-exitcode", "--allow-cost-increase"])
        #expect(before.status == 2, "\(before.stderr)")
        #expect(before.stdout.contains("Plan: 4 to add, 0 to change, 0 to destroy."))

        let apply = try await work.run("apply", ["--auto-approve", "--allow-cost-increase"])
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout.contains("Apply complete! Resources: 4 added, 0 changed, 0 destroyed."))

        let after = try await work.run("plan", ["--detailed-exitcode"])
        #expect(after.status == 0, "\(after.stdout)\(after.stderr)")
        #expect(after.stdout.hasPrefix("No changes."))
        let state = try String(contentsOfFile: work.state, encoding: .utf8)
        for output in [before.stdout, apply.stdout, after.stdout, state] { #expect(!output.contains("s3cret")) }
    }

    @Test("plan --detailed-exitcode exits 1 on a blueprint that does not resolve, a Redis state or an API it cannot reach")
    func errorsExitOne() async throws {
        let work = try Workspace()
        defer { work.remove() }
        let bad = try await work.run("plan", ["--detailed-exitcode"], blueprint: ["Tests/BlueprintTests/Fixtures/bad/unknown-keys.yaml", "--env", "production"])
        #expect(bad.status == 1, "\(bad.stdout)\(bad.stderr)")
        #expect(bad.stderr.contains("Error: "))

        let unknownEnv = try await work.run("plan", ["--detailed-exitcode"], blueprint: ["blueprints/qc-platform.yaml", "--env", "staging"])
        #expect(unknownEnv.status == 1, "\(unknownEnv.stdout)\(unknownEnv.stderr)")

        // A Redis state where nothing listens.
        let noRedis = try await work.run("plan", ["--detailed-exitcode"], state: "redis://127.0.0.1:\(try freePort())/0")
        #expect(noRedis.status == 1, "\(noRedis.stdout)\(noRedis.stderr)")
        #expect(noRedis.stderr.contains("read-state redis://127.0.0.1:"), "\(noRedis.stderr)")
        #expect(noRedis.stderr.contains("Planning failed."))

        // No sandbox: the Render API at an address where nothing listens.
        let port = try freePort()
        let unreachable = try await BallastBinary.run(["plan"] + Self.example + ["--state", work.state, "--detailed-exitcode"],
                                                      environment: Self.secrets.merging(["RENDER_API_URL": "http://127.0.0.1:\(port)/v1",
                                                                                         "RENDER_API_KEY": "rnd_test_key"]) { $1 })
        #expect(unreachable.status == 1, "\(unreachable.stdout)\(unreachable.stderr)")
        #expect(unreachable.stderr.contains("Planning failed."))
        #expect(unreachable.stderr.contains("127.0.0.1"))
        #expect(!unreachable.stderr.contains("rnd_test_key"))
    }

    @Test("a saved plan is refused with exit 1 once the state or the actual resources moved")
    func stalePlanRefused() async throws {
        let work = try Workspace()
        defer { work.remove() }
        let saved = try await work.run("plan", ["--allow-cost-increase", "--out", work.path("first.json")])
        #expect(saved.status == 0, "\(saved.stderr)")
        #expect(saved.stdout.contains("ballast apply \"\(work.path("first.json"))\""))
        let apply = try await work.run("apply", ["--auto-approve", "--allow-cost-increase"])
        #expect(apply.status == 0, "\(apply.stderr)")

        let stale = try await BallastBinary.run(["apply", work.path("first.json")], environment: Self.secrets)
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("Saved plan is stale"), "\(stale.stderr)")
        #expect(stale.stderr.contains("can no longer be applied. Run `ballast plan` again."))
        #expect(!stale.stdout.contains("Apply complete"))

        // A plan made now, then a change made outside Ballast: stale because the actual resources moved.
        let second = try await work.run("plan", ["--out", work.path("second.json")])
        #expect(second.status == 0, "\(second.stderr)")
        let sandbox = try Sandbox(directory: work.sandbox)
        let worker = try #require(try await sandbox.listServices().first { $0.name == "worker" })
        _ = try await sandbox.updateService(id: worker.id, ServiceUpdate(plan: "pro"))
        let moved = try await BallastBinary.run(["apply", work.path("second.json")], environment: Self.secrets)
        #expect(moved.status == 1)
        #expect(moved.stderr.contains("Saved plan is stale: the actual resources changed since the plan was created."), "\(moved.stderr)")
    }

    @Test("a broken guardrail fails the plan naming the rule and the resource")
    func guardrailViolation() async throws {
        let work = try Workspace()
        defer { work.remove() }
        let cost = try await work.run("plan", ["--detailed-exitcode"])
        #expect(cost.status == 1)
        #expect(cost.stdout.contains("Error: guardrail cost-increase broken by service.backend-api"), "\(cost.stdout)")
        #expect(cost.stdout.contains("--allow-cost-increase"))
        #expect(!FileManager.default.fileExists(atPath: work.state))

        let blueprint = work.path("tiny.yaml")
        try """
        version: 1
        project: tiny
        provider:
          render: { owner: tea-tiny0000000000000001, region: oregon }
        environments:
          production:
            guardrails: [production-safety]
        services:
          storefront:
            type: web
            runtime: node
            plan: starter
            instances: 1
            healthCheckPath: /health
        """.write(toFile: blueprint, atomically: true, encoding: .utf8)
        let json = try await work.run("plan", ["--format", "json", "--policies", "policies"], blueprint: [blueprint, "--env", "production"])
        #expect(json.status == 1)
        #expect(json.stderr.contains("Error: guardrail web-min-2 broken by service.storefront"), "\(json.stdout)\(json.stderr)")
        let saved = try await work.run("plan", ["--policies", "policies", "--out", work.path("tiny-plan.json")], blueprint: [blueprint, "--env", "production"])
        #expect(saved.status == 1)
        #expect(!FileManager.default.fileExists(atPath: work.path("tiny-plan.json")))
    }

    @Test("plan --refresh-only --out, then apply it: the drift is recorded in the state and nothing changes on the hosting side")
    func refreshOnlyApply() async throws {
        let work = try Workspace()
        defer { work.remove() }
        let apply = try await work.run("apply", ["--auto-approve", "--allow-cost-increase"])
        #expect(apply.status == 0, "\(apply.stderr)")
        let sandbox = try Sandbox(directory: work.sandbox)
        let worker = try #require(try await sandbox.listServices().first { $0.name == "worker" })
        _ = try await sandbox.updateService(id: worker.id, ServiceUpdate(plan: "pro"))
        let changed = try await sandbox.listServices()
        let serialBefore = try Self.stateSerial(work.state)

        let drift = try await work.run("plan", ["--refresh-only", "--detailed-exitcode", "--out", work.path("drift.json")])
        #expect(drift.status == 2, "\(drift.stderr)")
        #expect(drift.stdout.contains("service.worker"))
        #expect(drift.stdout.contains("has changed outside Ballast"), "\(drift.stdout)")

        let recorded = try await BallastBinary.run(["apply", work.path("drift.json")], environment: Self.secrets)
        #expect(recorded.status == 0, "\(recorded.stdout)\(recorded.stderr)")
        #expect(recorded.stdout.contains("Recorded the drift of 1 resource in the state"), "\(recorded.stdout)")
        #expect(recorded.stdout.contains("Apply complete! Resources: 0 added, 0 changed, 0 destroyed."))
        #expect(try await Sandbox(directory: work.sandbox).listServices() == changed)
        #expect(try Self.stateSerial(work.state) == serialBefore + 1)
        let state = try String(contentsOfFile: work.state, encoding: .utf8)
        #expect(!state.contains("s3cret"))

        let again = try await work.run("plan", ["--refresh-only", "--detailed-exitcode"])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        // The blueprint still says otherwise: a normal plan puts it back.
        let normal = try await work.run("plan", ["--detailed-exitcode"])
        #expect(normal.status == 2)
        #expect(normal.stdout.contains("\"pro\" -> "), "\(normal.stdout)")
        // The drift file was applied; applying it again is refused as stale.
        let twice = try await BallastBinary.run(["apply", work.path("drift.json")], environment: Self.secrets)
        #expect(twice.status == 1)
        #expect(twice.stderr.contains("Saved plan is stale"))
    }

    @Test("--state redis://: apply then plan converges, the lock names its holder, and a plan file keeps no password")
    func redisState() async throws {
        let server = try await RedisServer(password: "pw-s3cret")
        defer { server.stop() }
        let work = try Workspace()
        defer { work.remove() }
        let url = "redis://:pw-s3cret@127.0.0.1:\(server.port)/3"

        let apply = try await work.run("apply", ["--auto-approve", "--allow-cost-increase"], state: url)
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        #expect(apply.stdout.contains("Apply complete! Resources: 4 added, 0 changed, 0 destroyed."))
        let plan = try await work.run("plan", ["--detailed-exitcode"], state: url)
        #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
        #expect(plan.stdout.hasPrefix("No changes."))
        #expect(!FileManager.default.fileExists(atPath: work.state))

        let redis = try RedisClient(url: url)
        let document = try await redis.command(["HGET", "ballast:qc-platform:production:state", "document"]).string ?? ""
        #expect(document.contains("\"lineage\""))
        #expect(document.contains("srv-"))
        #expect(!document.contains("s3cret"))

        // Another apply holds the lock: this one fails naming it.
        let holder = #"{"created":"2026-11-30T05:00:00Z","host":"runner-7","id":"lock-held-by-ci","operation":"apply","path":"elsewhere","pid":1,"who":"ci@runner-7"}"#
        try await redis.command(["SET", "ballast:qc-platform:production:state:lock", holder, "PX", "60000"])
        let blocked = try await work.run("apply", ["--auto-approve"], state: url)
        #expect(blocked.status == 1)
        #expect(blocked.stderr.contains("Error acquiring the state lock"), "\(blocked.stderr)")
        #expect(blocked.stderr.contains("ID:        lock-held-by-ci"))
        #expect(blocked.stderr.contains("Who:       ci@runner-7"))
        #expect(!blocked.stderr.contains("pw-s3cret"))
        try await redis.command(["DEL", "ballast:qc-platform:production:state:lock"])

        // A plan file made against Redis keeps the URL without its password: apply needs --state again.
        let sandbox = try Sandbox(directory: work.sandbox)
        let worker = try #require(try await sandbox.listServices().first { $0.name == "worker" })
        _ = try await sandbox.updateService(id: worker.id, ServiceUpdate(plan: "pro"))
        let saved = try await work.run("plan", ["--out", work.path("plan.json")], state: url)
        #expect(saved.status == 0, "\(saved.stderr)")
        let file = try String(contentsOfFile: work.path("plan.json"), encoding: .utf8)
        #expect(!file.contains("pw-s3cret"))
        #expect(file.contains("redis://:***@127.0.0.1:\(server.port)/3"))
        let withoutPassword = try await BallastBinary.run(["apply", work.path("plan.json")], environment: Self.secrets)
        #expect(withoutPassword.status == 1)
        #expect(withoutPassword.stderr.contains("pass it again with --state"), "\(withoutPassword.stderr)")
        let applied = try await BallastBinary.run(["apply", work.path("plan.json"), "--state", url], environment: Self.secrets)
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        #expect(applied.stdout.contains("Apply complete! Resources: 0 added, 1 changed, 0 destroyed."), "\(applied.stdout)")
        let converged = try await work.run("plan", ["--detailed-exitcode"], state: url)
        #expect(converged.status == 0, "\(converged.stdout)")
        #expect(try await redis.command(["EXISTS", "ballast:qc-platform:production:state:lock"]).int == 0)
    }

    static func stateSerial(_ path: String) throws -> Int {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        return try #require(object?["serial"] as? Int)
    }
}
