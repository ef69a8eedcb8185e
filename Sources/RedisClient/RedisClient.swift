internal import CHiredis
import Dispatch
import Foundation

/// A connection to one Redis server through hiredis, usable from Swift concurrency.
///
/// Every call runs on the client's own serial dispatch queue, where hiredis's blocking calls are
/// made; callers `await` the result without blocking the cooperative thread pool. The connection is
/// made on first use, and remade after it breaks: each call tries up to `connectAttempts` times with
/// exponential backoff, and after a call gave up, further calls fail fast until the backoff has passed,
/// so a Redis outage costs a controller tick one timeout, not one per service.
///
/// ```swift
/// let redis = try RedisClient(url: "redis://127.0.0.1:6379/0")
/// try await redis.command(["SET", "ballast:lease", token, "NX", "PX", "15000"])
/// let replies = try await redis.pipeline([["LLEN", "queue:default"], ["LINDEX", "queue:default", "-1"]])
/// ```
///
/// - Important: Commands are not retried after the connection breaks mid-command unless the caller
///   says they are safe to repeat (`retryOnConnectionLoss: true`, for reads and idempotent scripts):
///   the server may have run a write whose reply was lost.
public final class RedisClient: @unchecked Sendable {
    // All mutable state below is touched only on `queue`.
    public let configuration: RedisConfiguration
    private let queue: DispatchQueue
    private var context: UnsafeMutablePointer<redisContext>?
    private var isClosed = false
    private var failedCalls = 0
    private var retryNotBefore: ContinuousClock.Instant?
    private var lastConnectError: RedisError?
    // Script SHAs by source, guarded by `scriptsLock` (read outside the queue).
    private let scriptsLock = NSLock()
    private var scriptSHAs: [String: String] = [:]

    public init(_ configuration: RedisConfiguration) {
        self.configuration = configuration
        self.queue = DispatchQueue(label: "ballast.redis.\(configuration.endpoint)")
    }

    /// A client for `redis://[user:password@]host:port/db`; see ``RedisConfiguration/init(url:)``.
    public convenience init(url: String) throws {
        try self.init(RedisConfiguration(url: url))
    }

    deinit {
        if let context { redisFree(context) }
    }

    /// Sends one command and waits for its reply.
    ///
    /// An error reply from the server is thrown as ``RedisError`` of kind `.server`, naming the command.
    @discardableResult
    public func command(_ arguments: [String], retryOnConnectionLoss: Bool = false) async throws -> RedisReply {
        precondition(!arguments.isEmpty, "a Redis command needs at least its name")
        let name = Self.commandName(arguments)
        return try await run(name: name, retry: retryOnConnectionLoss) { client, context in
            let reply = try client.roundTrip(context, arguments, name: name)
            if case .error(let message) = reply {
                throw RedisError(kind: .server, command: name, endpoint: client.configuration.endpoint, message: message)
            }
            return reply
        }
    }

    /// Sends several commands in one write and reads their replies in order: one round trip.
    ///
    /// Error replies come back as `.error` values in their place, so one failing command does not
    /// hide the others' results; connection problems are thrown.
    @discardableResult
    public func pipeline(_ commands: [[String]], retryOnConnectionLoss: Bool = false) async throws -> [RedisReply] {
        if commands.isEmpty { return [] }
        precondition(!commands.contains(where: \.isEmpty), "a Redis command needs at least its name")
        let name = "PIPELINE(" + commands.map { Self.commandName($0) }.joined(separator: ",") + ")"
        return try await run(name: name, retry: retryOnConnectionLoss) { client, context in
            try client.pipelined(context, commands, name: name)
        }
    }

    /// Runs a Lua script with `EVAL` (a convenience over `command`).
    @discardableResult
    public func eval(_ script: String, keys: [String] = [], arguments: [String] = [], retryOnConnectionLoss: Bool = false) async throws -> RedisReply {
        try await command(["EVAL", script, String(keys.count)] + keys + arguments, retryOnConnectionLoss: retryOnConnectionLoss)
    }

    /// Checks the connection with `PING`, connecting first if needed.
    public func ping() async throws {
        try await command(["PING"], retryOnConnectionLoss: true)
    }

