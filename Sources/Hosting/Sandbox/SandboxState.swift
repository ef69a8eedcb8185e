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

    mutating func nextSequence() -> Int {
        sequence += 1
        return sequence
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
