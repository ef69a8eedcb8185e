import Foundation

/// Everything the sandbox knows, as persisted in `<directory>/state.json`.
///
/// Resources are kept in Render's wire shapes, so what the server sends is what was stored.
struct SandboxState: Codable, Sendable {
    var version = 1
    /// Creation order for cursors: every record gets the next number.
    var sequence = 0
    var owners: [RenderOwner] = []
    var project: RenderProject?
    var services: [ServiceRecord] = []
    var keyValues: [KeyValueRecord] = []
    var postgres: [PostgresRecord] = []
    /// Service ID → position in `services`: a cache, not persisted. A stale entry only costs a linear
    /// search (`serviceIndex(_:)` checks what it finds), so any change to `services` is safe.
    var serviceSlots: [String: Int] = [:]

    enum CodingKeys: String, CodingKey {
        case version, sequence, owners, project, services, keyValues, postgres
    }

    mutating func nextSequence() -> Int {
        sequence += 1
        return sequence
    }

    /// The position of service `id`, O(1) while the cache is current.
    func serviceIndex(_ id: String) -> Int? {
        if let slot = serviceSlots[id], slot < services.count, services[slot].service.id == id { return slot }
        return services.firstIndex { $0.service.id == id }
    }

    /// Brings the cache up to date after a change: appended services are added, anything else rebuilds it.
    mutating func reindexServices() {
        if serviceSlots.count == services.count { return }
        if serviceSlots.count > services.count { serviceSlots.removeAll(keepingCapacity: true) }
        for index in serviceSlots.count..<services.count { serviceSlots[services[index].service.id] = index }
    }
}

struct ServiceRecord: Codable, Sendable {
    var seq: Int
    var service: RenderService
    var envVars: [RenderEnvVar]
    var instances: [InstanceRecord]
    var load: SandboxLoad?
    /// When the emulated native autoscaler last looked at this service.
    var autoscaleEvaluatedAt: Date?
}

/// One instance's life: it serves (appears in `/instances`) from `readyAt` until `removedAt`.
struct InstanceRecord: Codable, Sendable {
    var id: String
    var createdAt: Date
    var readyAt: Date
    var removedAt: Date?

    var isActive: Bool { removedAt == nil }

    func isServing(at time: Date) -> Bool {
        readyAt <= time && (removedAt.map { $0 > time } ?? true)
    }
}

struct KeyValueRecord: Codable, Sendable {
    var seq: Int
    var keyValue: RenderKeyValue
    var readyAt: Date
}

struct PostgresRecord: Codable, Sendable {
    var seq: Int
    var postgres: RenderPostgres
    var readyAt: Date
}

/// A failure the sandbox answers with, as Render would: an HTTP status and a message.
struct SandboxFailure: Error, Sendable {
    var status: Int
    var message: String

    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    static func notFound(_ id: String) -> SandboxFailure { SandboxFailure(404, "not found: \(id)") }
    static func badRequest(_ message: String) -> SandboxFailure { SandboxFailure(400, message) }
}
