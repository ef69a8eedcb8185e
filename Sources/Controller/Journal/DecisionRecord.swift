import Costing
import Foundation

/// One decision as the journal keeps it: the ``JournalEntry`` that `ballast cost` reads, plus the
/// explanation the controller adds (action, reason codes and messages, the metric inputs, errors).
///
/// Written as one JSON object: the journal entry's snake_case keys with extra keys beside them
/// (`action`, `codes`, `reasons`, `inputs`, `proposals`, `error`, `fencing_token`, `controller`),
/// which the cost reader ignores.
///
/// ```json
/// {"acted":true,"action":"scale_up","at":"2026-11-30T02:10:00Z","codes":["Proposal"],"environment":"production",
///  "from":2,"inputs":{"queue_depth":"500"},"monthly_delta":"14.00","plan":"starter",
///  "reason":"'queue depth' proposes 5","reasons":["Proposal: 'queue depth' proposes 5"],
///  "rule":"queue-worker/queue depth","service":"worker","to":5}
/// ```
public struct DecisionRecord: Sendable, Equatable {
    public var entry: JournalEntry
    /// `scale_up`, `scale_down`, `hold`, `drift`, `start`.
    public var action: String
    /// The engine's reason codes, in order (`Proposal`, `ScaleDownStabilized`, `BudgetLimited`, …).
    public var codes: [String]
    /// `Code: message` for every reason.
    public var reasons: [String]
    /// The metric values the decision saw, by metric name (numbers as text, or `unavailable: why`).
    public var inputs: [String: String]
    /// What each rule proposed (`rule: n (why)`).
    public var proposals: [String]
    /// Why the change was not made, when it was wanted but not acted (rate budget, API error, lost lease).
    public var error: String?
    public var fencingToken: Int?
    /// The identity of the replica that decided.
    public var controller: String?

    public init(entry: JournalEntry, action: String, codes: [String] = [], reasons: [String] = [], inputs: [String: String] = [:],
                proposals: [String] = [], error: String? = nil, fencingToken: Int? = nil, controller: String? = nil) {
        self.entry = entry
        self.action = action
        self.codes = codes
        self.reasons = reasons
        self.inputs = inputs
        self.proposals = proposals
        self.error = error
        self.fencingToken = fencingToken
        self.controller = controller
    }

    /// One line of JSON, keys sorted: the journal entry's object with the extra keys added.
    public func encodedLine() -> String {
        let base = entry.encodedLine()
        guard var object = (try? JSONSerialization.jsonObject(with: Data(base.utf8))) as? [String: Any] else { return base }
        object["action"] = action
        if !codes.isEmpty { object["codes"] = codes }
        if !reasons.isEmpty { object["reasons"] = reasons }
        if !inputs.isEmpty { object["inputs"] = inputs }
        if !proposals.isEmpty { object["proposals"] = proposals }
        if let error { object["error"] = error }
        if let fencingToken { object["fencing_token"] = fencingToken }
        if let controller { object["controller"] = controller }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return base }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads a line written by ``encodedLine()``, or a plain ``JournalEntry`` written by anyone else.
    public static func decode(_ json: String) throws -> DecisionRecord {
        let entry = try JournalEntry.decode(json)
        let object = ((try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]) ?? [:]
        let action = object["action"] as? String
            ?? (entry.to > entry.from ? "scale_up" : entry.to < entry.from ? "scale_down" : "hold")
        return DecisionRecord(
            entry: entry, action: action,
            codes: object["codes"] as? [String] ?? [],
            reasons: object["reasons"] as? [String] ?? [],
            inputs: object["inputs"] as? [String: String] ?? [:],
            proposals: object["proposals"] as? [String] ?? [],
            error: object["error"] as? String,
            fencingToken: (object["fencing_token"] as? NSNumber)?.intValue,
            controller: object["controller"] as? String)
    }
}
