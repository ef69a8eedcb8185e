import Foundation
import Scaling

/// Where the engine's memory lives between ticks: one ``ScalingHistory`` per service (recommendations
/// for stabilization windows, scale events for rate policies, observations for sustained thresholds).
///
/// ```swift
/// let histories = try await store.load(services: ["worker", "backend-api"])
/// try await store.save(["worker": updated], token: 7)
/// ```
///
/// - Important: ``save(_:token:)`` is fenced: a store shared between replicas refuses the write when
///   `token` is no longer the current lease, so a deposed leader cannot overwrite its successor's memory.
public protocol HistoryStore: Sendable {
    /// The stored histories of the given services; a service never stored is absent.
    func load(services: [String]) async throws -> [String: ScalingHistory]
    /// Stores histories; returns false when the fence refused the write.
    @discardableResult
    func save(_ histories: [String: ScalingHistory], token: Int) async throws -> Bool
}

/// Histories in this process only (a controller without Redis, and tests).
public actor MemoryHistoryStore: HistoryStore {
    private var histories: [String: ScalingHistory] = [:]

    public init() {}

    public func load(services: [String]) async throws -> [String: ScalingHistory] {
        var found: [String: ScalingHistory] = [:]
        for name in services { found[name] = histories[name] }
        return found
    }

    public func save(_ updates: [String: ScalingHistory], token: Int) async throws -> Bool {
        histories.merge(updates) { $1 }
        return true
    }
}

/// JSON for histories: dates as seconds since 1970 with their fractions.
enum HistoryCoding {
    static func encode(_ history: ScalingHistory) -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(history)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func decode(_ text: String) -> ScalingHistory? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try? decoder.decode(ScalingHistory.self, from: Data(text.utf8))
    }
}