    /// Closes the connection; later calls throw ``RedisError`` of kind `.closed`.
    public func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                self.isClosed = true
                self.disconnect()
                continuation.resume()
            }
        }
    }

    /// Whether a connection is currently open (it may still turn out to be broken on next use).
    public var isConnected: Bool {
        get async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                queue.async { continuation.resume(returning: self.context != nil) }
            }
        }
    }

    func scriptSHA(_ source: String) -> String? {
        scriptsLock.withLock { scriptSHAs[source] }
    }

    func rememberScriptSHA(_ sha: String, for source: String) {
        scriptsLock.withLock { scriptSHAs[source] = sha }
    }

    // MARK: - On the queue

    private func run<T: Sendable>(
        name: String, retry: Bool,
        _ body: @escaping @Sendable (RedisClient, UnsafeMutablePointer<redisContext>) throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            queue.async {
                continuation.resume(with: Result { try self.perform(name: name, retry: retry, body) })
            }
        }
    }

    private func perform<T>(
        name: String, retry: Bool, _ body: (RedisClient, UnsafeMutablePointer<redisContext>) throws -> T
    ) throws -> T {
        let context = try connectedContext(for: name)
        do {
            return try body(self, context)
        } catch let error as RedisError where error.kind == .connectionLost && retry {
            // A connection that was idle may have been closed by the server; one fresh try.
            return try body(self, try connectedContext(for: name))
        }
    }

    private func connectedContext(for name: String) throws -> UnsafeMutablePointer<redisContext> {
        if isClosed {
            throw RedisError(kind: .closed, command: name, endpoint: configuration.endpoint, message: "the client was closed")
        }
        if let context { return context }
        if let notBefore = retryNotBefore, ContinuousClock.now < notBefore, let last = lastConnectError {
            let wait = Self.seconds(notBefore - ContinuousClock.now)
            throw RedisError(
                kind: last.kind, command: name, endpoint: configuration.endpoint,
                message: "\(last.message) (not reconnecting for another \(String(format: "%.1f", wait)) s)")
        }
        var backoff = configuration.initialBackoff
        var attempt = 0
        while true {
            attempt += 1
            do {
                let context = try connect()
                self.context = context
                failedCalls = 0
                retryNotBefore = nil
                lastConnectError = nil
                return context
            } catch let error as RedisError where attempt < max(1, configuration.connectAttempts)
                && (error.kind == .connectionFailed || error.kind == .timeout || error.kind == .connectionLost) {
                Thread.sleep(forTimeInterval: Self.seconds(backoff))
                backoff = min(backoff * 2, configuration.maxBackoff)
            } catch let error as RedisError {
                failedCalls += 1
                let cooldown = min(configuration.initialBackoff * (1 << min(failedCalls, 16)), configuration.maxBackoff)
                retryNotBefore = ContinuousClock.now + cooldown
                lastConnectError = error
                throw RedisError(kind: error.kind, command: name == error.command ? name : "\(name) (\(error.command))",
                                 endpoint: error.endpoint, message: error.message)
            }
        }
    }

    /// Opens a connection, sets the command timeout, authenticates and selects the database.
    private func connect() throws -> UnsafeMutablePointer<redisContext> {
        let endpoint = configuration.endpoint
        guard let context = redisConnectWithTimeout(configuration.host, Int32(configuration.port), Self.makeTimeval(configuration.connectTimeout)) else {
            throw RedisError(kind: .connectionFailed, command: "CONNECT", endpoint: endpoint, message: "out of memory allocating the connection")
        }
        if context.pointee.err != 0 {
            let message = Self.errorString(context)
            redisFree(context)
            let timedOut = message.localizedCaseInsensitiveContains("timed out") || message.localizedCaseInsensitiveContains("temporarily unavailable")
            throw RedisError(kind: timedOut ? .timeout : .connectionFailed, command: "CONNECT", endpoint: endpoint,
                             message: timedOut ? "connect timed out after \(Self.format(configuration.connectTimeout))" : message)
        }
        guard redisSetTimeout(context, Self.makeTimeval(configuration.commandTimeout)) == REDIS_OK else {
            let message = Self.errorString(context)
            redisFree(context)
            throw RedisError(kind: .connectionFailed, command: "CONNECT", endpoint: endpoint, message: "could not set the socket timeout: \(message)")
        }
        do {
            if let password = configuration.password {
                let auth = ["AUTH"] + (configuration.username.map { [$0] } ?? []) + [password]
                if case .error(let message) = try roundTrip(context, auth, name: "AUTH", owned: false) {
                    throw RedisError(kind: .server, command: "AUTH", endpoint: endpoint, message: message)
                }
            }
            if configuration.database != 0 {
                if case .error(let message) = try roundTrip(context, ["SELECT", String(configuration.database)], name: "SELECT", owned: false) {
                    throw RedisError(kind: .server, command: "SELECT", endpoint: endpoint, message: message)
                }
            }
        } catch {
            redisFree(context)
            throw error
        }
        return context
    }

    /// One command on `context`. On an I/O error the connection is dropped (if it is ours) and the error thrown.
    private func roundTrip(_ context: UnsafeMutablePointer<redisContext>, _ arguments: [String], name: String, owned: Bool = true) throws -> RedisReply {
        let raw = Self.withArgv(arguments) { argc, argv, lengths in
            redisCommandArgv(context, argc, argv, lengths)
        }
        guard let raw else { throw ioError(context, name: name, owned: owned) }
        defer { freeReplyObject(raw) }
        return Self.convert(raw.assumingMemoryBound(to: redisReply.self))
    }

    private func pipelined(_ context: UnsafeMutablePointer<redisContext>, _ commands: [[String]], name: String) throws -> [RedisReply] {
        for arguments in commands {
            let status = Self.withArgv(arguments) { argc, argv, lengths in
                redisAppendCommandArgv(context, argc, argv, lengths)
            }
            guard status == REDIS_OK else { throw ioError(context, name: name, owned: true) }
        }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
                throw ioError(context, name: name, owned: true)
            }
            replies.append(Self.convert(raw.assumingMemoryBound(to: redisReply.self)))
            freeReplyObject(raw)
        }
        return replies
    }

    /// Describes the context's error and, for a connection we own, drops it: after an I/O error or
    /// a timeout hiredis's stream is out of step with the server and cannot be reused.
    private func ioError(_ context: UnsafeMutablePointer<redisContext>, name: String, owned: Bool) -> RedisError {
        let code = context.pointee.err
        let text = Self.errorString(context)
        if owned { disconnect() }
        let endpoint = configuration.endpoint
        if code == REDIS_ERR_IO && (text.localizedCaseInsensitiveContains("temporarily unavailable") || text.localizedCaseInsensitiveContains("timed out")) {
            return RedisError(kind: .timeout, command: name, endpoint: endpoint, message: "no reply within \(Self.format(configuration.commandTimeout))")
        }
        if code == REDIS_ERR_PROTOCOL {
            return RedisError(kind: .protocolError, command: name, endpoint: endpoint, message: text)
        }
        if code == REDIS_ERR_EOF {
            return RedisError(kind: .connectionLost, command: name, endpoint: endpoint, message: "the server closed the connection")
        }
        return RedisError(kind: .connectionLost, command: name, endpoint: endpoint, message: text.isEmpty ? "I/O error" : text)
    }

    private func disconnect() {
        if let context {
            redisFree(context)
            self.context = nil
        }
    }

    // MARK: - C boundary

    private static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STRING:
            return .bulk(bytes(r.str, r.len))
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: bytes(r.str, r.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: bytes(r.str, r.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(Int(r.integer))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            elements.reserveCapacity(r.elements)
            for index in 0..<r.elements {
                if let element = r.element[index] { elements.append(convert(element)) } else { elements.append(.null) }
            }
            return .array(elements)
        default:
            return .null
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ count: Int) -> [UInt8] {
        guard let pointer, count > 0 else { return [] }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: count) { Array(UnsafeBufferPointer(start: $0, count: count)) }
    }

    /// Passes the arguments to hiredis as binary-safe (pointer, length) pairs into one buffer.
    private static func withArgv<R>(_ arguments: [String], _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R) -> R {
        var buffer: [CChar] = []
        var offsets: [Int] = []
        var lengths: [Int] = []
        for argument in arguments {
            offsets.append(buffer.count)
            let utf8 = argument.utf8
            lengths.append(utf8.count)
            buffer.append(contentsOf: utf8.map { CChar(bitPattern: $0) })
        }
        buffer.append(0)  // never empty, so the base address exists even for empty arguments
        return buffer.withUnsafeBufferPointer { storage in
            let base = storage.baseAddress!
            var pointers: [UnsafePointer<CChar>?] = offsets.map { base + $0 }
            return pointers.withUnsafeMutableBufferPointer { argv in
                lengths.withUnsafeBufferPointer { lengthsBuffer in
                    body(Int32(arguments.count), argv.baseAddress!, lengthsBuffer.baseAddress!)
                }
            }
        }
    }

    private static func errorString(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    private static func makeTimeval(_ duration: Duration) -> timeval {
        let (seconds, attoseconds) = duration.components
        return timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    private static func format(_ duration: Duration) -> String {
        String(format: "%.1f s", seconds(duration))
    }

    /// The command's name for messages: `EVAL`, `SET`, `XADD`… and never its arguments.
    static func commandName(_ arguments: [String]) -> String {
        arguments.first?.uppercased() ?? "?"
    }
}
