import Blueprint
import Foundation
import RedisClient

/// Queue metrics (`queue_depth`, `queue_active`, `queue_delayed`, `queue_age`) for services whose
/// scaling is bound to a job queue, read from the Redis datastore the binding names.
///
/// ```swift
/// let source = RedisQueueSource(clients: ["redis": try RedisClient(url: redisURL)])
/// let depth = await source.read(.queueDepth, for: target, now: .now)
/// ```
public struct RedisQueueSource: MetricSource {
    /// Clients by datastore name (the binding's `redis:` field).
    public let clients: [String: RedisClient]

    public init(clients: [String: RedisClient]) {
        self.clients = clients
    }

    public var name: String { "redis" }

    public func serves(_ metric: Metric) -> Bool {
        switch metric {
        case .queueDepth, .queueActive, .queueDelayed, .queueOldestAge: true
        default: false
        }
    }

    /// One read of the target's queue (all four numbers in one round trip).
    public func snapshot(for target: MetricTarget, now: Date) async -> Result<QueueSnapshot, QueueReadFailure> {
        guard let binding = target.queue else {
            return .failure(QueueReadFailure(reason: "service \(target.service) has no queue binding"))
        }
        guard let redis = clients[binding.redis] else {
            return .failure(QueueReadFailure(reason: "no Redis connection for datastore \(binding.redis) (pass --redis URL)"))
        }
        let queue = makeJobQueue(binding.kind, name: binding.name, prefix: binding.prefix, redis: redis)
        do {
            return .success(try await queue.read(now: now))
        } catch {
            return .failure(QueueReadFailure(reason: "\(queue.label): \(error)"))
        }
    }

    public func read(_ metric: Metric, for target: MetricTarget, now: Date) async -> MetricReading {
        guard serves(metric) else { return .unavailable("the redis source does not serve \(metric.name)") }
        switch await snapshot(for: target, now: now) {
        case .failure(let failure):
            return .unavailable(failure.reason)
        case .success(let snapshot):
            return Self.reading(metric, from: snapshot, kind: target.queue?.kind)
        }
    }

    /// Queue numbers for many services: each queue read once (one round trip for all its numbers,
    /// however many of them are asked), ``MetricRequest/defaultConcurrency`` queues at a time.
    public func read(_ requests: [MetricRequest], now: Date) async -> [MetricReading] {
        var queues: [String: Int] = [:]
        var targets: [MetricTarget] = []
        var queueOfRequest: [Int?] = []
        for request in requests {
            guard serves(request.metric) else {
                queueOfRequest.append(nil)
                continue
            }
            let key = request.target.service
            if queues[key] == nil {
                queues[key] = targets.count
                targets.append(request.target)
            }
            queueOfRequest.append(queues[key])
        }
        let queueTargets = targets
        let snapshots = await Self.each(queueTargets.indices, concurrency: MetricRequest.defaultConcurrency) { index in
            await snapshot(for: queueTargets[index], now: now)
        }
        return zip(requests, queueOfRequest).map { request, queue in
            guard let queue else { return .unavailable("the redis source does not serve \(request.metric.name)") }
            switch snapshots[queue] {
            case .failure(let failure): return .unavailable(failure.reason)
            case .success(let snapshot): return Self.reading(request.metric, from: snapshot, kind: request.target.queue?.kind)
            }
        }
    }

    /// The reading of one queue metric from a snapshot; what the queue system does not record is unavailable.
    public static func reading(_ metric: Metric, from snapshot: QueueSnapshot, kind: QueueBinding.Kind?) -> MetricReading {
        let system = kind?.rawValue ?? "this queue"
        func count(_ value: Int?, _ what: String) -> MetricReading {
            guard let value else { return .unavailable("\(system) keeps no per-queue count of \(what) jobs") }
            return .value(Double(value), at: snapshot.observedAt)
        }
        switch metric {
        case .queueDepth: return .value(Double(snapshot.depth), at: snapshot.observedAt)
        case .queueActive: return count(snapshot.active, "active")
        case .queueDelayed: return count(snapshot.delayed, "delayed")
        case .queueOldestAge:
            if let age = snapshot.oldestAgeSeconds { return .value(age, at: snapshot.observedAt) }
            if snapshot.depth == 0 { return .value(0, at: snapshot.observedAt) }
            return .unavailable("\(system) records no enqueue time for waiting jobs")
        default: return .unavailable("not a queue metric: \(metric.name)")
        }
    }
}

/// Why a queue could not be read.
public struct QueueReadFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { reason }
}
