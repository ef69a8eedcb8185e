import Blueprint
import Foundation
import Testing
@testable import Scaling

/// The scale-policy schema (issue 2 §4): the shipped files, defaults, and the diagnostics for
/// mistakes.

@Test func everyShippedScalePolicyParsesCleanly() throws {
    let folder = Repo.root.appendingPathComponent("policies")
    var names: [String] = []
    for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where file.hasSuffix(".yaml") {
        let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent(file)))
        let document = YAMLReader.parse(bytes)
        #expect(document.problems.isEmpty, "\(file)")
        guard let root = document.root else { continue }
        let kind = root["kind"]?.scalar ?? "scale"
        guard kind == "scale" else { continue }
        var decoder = NodeDecoder(file: "policies/" + file)
        let policy = decoder.scalePolicy(root, path: "")
        #expect(decoder.diagnostics.items.isEmpty, "\(file): \(decoder.diagnostics.items.map { "\($0.path) \($0.summary): \($0.detail)" })")
        if let policy { names.append(policy.name) }
    }
    for required in ["web-default", "web-daily", "web-seed-triggers", "queue-worker", "ai-service", "hpa-cpu70"] {
        #expect(names.contains(required))
    }
}

@Test func thePolicyLibraryLoadsTheShippedScalePolicies() throws {
    var library = PolicyLibrary()
    let folder = Repo.root.appendingPathComponent("policies")
    for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where file.hasSuffix(".yaml") {
        library.add([UInt8](try Data(contentsOf: folder.appendingPathComponent(file))), file: "policies/" + file)
    }
    #expect(library.scale["web-seed-triggers"]?.rules.count == 5)
    #expect(library.scale["web-default"]?.rules.count == 2)
    #expect(library.scale["web-default"]?.queueing?.capacity == 10)
    #expect(library.scale["web-daily"]?.forecast?.headroom == 0.7)
    #expect(library.scale["queue-worker"]?.scaleToZero?.idleAfter == 900)
    #expect(library.scale["ai-service"] != nil)
}

@Test func theIssueExampleMeansWhatItSays() {
    let p = mustPolicy("""
        name: web-default
        rules:
          - metric: cpu
            target: 70%
            tolerance: 10%
          - metric: queue_depth
            perInstance: 100
          - metric: latency_p95
            above: 2s
            for: 3m
            step: +1
        scaleUp:   { stabilization: 0s, select: max, policies: [ { type: instances, value: 4, period: 15s }, { type: percent, value: 100, period: 15s } ] }
        scaleDown: { stabilization: 300s, select: max, policies: [ { type: percent, value: 100, period: 15s } ] }
        """)
    #expect(p.rules.map(\.kind) == [
        .utilization(metric: "cpu", target: 0.7),
        .perInstance(metric: "queue_depth", target: 100),
        .threshold(ThresholdRule(condition: .above(metric: "latency_p95", ThresholdValue(2, unit: .seconds)), sustain: 180, step: .instances(1))),
    ])
    #expect(p.rules[0].tolerance == Tolerance(0.1))
    #expect(p.scaleUp == .defaultScaleUp)
    #expect(p.scaleDown == .defaultScaleDown)
    #expect(p.rules.map(\.name) == ["cpu target 70%", "queue_depth per instance 100", "latency_p95 > 2s for 3m"])
}

@Test func omittedBehaviourTakesHPADefaults() {
    let p = mustPolicy("kind: scale\nname: x\nrules: [ { metric: cpu, target: 60%, tolerance: { up: 5%, down: 15% } } ]")
    #expect(p.scaleUp == .defaultScaleUp)
    #expect(p.scaleDown == .defaultScaleDown)
    #expect(p.rules[0].tolerance == Tolerance(up: 0.05, down: 0.15))
    // A direction given without policies keeps HPA's policies.
    let q = mustPolicy("name: y\nrules: [ { metric: cpu, target: 60% } ]\nscaleDown: { stabilization: 10m }")
    #expect(q.scaleDown.stabilization == 600)
    #expect(q.scaleDown.policies == ScalingRules.defaultScaleDown.policies)
}

