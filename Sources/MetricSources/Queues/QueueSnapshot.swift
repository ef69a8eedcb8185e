import Foundation

/// What one read of a job queue saw: waiting, active and delayed jobs and when the oldest waiting job
/// was enqueued. Counts a queue system does not record are `nil`, never `0`.
public struct QueueSnapshot: Sendable, Equatable {
    /// Jobs waiting to be picked up (ready now; not delayed, not running).
    public var depth: Int
    /// Jobs a worker has taken and not finished; `nil` where the system keeps no per-queue record.
    public var active: Int?
    /// Jobs scheduled to run later; `nil` where the system keeps no per-queue record.
    public var delayed: Int?
    /// Enqueue time of the oldest waiting job; `nil` when the queue is empty or the system records none.
    public var oldestEnqueuedAt: Date?
    /// When the read was made (the reader's clock).
    public var observedAt: Date

    public init(depth: Int, active: Int?, delayed: Int?, oldestEnqueuedAt: Date?, observedAt: Date) {
        self.depth = depth
        self.active = active
        self.delayed = delayed
        self.oldestEnqueuedAt = oldestEnqueuedAt
        self.observedAt = observedAt
    }

    /// Seconds the oldest waiting job has waited at `observedAt`, or `nil` when unknowable.
    public var oldestAgeSeconds: Double? {
        oldestEnqueuedAt.map { max(0, observedAt.timeIntervalSince($0)) }
    }
}
