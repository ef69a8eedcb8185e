import Foundation
import Hosting
import Testing

/// The client's pacing end to end: a burst larger than a window's budget against `SandboxServer`
/// with its rate limits on and a compressed window receives no 429.
@Suite struct PacingAgainstSandboxTests {
    @Test func aBurstLargerThanAWindowsBudgetGetsNo429() async throws {
        var limits = RenderRateLimits()
        // Render's 30 writes a minute, compressed: 6 writes a second.
        limits.write = .init(requests: 6, window: 1)
        let served = try await ServedSandbox.start(options: SandboxServerOptions(rateLimits: true, limits: limits, latencyMs: 20))
        let owner = try served.sandbox.defaultOwnerId()
        let service = try await served.sandbox.createService(ServiceCreateRequest(name: "paced", type: .worker, runtime: "node", ownerId: owner))

        var configuration = try RenderClientConfiguration(baseURL: served.baseURL, apiKey: "rnd_test_secret_key")
        configuration.rateLimits = limits
        // No retries: a 429 would fail the call, and the counting transport sees it either way.
        configuration.retry = .none
        let transport = StatusCountingTransport(URLSessionTransport())
        let provider = RenderProvider(configuration: configuration, transport: transport)

        // 16 writes, 4 at a time: more than two windows' budget (5 a window with one of headroom).
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for index in 0..<4 {
                        _ = try await provider.replaceEnvVars(serviceId: service.id, [EnvVarInput(key: "K\(worker)", value: "\(index)")])
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(transport.count(status: 200) == 16)
        #expect(transport.count(status: 429) == 0)
        await served.stop()
    }
}

/// Counts responses by status.
final class StatusCountingTransport: HTTPTransport, @unchecked Sendable {
    private let inner: any HTTPTransport
    private let lock = NSLock()
    private var statuses: [Int: Int] = [:]

    init(_ inner: any HTTPTransport) {
        self.inner = inner
    }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        let response = try await inner.send(request)
        lock.withLock { statuses[response.status, default: 0] += 1 }
        return response
    }

    func count(status: Int) -> Int { lock.withLock { statuses[status] ?? 0 } }
}
