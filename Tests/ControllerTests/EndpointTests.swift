import TestSupport
import Controller
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

@Suite("HTTP endpoints")
struct EndpointTests {
    @Test("/healthz, /readyz and /metrics on a free port")
    func endpoints() async throws {
        let rig = try await ControllerRig()
        let sandbox = rig.sandbox
        let controller = rig.controller()
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let app = ControllerEndpoints.application(host: "127.0.0.1", port: 0, status: controller.status, metrics: controller.metrics) { port in
            continuation.yield(port)
        }
        let server = Task { try await app.run() }
        defer { server.cancel() }
        var port = 0
        for await bound in stream { port = bound; break }

        func get(_ path: String) async throws -> (Int, String) {
            let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
        }
        #expect(try await get("/healthz").0 == 200)
        // Before the first tick the role is unknown: not ready.
        #expect(try await get("/readyz").0 == 503)
        // Ready once a tick has run with every source answering (retried: other suites may load the machine).
        var (status, body) = (0, "")
        for _ in 0..<3 {
            sandbox.clock.advance(by: 15)
            _ = await controller.tick()
            (status, body) = try await get("/readyz")
            if status == 200 { break }
        }
        #expect(status == 200, "readyz: \(body)")
        #expect(body.contains("\"role\":\"leader\""))
        let metrics = try await get("/metrics").1
        #expect(metrics.contains("ballast_controller_ticks_total{result=\"ok\"}"))
        #expect(metrics.contains("ballast_controller_instances_desired{service=\"worker\"} 2"))
        await rig.stop()
    }
}
