import Blueprint
import Foundation
import Testing
@testable import Scaling

/// A ``ScalingEngine/Context`` only remembers what it derived from earlier inputs (each policy's
/// ``PolicyPlan``, the zones' offsets at one `now`): deciding through it must give exactly what a
/// decision without one gives, whatever the order of policies, times and services.

private let web = mustPolicy("""
kind: scale
name: web
rules:
  - metric: cpu
    target: 70%
  - metric: memory
    target: 80%
  - metric: queue_depth
    perInstance: 100
  - metric: latency_p95
    above: 2s
    for: 1m
    step: +1
  - name: quiet
    all:
      - { metric: cpu, below: 30% }
      - { metric: memory, below: 50% }
    for: 2m
    step: -1
schedules:
  - { name: office, timezone: Europe/Berlin, days: mon-fri, from: "08:00", to: "18:00", min: 3 }
  - { name: night, timezone: America/New_York, days: daily, from: "22:00", to: "06:00", max: 4 }
""")

private let worker = mustPolicy("""
kind: scale
name: worker
rules:
  - metric: queue_depth
    perInstance: 50
  - metric: queue_age
    maxAge: 60s
  - metric: request_rate
    target: 10
scaleToZero:
  idleAfter: 1m
fallback:
  after: 2
  instances: 2
schedules:
  - { name: sydney, timezone: Australia/Sydney, days: weekends, from: "09:00", to: "17:00", min: 1, max: 6 }
""")

/// Same name and rules as `web`, another tolerance: a context must not reuse `web`'s plan for it.
private let webLoose: ScalePolicy = {
    var policy = web
    policy.scaleUp.tolerance = 0.5
    policy.scaleDown.tolerance = 0.5
    return policy
}()

/// Same name as `worker`, other rules.
private let workerOther = mustPolicy("""
kind: scale
name: worker
rules:
  - metric: cpu
    target: 50%
  - { metric: queue_depth, above: 10, for: 30s, step: +2 }
""")

private func metric(_ name: String, current: Int, _ random: inout SeededRandom) -> ObservedMetric? {
    let x = random.next()
    if x < 0.06 { return nil }
    if x < 0.1 { return .unavailable("timeout") }
    if name == "cpu" || name == "memory", random.next() < 0.7 {
        var samples: [InstanceSample] = []
        for i in 0..<max(1, current) {
            let missing = random.next() < 0.08
            samples.append(InstanceSample(missing ? nil : random.next() * 1.1, limit: 1, ready: i > 0 || random.next() > 0.1))
        }
        return .instances(samples)
    }
    let scales: [String: Double] = ["queue_depth": 400, "queue_age": 120, "latency_p95": 4, "request_rate": 60]
    let scale = scales[name] ?? 1
    return .total(random.next() < 0.15 ? 0 : random.next() * scale)
}

private func texts(_ d: Decision) -> [String] {
    [String(d.desired), d.action.rawValue, String(describing: d.recommendation), String(d.historyWindow), "\(d.min)-\(d.max)"]
        + d.reasons.map { "\($0.code): \($0.message)" }
        + d.proposals.map { "\($0.rule): \(String(describing: $0.instances)) \($0.reason)" }
        + [d.observation.map { $0.dictionary.sorted { $0.key < $1.key }.description } ?? "-",
           d.failures.sorted { $0.key < $1.key }.description, String(d.sustainedConditions.count)]
}

/// A service's input at `now`, drawn at random: one of the four policies, readings present,
/// missing and unavailable, more readings than the plan's walk handles now and then, histories with
/// and without their sustained runs, failures.
private func randomInput(at now: Date, _ random: inout SeededRandom) -> DecisionInput {
    let policies = [web, worker, webLoose, workerOther]
    let names = ["cpu", "memory", "queue_depth", "queue_age", "latency_p95", "request_rate", "queue_active"]
    let policy = policies[random.int(0...(random.next() < 0.7 ? 1 : 3))]
    let current = random.int(0...8)
    var metrics = ObservedMetrics()
    for name in names { metrics[name] = metric(name, current: current, &random) }
    if random.next() < 0.2 {
        // Readings no rule reads, before and after the ones they do: the walk passes over them.
        for extra in 0..<10 { metrics["extra_\(extra)"] = .total(Double(extra)) }
        metrics = ObservedMetrics(metrics.map { ($0.name, $0.metric) }.shuffled(&random))
    }
    var history = ScalingHistory.starting(current: current, at: now.addingTimeInterval(-600))
    for k in stride(from: 300.0, to: 0, by: -15) where random.next() < 0.9 {
        history.observations.append(.init(at: now.addingTimeInterval(-k), values: [
            "cpu": random.next(), "memory": random.next(), "latency_p95": random.next() * 4, "queue_depth": random.next() < 0.3 ? 0 : 100,
        ]))
        history.recommendations.append(.init(at: now.addingTimeInterval(-k), instances: random.int(0...8)))
    }
    if random.next() < 0.5 {
        // As `record` leaves it: each sustained rule's run kept.
        history.trackRuns(of: policy.rules.compactMap { rule in
            if case .threshold(let threshold) = rule.kind, threshold.sustain > 0 { return threshold.condition }
            return nil
        })
    }
    if random.next() < 0.2 { history.failures = ["queue_depth": random.int(1...3)] }
    return DecisionInput(now: now, current: current, min: random.int(0...2), max: random.int(3...10), policy: policy,
                         metrics: metrics, history: history)
}

/// A few moments across days and hours, so that schedules open and close and offsets change.
private func moments(_ random: inout SeededRandom) -> [Date] {
    (0..<6).map { _ in t0.addingTimeInterval(Double(Int(random.next() * 14 * 24)) * 3600 + 900) }
}

