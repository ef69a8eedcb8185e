import Blueprint
import Foundation
import Testing
@testable import Scaling

/// `ballast decide`'s input (issue 5 §3) and output, without spawning the command.

let issueExample = """
    { "now": "2026-01-01T12:00:00Z",
      "current": 3, "min": 1, "max": 10,
      "policy": { "name": "web", "rules": [
          { "metric": "cpu", "target": "70%" },
          { "metric": "queue_depth", "perInstance": 100 },
          { "metric": "latency_p95", "above": "2s", "for": "3m", "step": "+1" } ] },
      "metrics": {
        "cpu":   { "instances": [ {"value": 0.3, "limit": 1.0, "ready": true},
                                  {"limit": 1.0, "ready": true, "missing": true} ] },
        "queue_depth": { "total": 8600 },
        "latency_p95": { "unavailable": "prometheus timeout" } },
      "history": { "recommendations": [ {"at": "2026-01-01T11:58:00Z", "instances": 4} ],
                   "events": [ {"at": "2026-01-01T11:59:40Z", "change": 2} ],
                   "observations": [ {"at": "2026-01-01T11:59:45Z", "metrics": { "latency_p95": 2.4 } } ] } }
    """

@Test func theIssueExampleReadsAndDecides() throws {
    let result = DecisionRequest.read(Array(issueExample.utf8), file: "input.json")
    #expect(result.diagnostics.items.isEmpty, "\(result.diagnostics.items.map { "\($0.path): \($0.summary) \($0.detail)" })")
    let input = try #require(result.input)
    #expect(input.now == Timestamp.parse("2026-01-01T12:00:00Z"))
    #expect(input.metrics["cpu"] == .instances([InstanceSample(0.3, limit: 1), InstanceSample(nil, limit: 1)]))
    #expect(input.history.events == [.init(at: Timestamp.parse("2026-01-01T11:59:40Z")!, change: 2)])

    let decision = ScalingEngine.decide(input)
    // cpu: 30 % on the one reporting instance, the missing one counted at 100 % → 65 % → within tolerance: 3.
    #expect(decision.proposals[0].instances == 3)
    // queue: ceil(8600 / 100) = 86; latency unavailable, so only a scale-up is possible, and it is.
    #expect(decision.proposals[1].instances == 86)
    #expect(decision.proposals[2].instances == nil)
    #expect(decision.proposals[2].reason == "latency_p95 unavailable: prometheus timeout")
    // The +2 of 20 s ago is outside the 15 s periods: 3 + 4 = 7 beats 100 % (6).
    #expect(decision.desired == 7)
    #expect(decision.action == .scaleUp)
    #expect(decision.reasonCodes == ["Proposal", "ScaleUpLimit"])
}

@Test func theOutputHasTheDocumentedShape() throws {
    let input = try #require(DecisionRequest.read(Array(issueExample.utf8), file: "input.json").input)
    let text = ScalingEngine.decide(input).json()
    let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    #expect(Set(object.keys) == ["desired", "current", "action", "reasons", "proposals"])
    #expect(object["desired"] as? Int == 7)
    #expect(object["action"] as? String == "scale_up")
    let reasons = try #require(object["reasons"] as? [[String: Any]])
    #expect(reasons.allSatisfy { Set($0.keys) == ["code", "message"] })
    let proposals = try #require(object["proposals"] as? [[String: Any]])
    #expect(proposals.allSatisfy { Set($0.keys) == ["rule", "instances", "reason"] })
    #expect(proposals[2]["instances"] is NSNull)
    // Keys in the documented order.
    let order = ["\"desired\"", "\"current\"", "\"action\"", "\"reasons\"", "\"proposals\""].map { text.range(of: $0)!.lowerBound }
    #expect(order == order.sorted())
    // And on one line when asked.
    #expect(!ScalingEngine.decide(input).json(pretty: false).contains("\n"))
}