struct BadPolicyCase: CustomTestStringConvertible, Sendable {
    var name: String
    var yaml: String
    var path: String
    var summary: String
    var detail: String
    var line: Int
    var testDescription: String { name }
}

@Test(arguments: [
    BadPolicyCase(name: "misspelt rule key", yaml: "name: x\nrules:\n  - metric: cpu\n    targt: 70%\n", path: "rules[0].targt",
                  summary: "Unknown key", detail: "Did you mean `target`?", line: 4),
    BadPolicyCase(name: "misspelt top-level key", yaml: "name: x\nscaleUP: {}\nrules: [ { metric: cpu, target: 70% } ]\n", path: "scaleUP",
                  summary: "Unknown key", detail: "Did you mean `scaleUp`?", line: 2),
    BadPolicyCase(name: "tolerance without percent", yaml: "name: x\nrules:\n  - { metric: cpu, target: 70%, tolerance: 10 }\n", path: "rules[0].tolerance",
                  summary: "Invalid percentage", detail: "Expected a percentage such as `70%`", line: 3),
    BadPolicyCase(name: "two targets", yaml: "name: x\nrules:\n  - { metric: cpu, target: 70%, above: 80% }\n", path: "rules[0]",
                  summary: "Ambiguous rule", detail: "this one has `target` and `above`", line: 3),
    BadPolicyCase(name: "no target", yaml: "name: x\nrules:\n  - { metric: cpu }\n", path: "rules[0]",
                  summary: "Rule without a target", detail: "A rule needs one of", line: 3),
    BadPolicyCase(name: "bad duration", yaml: "name: x\nrules:\n  - { metric: cpu, above: 70%, for: 5 minutes }\n", path: "rules[0].for",
                  summary: "Invalid duration", detail: "Expected a duration", line: 3),
    BadPolicyCase(name: "zero step", yaml: "name: x\nrules:\n  - { metric: cpu, above: 70%, step: 0 }\n", path: "rules[0].step",
                  summary: "Invalid step", detail: "non-zero step", line: 3),
    BadPolicyCase(name: "unknown select", yaml: "name: x\nrules: [ { metric: cpu, target: 70% } ]\nscaleUp: { select: maks }\n", path: "scaleUp.select",
                  summary: "Invalid value", detail: "Did you mean `max`?", line: 3),
    BadPolicyCase(name: "rate policy type", yaml: "name: x\nrules: [ { metric: cpu, target: 70% } ]\nscaleUp:\n  policies: [ { type: pods, value: 4, period: 15s } ]\n", path: "scaleUp.policies[0].type",
                  summary: "Invalid value", detail: "'pods' is not one of: instances, percent", line: 4),
    BadPolicyCase(name: "period too long", yaml: "name: x\nrules: [ { metric: cpu, target: 70% } ]\nscaleDown:\n  policies: [ { type: percent, value: 10, period: 1h } ]\n", path: "scaleDown.policies[0].period",
                  summary: "Value out of range", detail: "between 1s and 30m", line: 4),
    BadPolicyCase(name: "unknown time zone", yaml: "name: x\nschedules:\n  - { timezone: Europe/Berlni, from: \"08:00\", to: \"20:00\", min: 2 }\n", path: "schedules[0].timezone",
                  summary: "Unknown time zone", detail: "'Europe/Berlni' is not a time zone name", line: 3),
    BadPolicyCase(name: "bad clock time", yaml: "name: x\nschedules:\n  - { from: \"8am\", to: \"20:00\", min: 2 }\n", path: "schedules[0].from",
                  summary: "Invalid time", detail: "Expected a local time", line: 3),
    BadPolicyCase(name: "bad days", yaml: "name: x\nschedules:\n  - { days: mon-frx, from: \"08:00\", to: \"20:00\", min: 2 }\n", path: "schedules[0].days",
                  summary: "Invalid days", detail: "Expected days such as `mon-fri`", line: 3),
    BadPolicyCase(name: "condition without threshold", yaml: "name: x\nrules:\n  - all: [ { metric: cpu } ]\n    step: -1\n", path: "rules[0].all[0]",
                  summary: "Condition without a threshold", detail: "exactly one of `above` or `below`", line: 3),
    BadPolicyCase(name: "tolerance on a threshold rule", yaml: "name: x\nrules:\n  - { metric: cpu, above: 70%, tolerance: 5% }\n", path: "rules[0].tolerance",
                  summary: "Tolerance on a threshold rule", detail: "`tolerance` applies to `target` and `perInstance` rules only", line: 3),
    BadPolicyCase(name: "fallback incomplete", yaml: "name: x\nrules: [ { metric: cpu, target: 70% } ]\nfallback: { after: 3 }\n", path: "fallback",
                  summary: "Incomplete fallback", detail: "needs `after`", line: 3),
    BadPolicyCase(name: "missing name", yaml: "rules: [ { metric: cpu, target: 70% } ]\n", path: "",
                  summary: "Missing name", detail: "A policy needs a `name`.", line: 1),
])
func badPolicies(_ c: BadPolicyCase) {
    let (parsed, diagnostics) = policy(c.yaml)
    #expect(parsed == nil)
    let match = diagnostics.items.first { $0.path == c.path }
    #expect(match != nil, "paths: \(diagnostics.items.map(\.path))")
    #expect(match?.severity == .error)
    #expect(match?.summary == c.summary)
    #expect(match?.detail.contains(c.detail) == true, "\(match?.detail ?? "")")
    #expect(match?.range?.start.line == c.line)
    #expect(match?.range?.filename == "test.yaml")
}

