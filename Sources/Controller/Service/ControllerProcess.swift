import Foundation
import Logging
import ServiceLifecycle

/// Runs the controller as a process does: the loop and, with an address, the HTTP endpoints, in one
/// `ServiceGroup` that turns SIGTERM/SIGINT into a graceful shutdown.
///
/// ```swift
/// try await ControllerProcess.run(controller, interval: 15, once: false, listen: ("0.0.0.0", 9464), logger: logger)
/// ```
public enum ControllerProcess {
    public static func run(_ controller: ScalingController, interval: Double, once: Bool, listen: (host: String, port: Int)?,
                           logger: Logger, onTick: (@Sendable (TickReport) async -> Void)? = nil) async throws {
        let listening = ListeningFlag()
        // With endpoints, the first tick waits until they listen: a taken port fails before anything is scaled.
        var startWhen: (@Sendable () -> Bool)?
        if listen != nil { startWhen = { listening.isSet } }
        let loop = ControllerService(controller: controller, interval: interval, once: once, onTick: onTick, startWhen: startWhen)
        // The loop ending (`--once`, or after a graceful shutdown) shuts the rest down cleanly.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: loop, successTerminationBehavior: .gracefullyShutdownGroup)]
        if let listen {
            let app = ControllerEndpoints.application(host: listen.host, port: listen.port, status: controller.status,
                                                      metrics: controller.metrics, logger: logger) { port in
                listening.set()
                logger.notice("serving /healthz /readyz /metrics", metadata: ["address": "\(listen.host):\(port)"])
            }
            services.append(.init(service: app))
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch where listen != nil && !listening.isSet {
            // The endpoints failing before they listen is a bind failure (port taken, host not local): say where.
            throw ListenFailure(description: "cannot serve /healthz, /readyz and /metrics on \(listen!.host):\(listen!.port): \(error)")
        }
    }

    /// The endpoints could not listen on the address given.
    public struct ListenFailure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    private final class ListeningFlag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        func set() { lock.withLock { value = true } }
        var isSet: Bool { lock.withLock { value } }
    }
}
