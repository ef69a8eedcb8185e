import Blueprint
import Foundation
import Testing
@testable import Scaling

/// The history keeps each sustained threshold rule's run (``SustainedRun``) so that a decision
/// compares one date instead of walking the observations: the decision, reasons and proposal texts
/// must be exactly those of the walk, whatever the readings, gaps and policy changes.

private let sustainedPolicies = [
    mustPolicy("""
    kind: scale
    name: sustained
    rules:
      - name: hot
        metric: cpu
        above: 70%
        for: 2m
        step: +1
      - name: quiet
        all:
          - { metric: cpu, below: 30% }
          - { metric: memory, below: 50% }
        for: 5m
        step: -1
      - name: slow
        any:
          - { metric: latency_p95, above: 2s }
          - { metric: cpu, above: 90% }
        for: 45s
        step: +2
    """),
    // The same rules with thresholds moved: a run kept for the old condition must not be used.
    mustPolicy("""
    kind: scale
    name: sustained
    rules:
      - name: hot
        metric: cpu
        above: 60%
        for: 2m
        step: +1
      - name: quiet
        all:
          - { metric: cpu, below: 35% }
          - { metric: memory, below: 50% }
        for: 10m
        step: -1
    """),
]

private func texts(_ d: Decision) -> [String] {
    [String(d.desired)] + d.reasons.map(\.description) + d.proposals.map(\.description)
}

@Test func keptRunsDecideExactlyAsTheWalk() throws {
    var random = SeededRandom(state: 42)
    var checked = 0, usedKept = 0
    for sequence in 0..<40 {
        var history = ScalingHistory()
        var now = t0
        var current = 3
        var policyIndex = sequence % 2
        for tick in 0..<120 {
            // Irregular gaps (a missed tick, a restart), now and then a policy edit.
            now = now.addingTimeInterval(random.next() < 0.1 ? 60 + 600 * random.next() : 15)
            if random.next() < 0.02 { policyIndex = 1 - policyIndex }
            func reading(_ low: Double, _ high: Double) -> ObservedMetric {
                random.next() < 0.05 ? .unavailable("timeout") : .total(low + (high - low) * random.next())
            }
            let band = Double((tick / 20) % 3)   // stretches of low, middling and high load
            let metrics: ObservedMetrics = [
                "cpu": reading(0.1 + 0.35 * band, 0.3 + 0.35 * band),
                "memory": reading(0.3, 0.6),
                "latency_p95": reading(0.5 + band, 1.5 + band),
            ]
            let policy = sustainedPolicies[policyIndex]
            let kept = decide(policy, current: current, max: 20, metrics: metrics, now: now, history: history)
            var walking = history
            walking.runs = nil
            let walked = decide(policy, current: current, max: 20, metrics: metrics, now: now, history: walking)
            #expect(texts(kept) == texts(walked), "sequence \(sequence), tick \(tick)")
            checked += 1
            if history.runs != nil { usedKept += 1 }
            history.record(kept, at: now)
            current = kept.desired
            if random.next() < 0.1 {
                // Through the store's encoding and back, as the controller keeps it in Redis.
                let data = try JSONEncoder().encode(history)
                let decoded = try JSONDecoder().decode(ScalingHistory.self, from: data)
                #expect(decoded.runs == history.runs)
                history = decoded
            }
        }
    }
    #expect(checked == 4800)
    #expect(usedKept > 4000, "the kept runs were in use for most decisions")
}

@Test func aRunThatHeldLongerThanItsForSaysHowLong() throws {
    let policy = sustainedPolicies[0]
    var history = ScalingHistory()
    var d: Decision
    for offset in stride(from: -600.0, through: 0, by: 15) {
        d = decide(policy, current: 2, metrics: ["cpu": .total(0.8)], now: at(offset), history: history)
        history.record(d, at: at(offset))
    }
    d = decide(policy, current: 2, metrics: ["cpu": .total(0.8)], now: at(15), history: history)
    #expect(history.runs?.first?.since == at(-600))
    // The 2-minute window prunes older readings; the run is reported from the oldest one kept, as the walk does.
    let oldest = try #require(history.observations.first?.at)
    let held = ScalePolicy.formatDuration(at(15).timeIntervalSince(oldest))
    #expect(d.proposals.first { $0.rule == "hot" }?.reason == "cpu 80%: cpu > 70% for \(held) (≥ 2m), step +1 → 3")
}

@Test func historiesWithoutRunsStillDecodeAndTheEngineWalks() throws {
    let stored = #"{"recommendations":[],"events":[],"failures":{},"observations":[{"at":789307200,"values":{"cpu":0.8}}]}"#
    let history = try JSONDecoder().decode(ScalingHistory.self, from: Data(stored.utf8))
    #expect(history.runs == nil)
    #expect(history.observations.count == 1)
}

@Test func settingTheObservationsDropsTheRuns() {
    var history = ScalingHistory()
    let d = decide(sustainedPolicies[0], current: 2, metrics: ["cpu": .total(0.8)], now: t0, history: history)
    history.record(d, at: t0)
    #expect(history.runs?.count == 3)
    history.observations = steady(["cpu": 0.2], from: 60)
    #expect(history.runs == nil)
}
