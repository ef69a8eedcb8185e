import Foundation

/// One record of the controller's decision journal, in the format `ballast cost` reads for actuals.
///
/// The controller appends one entry per decision it takes for a service (scale up, scale down, plan
/// change, or a hold it wants explained). Two transports carry the same JSON object:
/// - a JSON-lines file: one object per line (``encodedLine()``, ``JournalEntry/decodeLines(_:)``);
/// - a Redis stream: each stream entry has a field `json` whose value is the same object.
///
/// Keys are snake_case; `at` is an ISO 8601 UTC timestamp (fractional seconds allowed); money is a
/// decimal string. Unknown keys are ignored, so the controller may add fields.
///
/// ```json
/// {"at":"2026-11-03T14:05:00Z","environment":"production","service":"worker","plan":"starter",
///  "from":2,"to":4,"reason":"queue depth 340 > 100 for 2m","rule":"queue-worker/depth","acted":true,
///  "monthly_delta":"14.00"}
/// ```
///
/// How actuals read it: the instance count of `service` is `from` just before `at`; after `at` it is
/// `to` when `acted` is true (the change happened on Render), otherwise still `from`. `plan` is the plan
/// the instances run on after the entry; `from_plan` is set only when the decision changed the plan.
/// Write an entry (with `acted: false` and `from == to`) when the controller starts managing a
/// service, so the journal knows the count before the first change.
public struct JournalEntry: Sendable, Equatable, Codable {
    /// When the decision was taken (and, if acted, applied).
    public var at: Date
    public var project: String?
    /// The environment of the blueprint; entries of other environments are ignored.
    public var environment: String?
    public var service: String
    /// Plan (API spelling) the instances run on after this entry.
    public var plan: String
    /// The plan before, when this decision changed it (right-sizing); nil when unchanged.
    public var fromPlan: String?
    /// Instance count before the decision.
    public var from: Int
    /// Instance count the decision asked for.
    public var to: Int
    /// Human-readable reason: the rule and the observation that fired it.
    public var reason: String
    /// The rule or policy that decided, e.g. `web-latency/p95`.
    public var rule: String?
    /// True when the change was applied on Render; false for holds, dry runs and failed calls.
    public var acted: Bool
    public var dryRun: Bool?
    /// The monthly cost effect the controller computed, as a decimal string (informational).
    public var monthlyDelta: Money?

    public init(at: Date, project: String? = nil, environment: String? = nil, service: String, plan: String,
                fromPlan: String? = nil, from: Int, to: Int, reason: String, rule: String? = nil,
                acted: Bool, dryRun: Bool? = nil, monthlyDelta: Money? = nil) {
        self.at = at
        self.project = project
        self.environment = environment
        self.service = service
        self.plan = plan
        self.fromPlan = fromPlan
        self.from = from
        self.to = to
        self.reason = reason
        self.rule = rule
        self.acted = acted
        self.dryRun = dryRun
        self.monthlyDelta = monthlyDelta
    }

    enum CodingKeys: String, CodingKey {
        case at, project, environment, service, plan
        case fromPlan = "from_plan"
        case from, to, reason, rule, acted
        case dryRun = "dry_run"
        case monthlyDelta = "monthly_delta"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let text = try c.decode(String.self, forKey: .at)
        guard let date = JournalEntry.parseDate(text) else {
            throw DecodingError.dataCorruptedError(forKey: .at, in: c, debugDescription: "'\(text)' is not an ISO 8601 timestamp")
        }
        at = date
        project = try c.decodeIfPresent(String.self, forKey: .project)
        environment = try c.decodeIfPresent(String.self, forKey: .environment)
        service = try c.decode(String.self, forKey: .service)
        plan = try c.decode(String.self, forKey: .plan)
        fromPlan = try c.decodeIfPresent(String.self, forKey: .fromPlan)
        from = try c.decode(Int.self, forKey: .from)
        to = try c.decode(Int.self, forKey: .to)
        reason = try c.decodeIfPresent(String.self, forKey: .reason) ?? ""
        rule = try c.decodeIfPresent(String.self, forKey: .rule)
        acted = try c.decode(Bool.self, forKey: .acted)
        dryRun = try c.decodeIfPresent(Bool.self, forKey: .dryRun)
        monthlyDelta = try c.decodeIfPresent(Money.self, forKey: .monthlyDelta)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(JournalEntry.formatDate(at), forKey: .at)
        try c.encodeIfPresent(project, forKey: .project)
        try c.encodeIfPresent(environment, forKey: .environment)
        try c.encode(service, forKey: .service)
        try c.encode(plan, forKey: .plan)
        try c.encodeIfPresent(fromPlan, forKey: .fromPlan)
        try c.encode(from, forKey: .from)
        try c.encode(to, forKey: .to)
        try c.encode(reason, forKey: .reason)
        try c.encodeIfPresent(rule, forKey: .rule)
        try c.encode(acted, forKey: .acted)
        try c.encodeIfPresent(dryRun, forKey: .dryRun)
        try c.encodeIfPresent(monthlyDelta, forKey: .monthlyDelta)
    }

    /// The count after this entry.
    public var countAfter: Int { acted ? to : from }
    /// The plan before this entry.
    public var planBefore: String { fromPlan ?? plan }
    /// The plan after this entry.
    public var planAfter: String { acted ? plan : planBefore }
    /// True when the entry changed the count or the plan on Render.
    public var changedSomething: Bool { acted && (to != from || planBefore != plan) }

    // MARK: JSON lines

    /// The entry as one line of JSON (no trailing newline), keys sorted, for the journal file or the
    /// `json` field of a Redis stream entry.
    public func encodedLine() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding these fields cannot fail.
        let data = (try? encoder.encode(self)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Decodes one JSON object (a line of the file, or the `json` field of a stream entry).
    public static func decode(_ json: String) throws -> JournalEntry {
        try JSONDecoder().decode(JournalEntry.self, from: Data(json.utf8))
    }

    /// A line of a journal file that could not be read.
    public struct LineError: Sendable, Equatable, Error, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    /// Decodes a JSON-lines journal: blank lines are skipped; bad lines are reported and skipped.
    public static func decodeLines(_ text: String) -> (entries: [JournalEntry], errors: [LineError]) {
        var entries: [JournalEntry] = []
        var errors: [LineError] = []
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            do {
                entries.append(try decode(trimmed))
            } catch let error as DecodingError {
                errors.append(LineError(line: number, message: describe(error)))
            } catch {
                errors.append(LineError(line: number, message: "\(error)"))
            }
        }
        return (entries, errors)
    }

    // MARK: Dates

    /// ISO 8601 in UTC; whole seconds print without a fraction, others with milliseconds.
    public static func formatDate(_ date: Date) -> String {
        let whole = date.timeIntervalSince1970.rounded(.down)
        if date.timeIntervalSince1970 == whole {
            return date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
        }
        return date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!))
    }

    /// Accepts `2026-11-03T14:05:00Z`, with fractional seconds, or with a `+hh:mm` offset.
    public static func parseDate(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        return nil
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): return "missing key `\(key.stringValue)`"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "`\(path)`: \(context.debugDescription)"
        case .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "not valid JSON" : "`\(path)`: \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
