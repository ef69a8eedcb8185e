import Foundation
import Hummingbird
import Logging
import NIOCore

/// The controller's HTTP endpoints on `--listen HOST:PORT`:
/// - `GET /healthz`: 200 while the process is alive;
/// - `GET /readyz`: 200 when the replica knows its role (leader or standby) and its metric sources
///   answer, else 503; the body is the status as JSON either way;
/// - `GET /metrics`: the Prometheus text exposition of ``ControllerMetrics``.
///
/// ```swift
/// let app = ControllerEndpoints.application(host: "0.0.0.0", port: 9464, status: status, metrics: metrics)
/// // add `app` to the ServiceGroup beside the ControllerService
/// ```
public enum ControllerEndpoints {
    public static func router(status: ControllerStatus, metrics: ControllerMetrics) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ -> Response in
            text("ok\n")
        }
        router.get("/readyz") { _, _ -> Response in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            let body = (try? encoder.encode(status.current)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            return text(body + "\n", status: status.isReady ? .ok : .serviceUnavailable, contentType: "application/json")
        }
        router.get("/metrics") { _, _ -> Response in
            text(metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        return router
    }

    /// A Hummingbird application serving the endpoints; `onRunning` receives the bound port (useful with port 0).
    public static func application(host: String, port: Int, status: ControllerStatus, metrics: ControllerMetrics,
                                   logger: Logger = Logger(label: "ballast.controller.http"),
                                   onRunning: (@Sendable (Int) async -> Void)? = nil) -> some ApplicationProtocol {
        Application(
            router: router(status: status, metrics: metrics),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "ballast-controller"),
            onServerRunning: { channel in
                await onRunning?(channel.localAddress?.port ?? port)
            },
            logger: logger)
    }

    static func text(_ body: String, status: HTTPResponse.Status = .ok, contentType: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
