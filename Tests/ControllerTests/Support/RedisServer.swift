import Foundation
import RedisClient

/// A `redis-server` started by a test on a free port with no persistence, stopped by `stop()`.
final class RedisServer: @unchecked Sendable {
    static let binary = "/usr/bin/redis-server"
    let port: Int
    let password: String?
    private var child: ChildProcess?

    init(port: Int? = nil, password: String? = nil) async throws {
        try requireExecutable(Self.binary, hint: "install Debian's redis-server (apt-get install redis-server)")
        self.port = try port ?? freePort()
        self.password = password
        try await start()
    }

    var url: String {
        password.map { "redis://:\($0)@127.0.0.1:\(port)/0" } ?? "redis://127.0.0.1:\(port)/0"
    }

    func start() async throws {
        var arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        if let password { arguments += ["--requirepass", password] }
        child = try ChildProcess(Self.binary, arguments, name: "redis-server")
        // Ready when PING answers.
        let probe = RedisClient(RedisConfiguration(port: port, password: password, connectTimeout: .milliseconds(200), connectAttempts: 1, maxBackoff: .milliseconds(1)))
        defer { Task { await probe.close() } }
        let deadline = Date().addingTimeInterval(10)
        while true {
            do {
                try await probe.ping()
                return
            } catch {
                if Date() > deadline { throw HarnessError("redis-server on port \(port) did not answer PING within 10 s: \(error)") }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    func stop() {
        child?.stop()
        child = nil
    }

    deinit { stop() }
}
