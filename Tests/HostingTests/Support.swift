import Foundation
import Hosting
import Logging
import Testing

/// A sandbox served over real HTTP on a free loopback port, and a `RenderProvider` pointed at it.
struct ServedSandbox {
    let sandbox: Sandbox
    let server: SandboxServer
    let port: Int

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    static func start(sandbox: Sandbox = Sandbox(inMemory: SandboxOptions()), options: SandboxServerOptions = SandboxServerOptions(rateLimits: false))
        async throws -> ServedSandbox {
        let server = try SandboxServer(sandbox: sandbox, host: "127.0.0.1", port: 0, options: options)
        let port = try await server.start()
        return ServedSandbox(sandbox: sandbox, server: server, port: port)
    }

    func provider(timeout: TimeInterval = 10, retry: RetryPolicy = RetryPolicy(maxAttempts: 6, baseDelay: 0.01, maxDelay: 0.2),
                  rateLimits: RenderRateLimits? = nil, clock: any HostingClock = SystemHostingClock()) throws -> RenderProvider {
        var configuration = try RenderClientConfiguration(baseURL: baseURL, apiKey: "rnd_test_secret_key")
        configuration.timeout = timeout
        configuration.retry = retry
        configuration.rateLimits = rateLimits
        return RenderProvider(configuration: configuration, transport: URLSessionTransport(), clock: clock)
    }

    func stop() async {
        await server.stop()
    }

    /// A raw request, for what the typed client cannot send.
    func raw(_ method: String, _ path: String, body: String? = nil, authorized: Bool = true) async throws -> TransportResponse {
        var headers = ["Content-Type": "application/json", "Accept": "application/json"]
        if authorized { headers["Authorization"] = "Bearer rnd_test_secret_key" }
        let request = TransportRequest(method: method, url: URL(string: "http://127.0.0.1:\(port)\(path)")!, headers: headers,
                                       body: body.map { Data($0.utf8) }, timeout: 10)
        return try await URLSessionTransport().send(request)
    }
}

/// The repository root and the shared material beside it, from this file's path.
enum Paths {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shared = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
}

/// A fresh temporary directory.
func temporaryDirectory(_ name: String = "hosting") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ballast-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A JSON response for closure transports.
func jsonResponse(_ status: Int, _ body: String, headers: [String: String] = [:]) -> TransportResponse {
    TransportResponse(status: status, headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a }, body: Data(body.utf8))
}

/// Counts calls and hands out scripted responses (the last one repeats).
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var script: [@Sendable (TransportRequest) throws -> TransportResponse]
    private(set) var requests: [TransportRequest] = []

    init(_ script: [@Sendable (TransportRequest) throws -> TransportResponse]) {
        self.script = script
    }

    var count: Int { lock.withLock { requests.count } }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        let step: @Sendable (TransportRequest) throws -> TransportResponse = lock.withLock {
            requests.append(request)
            return script.count > 1 ? script.removeFirst() : script[0]
        }
        return try step(request)
    }
}

func makeProvider(_ transport: any HTTPTransport, clock: ManualHostingClock = ManualHostingClock(),
                  retry: RetryPolicy = RetryPolicy(), rateLimits: RenderRateLimits? = nil) throws -> RenderProvider {
    var configuration = try RenderClientConfiguration(baseURL: "https://api.render.com/v1", apiKey: "rnd_secret_key_123")
    configuration.retry = retry
    configuration.rateLimits = rateLimits
    return RenderProvider(configuration: configuration, transport: transport, clock: clock)
}
