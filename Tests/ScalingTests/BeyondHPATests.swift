import Blueprint
import Foundation
import Testing
@testable import Scaling

/// Issue 5 §2: threshold rules with sustain and any/all, queue rules, constraints, schedules, scale
/// to zero and fallback, with the reasons a user would read.

/// Observations every 15 s from `from` seconds ago up to 15 s ago, all with `values`.
func steady(_ values: [String: Double], from: Double) -> [ScalingHistory.Observation] {
    stride(from: -from, to: 0, by: 15).map { ScalingHistory.Observation(at: at($0), values: values) }
}

func shipped(_ name: String) throws -> ScalePolicy {
    let url = Repo.root.appendingPathComponent("policies/\(name).yaml")
    return mustPolicy(try String(contentsOf: url, encoding: .utf8))
}

let quietWeb: ObservedMetrics = ["cpu": .total(0.5), "memory": .total(0.6), "latency_p95": .total(0.3), "error_rate": .total(0)]

// MARK: Threshold rules

@Test func cpuAboveSeventyForFiveMinutesAddsOne() throws {
    let web = try shipped("web-seed-triggers")
    var metrics = quietWeb
    metrics["cpu"] = .total(0.82)
    let history = ScalingHistory(observations: steady(["cpu": 0.8, "memory": 0.6], from: 300))
    let d = decide(web, current: 2, min: 2, max: 5, metrics: metrics, history: history)
    #expect(d.desired == 3)
    #expect(d.action == .scaleUp)
    #expect(d.reasonCodes == ["Proposal", "DesiredWithinRange"])
    let cpuRule = d.proposals.first { $0.rule == "cpu > 70% for 5m" }
    #expect(cpuRule?.instances == 3)
    #expect(cpuRule?.reason == "cpu 82%: cpu > 70% for 5m (≥ 5m), step +1 → 3")
    #expect(d.observation?["cpu"] == 0.82, "this tick's reading is handed back for the history")
}

@Test func aBreachNotYetSustainedWaits() throws {
    let web = try shipped("web-seed-triggers")
    var metrics = quietWeb
    metrics["cpu"] = .total(0.82)
    // High for two minutes, after a dip.
    let history = ScalingHistory(observations: steady(["cpu": 0.5], from: 600).filter { $0.at < at(-120) } + steady(["cpu": 0.9], from: 120))
    let d = decide(web, current: 2, min: 2, max: 5, metrics: metrics, history: history)
    #expect(d.desired == 2)
    #expect(d.reasonCodes == ["NoRuleFired", "DesiredWithinRange"])
    #expect(d.proposals.first { $0.rule == "cpu > 70% for 5m" }?.reason == "cpu 82%: cpu > 70% for 2m of 5m so far")
}

@Test func oneStepPerRatePeriodWhileTheBreachLasts() throws {
    let web = try shipped("web-seed-triggers")
    var metrics = quietWeb
    metrics["latency_p95"] = .total(2.5)
    let history = ScalingHistory(events: [.init(at: at(-60), change: 1)], observations: steady(["latency_p95": 2.4], from: 400))
    let d = decide(web, current: 3, min: 2, max: 5, metrics: metrics, history: history)
    #expect(d.proposals.first { $0.rule == "latency_p95 > 2s for 3m" }?.instances == 4)
    #expect(d.desired == 3, "one instance per 2 minutes: the +1 of a minute ago uses the budget")
    #expect(d.reasonCodes.last == "ScaleUpLimit")
}

@Test func scaleDownOnlyWhenCpuAndMemoryAreBothLowForTenMinutes() throws {
    let web = try shipped("web-seed-triggers")
    let low: ObservedMetrics = ["cpu": .total(0.2), "memory": .total(0.4), "latency_p95": .total(0.3), "error_rate": .total(0)]
    let history = ScalingHistory(observations: steady(["cpu": 0.2, "memory": 0.4], from: 600))
    let d = decide(web, current: 4, min: 2, max: 5, metrics: low, history: history)
    #expect(d.desired == 3)
    #expect(d.proposals.first { $0.rule == "quiet" }?.reason == "cpu 20%, memory 40%: cpu < 30% and memory < 50% for 10m (≥ 10m), step -1 → 3")

    // Memory at 60 %: the `all` does not hold, nothing fires.
    var busyMemory = low
    busyMemory["memory"] = .total(0.6)
    let held = decide(web, current: 4, min: 2, max: 5, metrics: busyMemory, history: history)
    #expect(held.desired == 4)
    #expect(held.proposals.first { $0.rule == "quiet" }?.instances == nil)

    // Memory was high five minutes ago: the ten minutes start after that.
    let broken = ScalingHistory(observations: steady(["cpu": 0.2, "memory": 0.4], from: 600).map { o in
        o.at == at(-300) ? .init(at: o.at, values: ["cpu": 0.2, "memory": 0.7]) : o
    })
    #expect(decide(web, current: 4, min: 2, max: 5, metrics: low, history: broken).desired == 4)
}

