import Foundation
import Scaling

/// What one tick did, for logs, tests and `--once`.
public struct TickReport: Sendable {
    /// What happened to one managed service.
    public struct Outcome: Sendable {
        public var service: String
        public var current: Int
        public var desired: Int
        /// True when the change was made on the hosting API this tick.
        public var acted: Bool
        public var codes: [String]
        /// Why a wanted change was not made (budget, backoff, API error, lost lease, dry run).
        public var note: String?
        public var decision: Decision?
    }

    public var at: Date
    public var lease: LeaseState
    public var outcomes: [Outcome]
    /// Wall time of the whole tick, of the engine alone and of reading the metrics, in seconds.
    public var seconds: Double
    public var engineSeconds: Double
    public var metricsSeconds: Double = 0
    /// Problems that held the whole tick (Redis down, the API's list failing).
    public var problems: [String]
    /// Drift seen this tick (`backend-api: plan standard on Render, blueprint says starter`).
    public var drift: [String]

    public func outcome(_ service: String) -> Outcome? {
        outcomes.first { $0.service == service }
    }

    /// Services scaled this tick.
    public var acted: [Outcome] { outcomes.filter(\.acted) }

    /// One line: `tick 02:10:00 leader(7): worker 2->5 (Proposal); 3 held; 12 ms`.
    public var summary: String {
        let changes = outcomes.filter { $0.desired != $0.current }.map { outcome in
            "\(outcome.service) \(outcome.current)->\(outcome.desired)\(outcome.acted ? "" : " (not acted\(outcome.note.map { ": \($0)" } ?? ""))") [\(outcome.codes.joined(separator: ","))]"
        }
        // A service the provider does not have was not decided: it is named with why, not counted as held.
        let missing = outcomes.filter { $0.decision == nil && $0.desired == $0.current && $0.note != nil }
        let held = outcomes.count - changes.count - missing.count
        var parts = ["\(lease)"]
        if !changes.isEmpty { parts.append(changes.joined(separator: "; ")) }
        parts.append("\(held) held")
        for (note, names) in Dictionary(grouping: missing, by: { $0.note! }).sorted(by: { $0.key < $1.key }) {
            parts.append(names.map(\.service).joined(separator: ", ") + ": " + note)
        }
        if !problems.isEmpty { parts.append("problems: " + problems.joined(separator: "; ")) }
        parts.append(String(format: "%.1f ms (engine %.2f ms)", seconds * 1000, engineSeconds * 1000))
        return parts.joined(separator: " | ")
    }
}
