import Controller
import Foundation
import Hosting
import MetricSources
import Planning
import RedisClient
import TestSupport

/// What most controller tests start from: a redis-server of their own on a free port with a client that
/// gives up quickly, and the sandbox server with the example environment applied.
///
/// ```swift
/// let rig = try await ControllerRig()
/// let controller = rig.controller(dryRun: true)
/// try await BullMQ.run(rig.redisServer.url, queue: "documents", "add", count: 400)
/// rig.sandbox.clock.advance(by: 15)
/// let report = await controller.tick()
/// await rig.stop()
/// ```
///
/// - Important: end with `stop()`: it closes the clients and stops the sandbox server and redis-server.
///   A test that throws before it still has its redis-server stopped, when the rig is released.
final class ControllerRig: @unchecked Sendable {
    let redisServer: RedisServer
    /// A client for `redisServer` (`quickRedis`), closed at the end.
    let redis: RedisClient
    let sandbox: SandboxHarness
    let example: Example
    /// The services the example's apply created, by name.
    let services: [String: LiveService]
    private var clients: [RedisClient]

    /// `faultRate`: the share of the sandbox's API calls answered with a fault.
    init(faultRate: Double = 0) async throws {
        redisServer = try await RedisServer()
        redis = quickRedis(redisServer)
        clients = [redis]
        sandbox = try await SandboxHarness(faultRate: faultRate)
        example = try Example.load()
        services = try await sandbox.apply(example.environment)
    }

    /// Another quick client for `redisServer` (for a second controller), closed at the end.
    func newClient() -> RedisClient {
        let client = quickRedis(redisServer)
        clients.append(client)
        return client
    }

    /// A controller on the rig's sandbox and Redis (`redis` unless another client is given), wired as `makeController` wires it.
    func controller(redis client: RedisClient? = nil, identity: String = "test-\(UUID().uuidString.prefix(8))", leaseTTL: Double? = nil,
                    dryRun: Bool = false, extraSources: [any MetricSource] = []) -> ScalingController {
        makeController(example, provider: sandbox.provider, redis: client ?? redis, clock: sandbox.clock, identity: identity,
                       leaseTTL: leaseTTL, dryRun: dryRun, extraSources: extraSources)
    }

    func stop() async {
        for client in clients { await client.close() }
        await sandbox.stop()
        redisServer.stop()
    }
}