@Test func allProblemsAreReportedAtOnce() {
    let (_, diagnostics) = policy("name: x\nrules:\n  - { metric: cpu, targt: 70% }\n  - { metric: mem, above: lots }\nscaleUp: { select: fastest }\n")
    #expect(diagnostics.errorCount == 4, "\(diagnostics.items.map { "\($0.path): \($0.summary)" })")
}

@Test func aPolicyWithoutRulesIsAWarning() {
    let (parsed, diagnostics) = policy("name: empty\n")
    #expect(parsed != nil)
    #expect(diagnostics.items.map(\.summary) == ["Policy without rules"])
    #expect(diagnostics.items.first?.severity == .warning)
}

@Test func queueAgeRuleExpandsIntoFastUpAndSlowDown() {
    let p = mustPolicy("name: q\nrules:\n  - { metric: queue_age, maxAge: 30s }\n")
    #expect(p.rules.map(\.name) == ["queue_age above 30s", "queue_age below 15s for 10m"])
    #expect(p.longestWindow == 600)
    #expect(p.needsObservations)
}

@Test func scheduleDaysAndWrapping() {
    let p = mustPolicy("""
        name: s
        schedules:
          - { name: weekend-nights, timezone: America/New_York, days: [sat, sun], from: "22:00", to: "06:00", max: 1 }
        """)
    let night = p.schedules[0]
    #expect(night.days == 0b100_0001)
    // Saturday 23:00 in New York (UTC-5) is Sunday 04:00 UTC.
    #expect(night.isActive(at: Timestamp.parse("2026-01-11T04:00:00Z")!))
    // Monday 03:00 in New York belongs to Sunday night's window.
    #expect(night.isActive(at: Timestamp.parse("2026-01-12T08:00:00Z")!))
    // Tuesday 03:00 does not (Monday night is not in the list).
    #expect(!night.isActive(at: Timestamp.parse("2026-01-13T08:00:00Z")!))
}