@Test func anyCombinationFiresOnEitherCondition() {
    let p = mustPolicy("""
        name: any
        rules:
          - any: [ { metric: cpu, above: 90% }, { metric: error_rate, above: 5% } ]
            step: +2
        """)
    #expect(decide(p, current: 2, metrics: ["cpu": .total(0.5), "error_rate": .total(0.07)]).desired == 4)
    #expect(decide(p, current: 2, metrics: ["cpu": .total(0.5), "error_rate": .total(0.01)]).desired == 2)
    // One known true condition is enough even if the other metric is missing.
    #expect(decide(p, current: 2, metrics: ["cpu": .total(0.95)]).desired == 4)
}

@Test func aMissingMetricBlocksTheScaleDownRule() throws {
    let web = try shipped("web-seed-triggers")
    let d = decide(web, current: 4, min: 2, max: 5, metrics: ["cpu": .total(0.1), "latency_p95": .total(0.2), "error_rate": .total(0)],
                   history: ScalingHistory(observations: steady(["cpu": 0.1, "memory": 0.3], from: 900)))
    #expect(d.desired == 4)
    #expect(d.proposals.first { $0.rule == "quiet" }?.reason == "memory unavailable: no reading")
    #expect(d.failures == ["memory": 1])
}

// MARK: Queue rules

@Test func backlogPerInstanceScalesFastUp() throws {
    let worker = try shipped("queue-worker")
    let d = decide(worker, current: 2, min: 1, max: 20, metrics: ["queue_depth": .total(850), "queue_age": .total(20), "queue_active": .total(2)])
    #expect(d.proposals[0].instances == 9)
    #expect(d.proposals[0].reason == "queue_depth 850 at 100 per instance: ceil(850 / 100) = 9")
    #expect(d.desired == 6, "4 instances or 100 % per 15 s: 2 + 4")
    #expect(d.reasonCodes == ["Proposal", "ScaleUpLimit"])
}

@Test func oldJobsAddAnInstanceAtOnce() throws {
    let worker = try shipped("queue-worker")
    let d = decide(worker, current: 3, min: 1, max: 20, metrics: ["queue_depth": .total(250), "queue_age": .total(95), "queue_active": .total(3)])
    #expect(d.proposals.first { $0.rule == "queue_age above 1m" }?.instances == 4)
    #expect(d.desired == 4)
}

@Test func youngJobsRemoveOneOnlyAfterTenQuietMinutes() throws {
    let worker = try shipped("queue-worker")
    let metrics: ObservedMetrics = ["queue_depth": .total(40), "queue_age": .total(3), "queue_active": .total(4)]
    let quiet = ScalingHistory(observations: steady(["queue_age": 4, "queue_depth": 40, "queue_active": 4], from: 600))
    let d = decide(worker, current: 4, min: 1, max: 20, metrics: metrics, history: quiet)
    #expect(d.proposals.first { $0.rule == "queue_age below 15s for 10m" }?.instances == 3)
    // The backlog rule alone would say 1; the slow age rule says 3; the largest wins.
    #expect(d.desired == 3)
    let early = decide(worker, current: 4, min: 1, max: 20, metrics: metrics, history: ScalingHistory(observations: steady(["queue_age": 4], from: 120)))
    #expect(early.proposals.first { $0.rule == "queue_age below 15s for 10m" }?.instances == nil)
}

// MARK: Constraints

let cpu30 = ScalePolicy(name: "cpu", rules: [ScaleRule(name: "cpu", kind: .utilization(metric: "cpu", target: 0.3))])

@Test func budgetCapsAScaleUp() {
    let constraints = ScalingConstraints(budget: BudgetConstraint(monthlyLimit: 400, pricePerInstance: 25, otherServices: 300))
    let d = decide(cpu30, current: 3, metrics: ["cpu": cpu([600, 600, 600])], constraints: constraints)
    #expect(d.proposals[0].instances == 6)
    #expect(d.desired == 4)
    #expect(d.reasonCodes == ["Proposal", "DesiredWithinRange", "BudgetLimited"])
    #expect(d.reasons.last?.message == "6 instances at $25/month would bring the environment to $450, over the $400 budget; 4 fit")
}

