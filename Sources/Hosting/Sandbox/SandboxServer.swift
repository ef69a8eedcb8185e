import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Serves a `Sandbox` over HTTP as Render's API at `/v1/...` (`ballast sandbox serve`), plus the
/// sandbox-only `POST /_sandbox/load`.
///
/// ```swift
/// let server = SandboxServer(sandbox: Sandbox(inMemory: SandboxOptions()), host: "127.0.0.1", port: 0,
///                            options: SandboxServerOptions(rateLimits: false))
/// let port = try await server.start()          // bound port (0 picks a free one)
/// // RENDER_API_URL=http://127.0.0.1:\(port)/v1
/// await server.stop()
/// ```
///
/// - Important: `run()` serves until its task is cancelled; `start()` runs it in the background and
///   returns once the port is bound; pair it with `stop()`. Either way the server stops gracefully: it
///   stops accepting, cuts the injected latency short (those requests are answered 503), lets the
///   responses in progress finish and closes every connection, within `shutdownLimit`.
public final class SandboxServer: Sendable {
    public let sandbox: Sandbox
    public let host: String
    public let port: Int
    public let options: SandboxServerOptions
    let logger: Logger
    private let handler: SandboxHTTPHandler
    private let recorder: SandboxRecorder?
    private let running = Locked<Task<Void, any Error>?>(nil)
    private let inFlight = Locked(0)

    /// How long a stop waits for the responses in progress before cancelling what is left.
    static let shutdownLimit: Duration = .seconds(10)

    /// Requests being handled now (for tests that stop the server mid-request).
    var requestsInFlight: Int { inFlight.withLock { $0 } }

    public init(sandbox: Sandbox, host: String = "127.0.0.1", port: Int = 10000, options: SandboxServerOptions = SandboxServerOptions(),
                logger: Logger? = nil) throws {
        self.sandbox = sandbox
        self.host = host
        self.port = port
        self.options = options
        var logger = logger ?? Logger(label: "ballast.sandbox")
        if logger.logLevel < .warning, ProcessInfo.processInfo.environment["LOG_LEVEL"] == nil { logger.logLevel = .warning }
        self.logger = logger
        self.handler = SandboxHTTPHandler(sandbox: sandbox, options: options)
        self.recorder = try options.recordPath.map { try SandboxRecorder(path: $0) }
    }

    /// Serves until the calling task is cancelled, then stops gracefully. `onRunning` gets the bound port.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let stopping = SandboxStopSignal()
        let responder = SandboxResponder(handler: handler, recorder: recorder, stopping: stopping, inFlight: inFlight)
        let listening = Locked(false)
        let app = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "ballast-sandbox"),
            onServerRunning: { channel in
                listening.withLock { $0 = true }
                await onRunning(channel.localAddress?.port ?? 0)
            },
            logger: logger)
        var configuration = ServiceGroupConfiguration(services: [app], logger: logger)
        configuration.maximumGracefulShutdownDuration = Self.shutdownLimit
        let group = ServiceGroup(configuration: configuration)
        // The group runs outside this task so that our cancellation does not reach it as cancellation:
        // cancelled, Hummingbird drops the connections NIO has accepted but it has not picked up yet, and
        // NIO traps on those ("Deinited NIOAsyncWriter without calling finish()"). A graceful shutdown
        // instead closes the listener and serves out every accepted connection.
        let serving = Task { try await group.run() }
        let (host, port) = (self.host, self.port)
        try await withTaskCancellationHandler {
            do {
                try await serving.value
            } catch where !listening.withLock({ $0 }) {
                // Failing before it listens is a bind failure (port taken, host not local): say where.
                throw SandboxServerError(message: "cannot listen on \(host):\(port): \(error)")
            }
        } onCancel: {
            stopping.trigger()
            Task { await group.triggerGracefulShutdown() }
        }
    }

    /// Starts serving in the background; returns the bound port.
    public func start() async throws -> Int {
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let task = Task {
            defer { continuation.finish() }
            try await self.run { port in continuation.yield(port) }
        }
        running.withLock { $0 = task }
        for await port in stream { return port }
        try await task.value
        throw SandboxServerError(message: "the sandbox server stopped before it was listening")
    }

    /// Stops a server started with `start()`, gracefully (see the type's notes); returns once it has stopped.
    public func stop() async {
        guard let task = running.withLock({ value -> Task<Void, any Error>? in
            defer { value = nil }
            return value
        }) else { return }
        task.cancel()
        _ = try? await task.value
    }
}

public struct SandboxServerError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

struct SandboxRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let closeConnection: @Sendable () -> Void

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        let channel = source.channel
        self.closeConnection = { channel.close(promise: nil) }
    }
}

struct SandboxResponder: HTTPResponder {
    typealias Context = SandboxRequestContext
    let handler: SandboxHTTPHandler
    let recorder: SandboxRecorder?
    let stopping: SandboxStopSignal
    let inFlight: Locked<Int>

    func respond(to request: Request, context: Context) async throws -> Response {
        inFlight.withLock { $0 += 1 }
        defer { inFlight.withLock { $0 -= 1 } }
        var request = request
        let buffer = try await request.collectBody(upTo: 4 * 1024 * 1024)
        let body = Data(buffer.readableBytesView)
        let headers = request.headers.map { ($0.name.rawName, $0.value) }
        let method = request.method.rawValue
        let path = request.uri.path
        let query = request.uri.query
        let outcome = await handler.handle(method: method, path: path, query: query, headers: headers, body: body, stopping: stopping)
        switch outcome {
        case .drop:
            recorder?.record(method: method, path: path, query: query, requestHeaders: headers, requestBody: body, status: nil,
                             responseHeaders: [], responseBody: nil)
            context.closeConnection()
            throw SandboxServerError(message: "connection dropped by fault injection")
        case .response(let status, var responseHeaders, let responseBody):
            responseHeaders.append(("Render-Request-Id", "req-\(SandboxIDs.random(20))"))
            recorder?.record(method: method, path: path, query: query, requestHeaders: headers, requestBody: body, status: status,
                             responseHeaders: responseHeaders, responseBody: responseBody)
            var fields = HTTPFields()
            for (name, value) in responseHeaders {
                // Our header names are all valid tokens; HTTPTypes is reached through Hummingbird's re-exports.
                fields.append(.init(name: .init(name) ?? .contentType, value: value))
            }
            var buffer = ByteBuffer()
            if let responseBody { buffer.writeBytes(responseBody) }
            return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: buffer))
        }
    }
}

/// A value behind a lock.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try lock.withLock { try body(&value) }
    }
}
