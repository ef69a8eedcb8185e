import Foundation
import Logging
import ServiceLifecycle

/// The controller loop as a swift-service-lifecycle `Service`: a tick every `interval` seconds until
/// graceful shutdown (SIGTERM/SIGINT through the `ServiceGroup`), or one tick with `once`.
///
/// ```swift
/// let loop = ControllerService(controller: controller, interval: 15)
/// let group = ServiceGroup(configuration: .init(services: [.init(service: loop)],
///                                               gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
/// try await group.run()
/// ```
///
/// - Important: a graceful shutdown never interrupts a tick: the tick in progress finishes (its writes
///   fenced and journaled), then the lease is released so a standby takes over at once, and `run` returns.
public struct ControllerService: Service {
    public let controller: ScalingController
    /// Seconds from the start of one tick to the start of the next.
    public let interval: Double
    public let once: Bool
    /// Called after every tick (logs, tests).
    public let onTick: (@Sendable (TickReport) async -> Void)?
    /// When given, the first tick waits until it says true (the process's endpoints listen), and none
    /// runs if the service is cancelled first (they could not listen: nothing is scaled, then the
    /// process exits with the error).
    public let startWhen: (@Sendable () -> Bool)?

    public init(controller: ScalingController, interval: Double, once: Bool = false, onTick: (@Sendable (TickReport) async -> Void)? = nil,
                startWhen: (@Sendable () -> Bool)? = nil) {
        self.controller = controller
        self.interval = max(0.05, interval)
        self.once = once
        self.onTick = onTick
        self.startWhen = startWhen
    }

    public func run() async throws {
        if let startWhen {
            while !startWhen() {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                try? await Task.sleep(nanoseconds: 10_000_000)
            }
        }
        while true {
            let started = ContinuousClock.now
            // Shielded from cancellation: the tick in progress always finishes.
            let controller = self.controller
            let report = await Task { await controller.tick() }.value
            await onTick?(report)
            if once || Task.isShuttingDownGracefully || Task.isCancelled { break }
            let elapsed = ScalingController.seconds(ContinuousClock.now - started)
            let wait = max(0, interval - elapsed)
            do {
                try await cancelWhenGracefulShutdown {
                    try await Task.sleep(nanoseconds: UInt64(wait * 1_000_000_000))
                }
            } catch {
                break
            }
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
        }
        await controller.shutdown()
    }
}