@Test func aPolicyNameIsResolvedByTheCaller() throws {
    let text = #"{"now": "2026-01-01T12:00:00Z", "current": 2, "max": 6, "policy": "hpa-cpu70", "metrics": {"cpu": {"total": 0.95}}}"#
    let hpa = mustPolicy("name: hpa-cpu70\nrules: [ { metric: cpu, target: 70% } ]")
    let result = DecisionRequest.read(Array(text.utf8), file: "in.json", resolvePolicy: { $0 == "hpa-cpu70" ? hpa : nil })
    let input = try #require(result.input)
    #expect(input.min == 1, "min defaults to 1")
    let decision = ScalingEngine.decide(input)
    #expect(decision.desired == 3)
    #expect(decision.proposals[0].reason == "cpu 95% vs target 70%: ceil(1.36 × 2 ready) = 3")
    let unknown = DecisionRequest.read(Array(text.utf8), file: "in.json", resolvePolicy: { _ in nil })
    #expect(unknown.input == nil)
    #expect(unknown.diagnostics.items.first?.summary == "Unknown policy")
}

@Test func blueprintDefaultsReplacePolicyAndBounds() throws {
    let text = #"{"now": "2026-01-01T12:00:00Z", "current": 2, "max": 99, "metrics": {"cpu": 0.95}}"#
    let hpa = mustPolicy("name: hpa-cpu70\nrules: [ { metric: cpu, target: 70% } ]")
    let result = DecisionRequest.read(Array(text.utf8), file: "in.json", defaults: .init(policy: hpa, min: 2, max: 5))
    let input = try #require(result.input)
    #expect(input.max == 5)
    #expect(result.diagnostics.items.map(\.summary) == ["Ignored max"])
    #expect(result.diagnostics.items.first?.severity == .warning)
}