@Test func connectionBudgetCapsAScaleUp() {
    let constraints = ScalingConstraints(connections: [ConnectionConstraint(datastore: "postgres", maxConnections: 60, perInstance: 10, otherServices: 20)])
    let d = decide(cpu30, current: 3, metrics: ["cpu": cpu([600, 600, 600])], constraints: constraints)
    #expect(d.desired == 4)
    #expect(d.reasons.last?.code == "ConnectionLimited")
    #expect(d.reasons.last?.message == "6 × 10 connections + 20 from other services exceeds postgres's 60; 4 fit")
}

@Test func upstreamCeilingCapsAScaleUp() {
    let constraints = ScalingConstraints(upstream: UpstreamConstraint(name: "openai", requestsPerMinute: 500, perInstance: 100))
    let d = decide(cpu30, current: 3, metrics: ["cpu": cpu([900, 900, 900])], constraints: constraints)
    #expect(d.desired == 5)
    #expect(d.reasons.last?.code == "UpstreamLimited")
}

@Test func everyBindingCapIsReportedAndTheLowestWins() {
    let constraints = ScalingConstraints(
        budget: BudgetConstraint(monthlyLimit: 400, pricePerInstance: 25, otherServices: 300),
        connections: [ConnectionConstraint(datastore: "postgres", maxConnections: 60, perInstance: 10, otherServices: 30)],
        upstream: UpstreamConstraint(name: "openai", maxInstances: 5))
    let d = decide(cpu30, current: 2, metrics: ["cpu": cpu([900, 900])], constraints: constraints)
    #expect(d.proposals[0].instances == 6)
    #expect(d.desired == 3)
    #expect(d.reasonCodes == ["Proposal", "DesiredWithinRange", "BudgetLimited", "ConnectionLimited", "UpstreamLimited"])
}

@Test func capsNeverForceAScaleDown() {
    let constraints = ScalingConstraints(budget: BudgetConstraint(monthlyLimit: 400, pricePerInstance: 25, otherServices: 300))
    let d = decide(cpu30, current: 5, metrics: ["cpu": cpu([600, 600, 600, 600, 600])], constraints: constraints)
    #expect(d.desired == 5)
    #expect(d.action == .hold)
    #expect(d.hasReason(.budgetLimited))
}

// MARK: Schedules

let businessHours = mustPolicy("""
    name: office
    rules: [ { metric: cpu, target: 70% } ]
    schedules:
      - name: business-hours
        timezone: Europe/Berlin
        days: mon-fri
        from: "08:00"
        to: "20:00"
        min: 3
      - name: night
        timezone: Europe/Berlin
        days: daily
        from: "23:00"
        to: "06:00"
        max: 1
    """)

struct ScheduleCase: CustomTestStringConvertible, Sendable {
    var time: String
    var current: Int
    var expected: Int
    var code: String
    var testDescription: String { time }
}

@Test(arguments: [
    // Monday 12:00 UTC is 13:00 in Berlin (winter, UTC+1): the floor of 3 applies.
    ScheduleCase(time: "2026-01-05T12:00:00Z", current: 2, expected: 3, code: "ScheduleFloor"),
    // 07:30 UTC is 08:30 in Berlin: open.
    ScheduleCase(time: "2026-01-05T07:30:00Z", current: 2, expected: 3, code: "ScheduleFloor"),
    // 06:30 UTC is 07:30 in Berlin in winter: closed; the CPU rule is within tolerance.
    ScheduleCase(time: "2026-01-05T06:30:00Z", current: 2, expected: 2, code: "WithinTolerance"),
    // In summer (UTC+2) 06:30 UTC is 08:30 in Berlin: open.
    ScheduleCase(time: "2026-07-06T06:30:00Z", current: 2, expected: 3, code: "ScheduleFloor"),
    // Saturday: closed.
    ScheduleCase(time: "2026-01-10T12:00:00Z", current: 2, expected: 2, code: "WithinTolerance"),
    // 23:30 Berlin on a Monday and 02:00 Berlin on Tuesday: the night ceiling of 1.
    ScheduleCase(time: "2026-01-05T22:30:00Z", current: 3, expected: 1, code: "ScheduleCeiling"),
    ScheduleCase(time: "2026-01-06T01:00:00Z", current: 3, expected: 1, code: "ScheduleCeiling"),
])
func schedules(_ c: ScheduleCase) {
    let d = decide(businessHours, current: c.current, min: 1, max: 10, metrics: ["cpu": cpu(Array(repeating: 700, count: c.current))],
                   now: Timestamp.parse(c.time)!)
    #expect(d.desired == c.expected)
    #expect(d.reasonCodes.first == c.code)
}

