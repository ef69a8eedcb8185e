import TestSupport
import Foundation
import RedisClient
import Testing

/// `ballast metrics queue` and `ballast metrics query` as a user runs them: the built binary, its
/// output and its exit code.
@Suite("ballast metrics")
struct MetricsCommandTests {
    static func run(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await BallastBinary.run(arguments)
    }

    @Test func queueAsJSON() async throws {
        try requirePython(modules: ["bullmq"])
        let server = try await RedisServer()
        defer { server.stop() }
        let enqueuer = try ChildProcess.python("bullmq_enqueue.py", [server.url, "documents", "bull", "250", "3", "5"])
        defer { enqueuer.finish() }
        _ = try await enqueuer.readLine()

        let result = try await Self.run(["metrics", "queue", "--redis", server.url, "--kind", "bullmq", "--name", "documents", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try jsonObject(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(Set(object.keys) == ["depth", "active", "delayed", "oldest_age_seconds"])
        #expect(object["depth"] as? Int == 242)
        #expect(object["active"] as? Int == 5)
        #expect(object["delayed"] as? Int == 3)
        let age = try #require(object["oldest_age_seconds"] as? Double)
        #expect(age >= 0 && age < 120)

        // Celery records neither active nor delayed jobs, nor enqueue times: null, not 0.
        let celery = try await Self.run(["metrics", "queue", "--redis", server.url, "--kind", "celery", "--name", "documents", "--format", "json"])
        #expect(celery.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == #"{"depth": 0, "active": null, "delayed": null, "oldest_age_seconds": null}"#)
    }

    @Test func queueFailuresExitOneAndSayWhy() async throws {
        let port = try freePort()
        let down = try await Self.run(["metrics", "queue", "--redis", "redis://127.0.0.1:\(port)", "--kind", "rq", "--name", "default", "--format", "json"])
        #expect(down.status == 1)
        #expect(down.stdout.isEmpty)
        #expect(down.stderr.contains("rq rq:queue:default") && down.stderr.contains("127.0.0.1:\(port)"))

        let tls = try await Self.run(["metrics", "queue", "--redis", "rediss://:secret@cache:6380", "--kind", "bullmq", "--name", "q"])
        #expect(tls.status == 1)
        #expect(tls.stderr.contains("hiredis 0.14 has no TLS"))
        #expect(!tls.stderr.contains("secret"))
    }

    @Test func queryAgainstAPrometheusThatIsDown() async throws {
        let port = try freePort()
        let result = try await Self.run(["metrics", "query", "--prometheus", "http://127.0.0.1:\(port)", "--query", "up", "--format", "json"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("Prometheus query \"up\" at http://127.0.0.1:\(port)"))
    }
}
