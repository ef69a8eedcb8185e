import TestSupport
import Foundation
import RedisClient
import Testing

@Suite("RedisClient against a real redis-server")
struct RedisClientTests {
    struct URLCase: Sendable, CustomTestStringConvertible {
        var url: String
        var host: String
        var port: Int
        var username: String?
        var password: String?
        var database: Int
        var testDescription: String { url }
    }

    @Test(arguments: [
        URLCase(url: "redis://127.0.0.1:6379", host: "127.0.0.1", port: 6379, database: 0),
        URLCase(url: "redis://localhost", host: "localhost", port: 6379, database: 0),
        URLCase(url: "redis://cache.internal:6380/3", host: "cache.internal", port: 6380, database: 3),
        URLCase(url: "redis://:s3cret@h:1/2", host: "h", port: 1, password: "s3cret", database: 2),
        URLCase(url: "redis://app:p%40ss%3Aword@h:7000/0", host: "h", port: 7000, username: "app", password: "p@ss:word", database: 0),
        URLCase(url: "redis://justpassword@h", host: "h", port: 6379, password: "justpassword", database: 0),
        URLCase(url: "redis://[::1]:6390?db=4", host: "::1", port: 6390, database: 4),
    ])
    func parsesURLs(_ c: URLCase) throws {
        let config = try RedisConfiguration(url: c.url)
        #expect(config.host == c.host)
        #expect(config.port == c.port)
        #expect(config.username == c.username)
        #expect(config.password == c.password)
        #expect(config.database == c.database)
        #expect(!config.description.contains("s3cret") && !config.description.contains("p@ss"))
    }

    @Test(arguments: ["http://h:6379", "redis://", "redis://h:6379/x", "redis://h/1?bogus=1"])
    func rejectsBadURLs(_ url: String) {
        #expect(throws: RedisError.self) { try RedisConfiguration(url: url) }
    }

    @Test func refusesTLSClearly() throws {
        let error = try #require(throws: RedisError.self) { try RedisConfiguration(url: "rediss://:hunter2@cache:6380") }
        #expect(error.kind == .tlsUnsupported)
        #expect(error.description.contains("hiredis 0.14 has no TLS"))
        #expect(!error.description.contains("hunter2"))
    }

    @Test func mapsEveryReplyType() async throws {
        let server = try await RedisServer()
        defer { server.stop() }
        let redis = try RedisClient(url: server.url)
        #expect(try await redis.command(["PING"]) == .status("PONG"))
        #expect(try await redis.command(["SET", "lease", "token-1", "NX", "PX", "15000"]) == .status("OK"))
        #expect(try await redis.command(["SET", "lease", "token-2", "NX", "PX", "15000"]) == .null)
        #expect(try await redis.command(["GET", "lease"]).string == "token-1")
        #expect(try await redis.command(["GET", "missing"]) == .null)
        #expect(try await redis.command(["INCR", "n"]) == .integer(1))
        #expect(try await redis.command(["HSET", "h", "a", "1", "b", "two"]) == .integer(2))
        #expect(try await redis.command(["HGET", "h", "b"]).string == "two")
        // Binary-safe arguments: NUL and non-ASCII bytes survive the trip.
        try await redis.command(["SET", "bin", "a\u{0}b\u{06}\u{16}é"])
        #expect(try await redis.command(["GET", "bin"]).string == "a\u{0}b\u{06}\u{16}é")
        try await redis.command(["SET", "empty", ""])
        #expect(try await redis.command(["GET", "empty"]) == .bulk([]))
        // Nested arrays, nil inside arrays, and integers from Lua.
        let reply = try await redis.eval("return {1, 'two', {3}, false}", keys: [])
        #expect(reply == .array([.integer(1), .string("two"), .array([.integer(3)]), .null]))
        // Streams, as the controller's journal will use them.
        for i in 0..<5 { try await redis.command(["XADD", "journal", "MAXLEN", "~", "1000", "*", "n", String(i)]) }
        let entries = try #require(try await redis.command(["XRANGE", "journal", "-", "+", "COUNT", "2"]).array)
        #expect(entries.count == 2)
        #expect(entries[0].array?[1] == .array([.string("n"), .string("0")]))
        await redis.close()
    }

    @Test func errorRepliesNameTheCommand() async throws {
        let server = try await RedisServer()
        defer { server.stop() }
        let redis = try RedisClient(url: server.url)
        try await redis.command(["SET", "s", "x"])
        let error = try await #require(throws: RedisError.self) { try await redis.command(["LLEN", "s"]) }
        #expect(error.kind == .server)
        #expect(error.command == "LLEN")
        #expect(error.description.contains("LLEN on 127.0.0.1:\(server.port) failed: WRONGTYPE"))
        // The connection is still usable after an error reply.
        #expect(try await redis.command(["GET", "s"]).string == "x")
    }

    @Test func pipelinesInOrderWithErrorsAsValues() async throws {
        let server = try await RedisServer()
        defer { server.stop() }
        let redis = try RedisClient(url: server.url)
        var commands = (0..<1000).map { ["RPUSH", "l", String($0)] }
        commands.append(["LLEN", "l"])
        commands.append(["HGET", "l", "x"])  // WRONGTYPE, in its place
        commands.append(["LINDEX", "l", "-1"])
        let replies = try await redis.pipeline(commands)
        #expect(replies.count == 1003)
        #expect(replies[0] == .integer(1))
        #expect(replies[999] == .integer(1000))
        #expect(replies[1000] == .integer(1000))
        #expect(replies[1001].errorMessage?.hasPrefix("WRONGTYPE") == true)
        #expect(replies[1002].string == "999")
        #expect(try await redis.pipeline([]) == [])
    }