@Test func scheduleFloorAlsoClampsTheRecommendation() {
    let d = decide(businessHours, current: 3, min: 1, max: 10, metrics: ["cpu": cpu([100, 100, 100])])
    #expect(d.proposals[0].instances == 1)
    #expect(d.desired == 3)
    #expect(d.reasons.last?.code == "ScheduleFloor")
    #expect(d.min == 3)
}

// MARK: Scale to zero

func workerMetrics(depth: Double, active: Double, age: Double = 0) -> ObservedMetrics {
    ["queue_depth": .total(depth), "queue_active": .total(active), "queue_age": .total(age)]
}

@Test func suspendsAfterTheIdlePeriod() throws {
    let worker = try shipped("queue-worker")
    let idle = ScalingHistory(observations: steady(["queue_depth": 0, "queue_active": 0, "queue_age": 0], from: 900))
    let d = decide(worker, current: 2, min: 0, max: 6, metrics: workerMetrics(depth: 0, active: 0), history: idle)
    #expect(d.desired == 0)
    #expect(d.reasonCodes == ["ScaleToZero"])
    #expect(d.reasons[0].message == "queue_depth empty and no queue_active for 15m (≥ 15m): suspending")
}

@Test func neverSuspendsWhileJobsAreActive() throws {
    let worker = try shipped("queue-worker")
    let idle = ScalingHistory(observations: steady(["queue_depth": 0, "queue_active": 0, "queue_age": 0], from: 900))
    let d = decide(worker, current: 2, min: 0, max: 6, metrics: workerMetrics(depth: 0, active: 1), history: idle)
    #expect(d.desired >= 1)
    #expect(!d.hasReason(.scaleToZero))
    // Idle for only 10 minutes: not yet.
    let short = ScalingHistory(observations: steady(["queue_depth": 0, "queue_active": 0], from: 600))
    #expect(decide(worker, current: 1, min: 0, max: 6, metrics: workerMetrics(depth: 0, active: 0), history: short).desired == 1)
    // A blueprint minimum of 1 means never.
    #expect(decide(worker, current: 1, min: 1, max: 6, metrics: workerMetrics(depth: 0, active: 0), history: idle).desired == 1)
}

@Test func staysSuspendedUntilTheFirstJob() throws {
    let worker = try shipped("queue-worker")
    let d = decide(worker, current: 0, min: 0, max: 6, metrics: workerMetrics(depth: 0, active: 0))
    #expect(d.desired == 0)
    #expect(d.reasonCodes == ["ScaledToZero"])
    let woken = decide(worker, current: 0, min: 0, max: 6, metrics: workerMetrics(depth: 1, active: 0, age: 2))
    #expect(woken.desired == 1)
    #expect(woken.reasonCodes.first == "Activation")
    let flood = decide(worker, current: 0, min: 0, max: 20, metrics: workerMetrics(depth: 950, active: 0, age: 30))
    #expect(flood.desired == 4, "from zero the rate policy allows 0 + 4")
    #expect(flood.reasonCodes == ["Activation", "ScaleUpLimit"])
}

@Test func aManualZeroSwitchesScalingOffWithoutScaleToZero() {
    let d = decide(cpu30, current: 0, min: 1, max: 5, metrics: ["cpu": cpu([])])
    #expect(d.desired == 0)
    #expect(d.reasonCodes == ["ScalingDisabled"])
}

// MARK: Fallback and unavailable metrics

@Test func fallbackAfterConsecutiveFailedReads() throws {
    let worker = try shipped("queue-worker")
    let failing: ObservedMetrics = ["queue_depth": .unavailable("redis: connection refused"), "queue_age": .unavailable("redis: connection refused"), "queue_active": .unavailable("redis: connection refused")]
    let third = decide(worker, current: 1, min: 1, max: 6, metrics: failing, history: ScalingHistory(failures: ["queue_depth": 2, "queue_age": 2, "queue_active": 2]))
    #expect(third.desired == 1)
    #expect(third.reasonCodes == ["MetricsUnavailable"])
    #expect(third.failures["queue_depth"] == 3)
    let fourth = decide(worker, current: 1, min: 1, max: 6, metrics: failing, history: ScalingHistory(failures: third.failures))
    #expect(fourth.desired == 2)
    #expect(fourth.reasonCodes.first == "Fallback")
    #expect(fourth.reasons[0].message == "queue_active failed 4 reads in a row (fallback after 4): going to 2 (currentIfHigher)")
    // currentIfHigher never shrinks.
    #expect(decide(worker, current: 5, min: 1, max: 6, metrics: failing, history: ScalingHistory(failures: third.failures)).desired == 5)
    // A good read resets the count.
    let recovered = decide(worker, current: 2, min: 1, max: 6, metrics: workerMetrics(depth: 150, active: 2, age: 10), history: ScalingHistory(failures: third.failures))
    #expect(recovered.failures.isEmpty)
}

