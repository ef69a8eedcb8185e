import Foundation
import RedisClient

/// A `redis-server` started by a test on a free port with no persistence, stopped by `stop()`.
public final class RedisServer: @unchecked Sendable {
    public static let binary = "/usr/bin/redis-server"
    public private(set) var port: Int
    public let password: String?
    private var child: ChildProcess?

    /// Starts a server; on a port taken meanwhile by another test, tries again on another free port.
    public init(password: String? = nil) async throws {
        try requireExecutable(Self.binary, hint: "install Debian's redis-server (apt-get install redis-server)")
        self.port = try freePort()
        self.password = password
        var attempt = 0
        while true {
            attempt += 1
            do {
                try await start()
                return
            } catch is PortTaken where attempt < 5 {
                port = try freePort()
            }
        }
    }

    struct PortTaken: Error {}

    public var url: String {
        password.map { "redis://:\($0)@127.0.0.1:\(port)/0" } ?? "redis://127.0.0.1:\(port)/0"
    }

    public func start() async throws {
        var arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"]
        if let password { arguments += ["--requirepass", password] }
        child = try ChildProcess(Self.binary, arguments, name: "redis-server")
        // Ready when PING answers.
        let probe = RedisClient(RedisConfiguration(port: port, password: password, connectTimeout: .milliseconds(200), connectAttempts: 1, maxBackoff: .milliseconds(1)))
        defer { Task { await probe.close() } }
        let deadline = Date().addingTimeInterval(30)
        while true {
            do {
                try await probe.ping()
                return
            } catch {
                if let child, !child.process.isRunning {
                    self.child = nil
                    throw PortTaken()  // most likely "Address already in use"
                }
                if Date() > deadline { throw HarnessError("redis-server on port \(port) did not answer PING within 30 s: \(error)") }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    public func stop() {
        child?.stop()
        child = nil
    }

    deinit { stop() }
}