@Test func contextGivesTheSameDecisionsAsSeparateCalls() {
    var random = SeededRandom(state: 42)
    let moments = moments(&random)
    var context = ScalingEngine.Context()
    var compared = 0, differing = Set<String>()
    for round in 0..<1_200 {
        // Runs of services at one moment, then the next moment, as ticks are.
        let input = randomInput(at: moments[(round / 40) % moments.count], &random)
        let alone = texts(ScalingEngine.decide(input))
        let through = texts(context.decide(input))
        #expect(alone == through, "round \(round), policy \(input.policy.name)")
        compared += 1
        differing.insert(alone.joined(separator: "|"))
    }
    #expect(compared == 1_200)
    // The inputs are varied enough to say something: many different decisions.
    #expect(differing.count > 1_000)
}

@Test func decidingATickAtOnceGivesEachInputItsOwnDecisionAndLeavesTheInputs() {
    var random = SeededRandom(state: 7)
    let moments = moments(&random)
    for (tick, now) in moments.enumerated() {
        let inputs = (0..<300).map { _ in randomInput(at: now, &random) }
        var lent = inputs
        var context = ScalingEngine.Context()
        let together = context.decide(all: &lent)
        #expect(together.count == inputs.count)
        for index in inputs.indices {
            #expect(texts(together[index]) == texts(ScalingEngine.decide(inputs[index])), "tick \(tick), service \(index)")
            // Each input was moved out while it was decided and moved back: the same values again.
            #expect(lent[index].metrics == inputs[index].metrics && lent[index].history == inputs[index].history
                    && lent[index].policy == inputs[index].policy && lent[index].current == inputs[index].current,
                    "tick \(tick), service \(index)")
        }
    }
    var none: [DecisionInput] = []
    var context = ScalingEngine.Context()
    #expect(context.decide(all: &none).isEmpty)
}

/// The engine tries each metric where the policy reads it first, then walks the others: the order
/// a producer lists the readings in must not change a decision.
@Test func decisionsDoNotDependOnTheOrderOfTheReadings() {
    var random = SeededRandom(state: 23)
    let moments = moments(&random)
    var context = ScalingEngine.Context()
    for round in 0..<600 {
        var input = randomInput(at: moments[round % moments.count], &random)
        let given = texts(context.decide(input))
        let pairs = Array(input.metrics)
        for order in [pairs.reversed(), pairs.shuffled(&random), Array(pairs.dropFirst(2) + pairs.prefix(2))] {
            input.metrics = ObservedMetrics(order.map { ($0.name, $0.metric) })
            #expect(texts(context.decide(input)) == given, "round \(round), order \(input.metrics.names)")
        }
    }
}

@Test func thePrefetchHintsFindTheReferencesTheyFollow() {
    // Every hinted part of an input is a single reference on this platform; a part whose layout
    // changed would silently lose its hint (decisions would not change, only their speed).
    let layout = Prefetch.layout
    #expect(layout.entries != nil)
    #expect(layout.samples != nil)
    #expect(layout.recommendations != nil)
    #expect(layout.events != nil)
    #expect(layout.runs != nil)
}

@Test func contextTellsPoliciesApartBeyondTheirRules() {
    // The same rules array and name, another tolerance: a scale-up by 1.3x is outside 10 % but inside 50 %.
    let metrics: ObservedMetrics = ["cpu": .total(0.91), "memory": .total(0.5), "queue_depth": .total(0), "latency_p95": .total(1)]
    func input(_ policy: ScalePolicy) -> DecisionInput {
        DecisionInput(now: t0, current: 4, min: 1, max: 10, policy: policy, metrics: metrics)
    }
    var context = ScalingEngine.Context()
    let strict = context.decide(input(web))
    let loose = context.decide(input(webLoose))
    #expect(strict.proposals[0].instances == 6)
    #expect(loose.proposals[0].instances == 4)
    #expect(loose.proposals[0].reason.contains("within tolerance"))
    #expect(texts(loose) == texts(ScalingEngine.decide(input(webLoose))))
    // And back: the first plan is still found.
    #expect(texts(context.decide(input(web))) == texts(strict))
}

/// A plan also holds which metrics the queueing target and the look-ahead read, and the behaviours
/// it renders messages from: policies that differ only there must not share one.
@Test func contextTellsPoliciesApartByTheirQueueingMetricAndBehaviour() {
    let byRate = mustPolicy("""
    name: queued
    rules: [ { metric: cpu, target: 80% } ]
    queueing: { metric: request_rate, capacity: 10, p95: 2s }
    """)
    var byOther = byRate
    byOther.queueing?.metric = "other_rate"
    var slower = byRate
    slower.scaleUp.policies = [RatePolicy(type: .instances, value: 1, period: 60)]
    let metrics: ObservedMetrics = ["cpu": .total(0.5), "request_rate": .total(120), "other_rate": .total(20)]
    func input(_ policy: ScalePolicy) -> DecisionInput {
        DecisionInput(now: t0, current: 2, min: 1, max: 20, policy: policy, metrics: metrics)
    }
    var context = ScalingEngine.Context()
    for policy in [byRate, byOther, slower, byRate, byOther, slower] {
        #expect(texts(context.decide(input(policy))) == texts(ScalingEngine.decide(input(policy))))
    }
    // The two rates ask for different counts, so sharing a plan would show.
    #expect(ScalingEngine.decide(input(byRate)).proposals.last?.instances != ScalingEngine.decide(input(byOther)).proposals.last?.instances)
    #expect(ScalingEngine.decide(input(slower)).desired == 3)
}