@Test func allMetricsUnavailableHolds() {
    let d = decide(cpu30, current: 3, metrics: ["cpu": .unavailable("prometheus timeout")])
    #expect(d.desired == 3)
    #expect(d.reasonCodes == ["MetricsUnavailable"])
    #expect(d.reasons[0].message == "no rule has a usable metric, holding at 3: cpu: cpu unavailable: prometheus timeout")
}

@Test func boundsComeFirst() {
    let above = decide(cpu30, current: 12, min: 1, max: 10, metrics: ["cpu": cpu(Array(repeating: 900, count: 12))])
    #expect(above.desired == 10)
    #expect(above.reasonCodes == ["CurrentAboveMax"])
    let below = decide(cpu30, current: 1, min: 2, max: 10, metrics: ["cpu": cpu([100])])
    #expect(below.desired == 2)
    #expect(below.reasonCodes == ["CurrentBelowMin"])
}

// MARK: History

@Test func historyStaysBoundedOverManyTicks() throws {
    let web = try shipped("web-seed-triggers")
    var history = ScalingHistory.starting(current: 2, at: t0)
    var current = 2
    for tick in 1...2000 {
        let now = at(Double(tick) * 15)
        let load = 0.5 + 0.4 * sin(Double(tick) / 40)
        let d = ScalingEngine.decide(DecisionInput(now: now, current: current, min: 2, max: 6, policy: web,
                                                   metrics: ["cpu": .total(load), "memory": .total(0.45), "latency_p95": .total(0.4), "error_rate": .total(0)],
                                                   history: history))
        history.record(d, at: now)
        current = d.desired
    }
    // The longest window is 10 minutes: 40 ticks of observations and events, plus one. No
    // stabilization window reads recommendations (both are 0 s): only this tick's is kept.
    #expect(history.observations.count <= 42)
    #expect(history.recommendations.count == 1)
    #expect(history.events.count <= 41)
}

/// Recommendations are kept for the stabilization windows, the only ones that read them, not for a
/// longer sustained rule; the decisions are the same as with the longer history.
@Test func recommendationsAreKeptForTheStabilizationWindowOnly() {
    let policy = mustPolicy("""
    name: long-sustain
    rules:
      - { metric: cpu, target: 60% }
      - { name: quiet, metric: cpu, below: 20%, for: 10m, step: -1 }
    scaleDown: { stabilization: 300s }
    """)
    var kept = ScalingHistory.starting(current: 3, at: t0), whole = kept
    var current = 3
    for tick in 1...200 {
        let now = at(Double(tick) * 15)
        let load = 0.4 + 0.35 * sin(Double(tick) / 9)
        let input = DecisionInput(now: now, current: current, min: 1, max: 12, policy: policy, metrics: ["cpu": .total(load)], history: kept)
        let decision = ScalingEngine.decide(input)
        var longer = input
        longer.history = whole
        #expect(ScalingEngine.decide(longer) == decision, "tick \(tick)")
        kept.record(decision, at: now)
        // What recording kept before: every list for the longest window (the sustained rule's 10 minutes).
        var unbounded = decision
        unbounded.recommendationWindow = nil
        whole.record(unbounded, at: now)
        current = decision.desired
    }
    #expect(kept.recommendations.count <= 21 && whole.recommendations.count >= 40)
    #expect(kept.observations.count >= 40)
}

@Test func recordingStoresWhatTheDecisionSays() {
    let d = decide(cpu30, current: 3, metrics: ["cpu": cpu([900, 900, 900])])
    var history = ScalingHistory()
    history.record(d, at: t0, applied: false)
    #expect(history.recommendations == [.init(at: t0, instances: 9)])
    #expect(history.events.isEmpty, "not applied: no scale event")
    history.record(d, at: t0.addingTimeInterval(15), applied: true)
    #expect(history.events == [.init(at: t0.addingTimeInterval(15), change: d.desired - 3)])
}