/// With a blueprint the caps are the environment's, as the policy and bounds are (docs/policies.md):
/// an input's own `constraints` are named and not used, even where the environment has no budget.
@Test func blueprintDefaultsReplaceTheInputsConstraints() throws {
    let text = #"""
    {"now": "2026-01-01T12:00:00Z", "current": 2, "metrics": {"cpu": 0.95},
     "constraints": {"budget": {"monthly": 400, "pricePerInstance": 25, "otherServices": 250},
                     "upstream": {"name": "openai", "requestsPerMinute": 500, "perInstance": 100}}}
    """#
    let hpa = mustPolicy("name: hpa-cpu70\nrules: [ { metric: cpu, target: 70% } ]")
    let environment = ScalingConstraints(connections: [ConnectionConstraint(datastore: "postgres", maxConnections: 400, perInstance: 10, otherServices: 20)])
    let result = DecisionRequest.read(Array(text.utf8), file: "in.json", defaults: .init(policy: hpa, min: 1, max: 10, constraints: environment))
    let input = try #require(result.input)
    #expect(input.constraints == environment)
    #expect(result.diagnostics.items.map(\.summary) == ["Ignored constraints"])
    let bare = DecisionRequest.read(Array(text.utf8), file: "in.json", defaults: .init(policy: hpa, min: 1, max: 10))
    #expect(try #require(bare.input).constraints == .none)
    // An ignored block is not checked (as an ignored policy is not read).
    let invalid = #"{"now": "2026-01-01T12:00:00Z", "current": 2, "constraints": {"budget": {"monthly": -1}}}"#
    let ignored = DecisionRequest.read(Array(invalid.utf8), file: "in.json", defaults: .init(policy: hpa, min: 1, max: 10))
    #expect(ignored.input != nil)
    #expect(ignored.diagnostics.items.map(\.summary) == ["Ignored constraints"])
}

struct BadInputCase: CustomTestStringConvertible, Sendable {
    var name: String
    var json: String
    var path: String
    var summary: String
    var testDescription: String { name }
}

@Test(arguments: [
    BadInputCase(name: "missing now", json: #"{"current": 1, "max": 2, "policy": {"name": "p"}}"#, path: "now", summary: "Missing now"),
    BadInputCase(name: "bad time", json: #"{"now": "noon", "current": 1, "max": 2, "policy": {"name": "p"}}"#, path: "now", summary: "Invalid timestamp"),
    BadInputCase(name: "misspelt key", json: #"{"now": "2026-01-01T12:00:00Z", "curent": 1, "current": 1, "max": 2, "policy": {"name": "p"}}"#, path: "curent", summary: "Unknown key"),
    BadInputCase(name: "metric form", json: #"{"now": "2026-01-01T12:00:00Z", "current": 1, "max": 2, "policy": {"name": "p"}, "metrics": {"cpu": {"avg": 1}}}"#, path: "metrics.cpu.avg", summary: "Unknown key"),
    BadInputCase(name: "two forms", json: #"{"now": "2026-01-01T12:00:00Z", "current": 1, "max": 2, "policy": {"name": "p"}, "metrics": {"cpu": {"total": 1, "unavailable": "x"}}}"#, path: "metrics.cpu", summary: "Ambiguous metric"),
    BadInputCase(name: "policy error", json: #"{"now": "2026-01-01T12:00:00Z", "current": 1, "max": 2, "policy": {"name": "p", "rules": [{"metric": "cpu", "target": "seventy"}]}}"#, path: "policy.rules[0].target", summary: "Wrong type"),
    BadInputCase(name: "event without change", json: #"{"now": "2026-01-01T12:00:00Z", "current": 1, "max": 2, "policy": {"name": "p"}, "history": {"events": [{"at": "2026-01-01T11:00:00Z"}]}}"#, path: "history.events[0]", summary: "Incomplete event"),
    BadInputCase(name: "min above max", json: #"{"now": "2026-01-01T12:00:00Z", "current": 1, "min": 3, "max": 2, "policy": {"name": "p"}}"#, path: "min", summary: "min above max"),
    BadInputCase(name: "not JSON", json: #"{"now": "#, path: "", summary: ""),
    BadInputCase(name: "empty", json: "", path: "", summary: "Empty input"),
])
func badInput(_ c: BadInputCase) {
    let result = DecisionRequest.read(Array(c.json.utf8), file: "in.json")
    #expect(result.input == nil)
    #expect(result.diagnostics.hasErrors)
    if !c.summary.isEmpty {
        let match = result.diagnostics.errors.first { $0.path == c.path }
        #expect(match?.summary == c.summary, "\(result.diagnostics.items.map { "\($0.path): \($0.summary)" })")
    }
}

@Test(arguments: [
    ("2026-01-01T12:00:00Z", 1_767_268_800.0),
    ("2026-01-01T12:00:00.250Z", 1_767_268_800.25),
    ("2026-01-01T14:00:00+02:00", 1_767_268_800.0),
    ("2026-01-01t12:00:00z", 1_767_268_800.0),
    ("2026-01-01", 1_767_225_600.0),
])
func timestamps(_ text: String, _ seconds: Double) {
    #expect(Timestamp.parse(text)?.timeIntervalSince1970 == seconds)
}

@Test func timestampsRoundTrip() {
    let date = Date(timeIntervalSince1970: 1_767_268_800.5)
    #expect(Timestamp.format(date) == "2026-01-01T12:00:00.500Z")
    #expect(Timestamp.parse(Timestamp.format(date)) == date)
    #expect(Timestamp.parse("2026-13-01T00:00:00Z") == nil)
    #expect(Timestamp.parse("2026-01-01T12:00:00") == nil)
}

/// A metric's name written in another Unicode form is the same name, as a dictionary look-up finds
/// it: the engine's walk over the readings tells names apart by length only when both are ASCII
/// ("é" is 2 UTF-8 bytes where "e" + U+0301 is 3; the Kelvin sign is 3 where "K" is 1).
@Test func metricNamesMatchInAnyUnicodeForm() throws {
    let policy = mustPolicy("name: accented\nrules: [ { metric: caf\u{E9}, perInstance: 100 }, { metric: K, perInstance: 1 } ]")
    let now = Date(timeIntervalSince1970: 1_790_000_000)
    for (key, kelvin) in [("caf\u{E9}", "K"), ("cafe\u{301}", "\u{212A}")] {
        let decision = ScalingEngine.decide(DecisionInput(now: now, current: 2, min: 1, max: 10, policy: policy,
                                                          metrics: [kelvin: .total(3), key: .total(500), "cpu": .total(0.5)]))
        #expect(decision.proposals.first?.instances == 5, "metric written as \(Array(key.unicodeScalars))")
        #expect(decision.proposals.last?.instances == 3, "metric written as \(Array(kelvin.unicodeScalars))")
        #expect(decision.desired == 5)
    }
}