    @Test func authenticatesAndSelectsTheDatabase() async throws {
        let server = try await RedisServer(password: "correct horse")
        defer { server.stop() }
        let db3 = try RedisClient(url: "redis://:correct%20horse@127.0.0.1:\(server.port)/3")
        try await db3.command(["SET", "where", "db3"])
        let db0 = try RedisClient(url: "redis://:correct%20horse@127.0.0.1:\(server.port)/0")
        #expect(try await db0.command(["GET", "where"]) == .null)
        #expect(try await db3.command(["GET", "where"]).string == "db3")

        let wrong = try RedisClient(url: "redis://:battery%20staple@127.0.0.1:\(server.port)/0")
        let error = try await #require(throws: RedisError.self) { try await wrong.command(["GET", "where"]) }
        #expect(error.kind == .server)
        #expect(error.description.contains("AUTH"))
        #expect(!error.description.contains("battery"))

        let none = try RedisClient(url: "redis://127.0.0.1:\(server.port)/0")
        let noAuth = try await #require(throws: RedisError.self) { try await none.command(["GET", "where"]) }
        #expect(noAuth.description.contains("NOAUTH"))
    }

    @Test func timesOutOnAServerThatNeverAnswers() async throws {
        try requirePython(modules: ["socket"])
        let silent = try ChildProcess.python("silent_server.py", [])
        defer { silent.finish() }
        let port = try #require(Int(try await silent.readLine(timeout: 20)))
        let redis = RedisClient(RedisConfiguration(port: port, commandTimeout: .milliseconds(500), connectAttempts: 1))
        let started = ContinuousClock.now
        let error = try await #require(throws: RedisError.self) { try await redis.command(["GET", "k"]) }
        #expect(error.kind == .timeout)
        #expect(error.command == "GET")
        #expect(error.description.contains("no reply within 0.5 s"))
        #expect(ContinuousClock.now - started < .seconds(5), "the 0.5 s timeout bounds the call (slack for a loaded machine)")
    }

    @Test func failsFastWhileRedisIsDownAndReconnectsWhenItIsBack() async throws {
        let server = try await RedisServer()
        // One attempt per call; after a failed call, 2 s (initial backoff doubled) without trying.
        let redis = RedisClient(RedisConfiguration(port: server.port, connectTimeout: .milliseconds(300), connectAttempts: 1,
                                                   initialBackoff: .seconds(1), maxBackoff: .seconds(4)))
        try await redis.command(["SET", "k", "v"])
        server.stop()

        let lost = try await #require(throws: RedisError.self) { try await redis.command(["GET", "k"], retryOnConnectionLoss: true) }
        #expect(lost.kind == .connectionFailed || lost.kind == .connectionLost)
        #expect(lost.description.contains("GET"))
        // Within the backoff window the next call fails without trying to connect, saying so.
        let fast = try await #require(throws: RedisError.self) { try await redis.command(["GET", "k"]) }
        #expect(fast.message.contains("not reconnecting for another"))

        try await server.start()
        try await Task.sleep(for: .milliseconds(2100))
        try await redis.command(["SET", "k", "back"])
        #expect(try await redis.command(["GET", "k"]).string == "back")
        server.stop()
    }

    @Test func scriptsRunBySHAAndSurviveAFlush() async throws {
        let server = try await RedisServer()
        defer { server.stop() }
        let redis = try RedisClient(url: server.url)
        let script = RedisScript("return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}")
        #expect(try await redis.run(script, keys: ["n"], arguments: ["a"]) == .array([.string("n"), .string("a"), .integer(1)]))
        #expect(try await redis.run(script, keys: ["n"], arguments: ["b"]) == .array([.string("n"), .string("b"), .integer(2)]))
        try await redis.command(["SCRIPT", "FLUSH"])
        #expect(try await redis.run(script, keys: ["n"], arguments: ["c"]).array?.last == .integer(3))
        let broken = RedisScript("return redis.call('LLEN', KEYS[1])")
        try await redis.command(["SET", "s", "x"])
        let error = try await #require(throws: RedisError.self) { try await redis.run(broken, keys: ["s"]) }
        #expect(error.command == "EVAL" && error.message.contains("WRONGTYPE"))
        let again = try await #require(throws: RedisError.self) { try await redis.run(broken, keys: ["s"]) }
        #expect(again.command == "EVALSHA")
    }

    @Test func refusedConnectionsSayWhere() async throws {
        let port = try freePort()
        let redis = RedisClient(RedisConfiguration(port: port, connectAttempts: 1))
        let error = try await #require(throws: RedisError.self) { try await redis.ping() }
        #expect(error.kind == .connectionFailed)
        #expect(error.description.contains("127.0.0.1:\(port)"))
        #expect(error.description.lowercased().contains("refused"))
    }

    @Test func servesConcurrentCallers() async throws {
        let server = try await RedisServer()
        defer { server.stop() }
        let redis = try RedisClient(url: server.url)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<50 { group.addTask { try await redis.command(["INCR", "hits"]) } }
            try await group.waitForAll()
        }
        #expect(try await redis.command(["GET", "hits"]).int == 50)
    }
}
