import Blueprint
import Foundation
@testable import Scaling

/// Paths of the repository, found from this file's location.
enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// The moment most tests decide at (a Monday, 12:00 UTC).
let t0 = Timestamp.parse("2026-01-05T12:00:00Z")!

func at(_ offset: Double) -> Date { t0.addingTimeInterval(offset) }

/// A policy from YAML text, with the diagnostics reading it produced.
func policy(_ yaml: String) -> (ScalePolicy?, Diagnostics) {
    var decoder = NodeDecoder(file: "test.yaml")
    let document = YAMLReader.parse(yaml)
    guard let root = document.root else { return (nil, decoder.diagnostics) }
    let policy = decoder.scalePolicy(root, path: "")
    return (policy, decoder.diagnostics)
}

/// A policy that must parse cleanly.
func mustPolicy(_ yaml: String) -> ScalePolicy {
    let (parsed, diagnostics) = policy(yaml)
    precondition(parsed != nil && !diagnostics.hasErrors, "policy did not parse: \(diagnostics.items.map { "\($0.path): \($0.summary) \($0.detail)" })")
    return parsed!
}

/// CPU readings as Kubernetes' tests write them: usage levels in millicores against requests (1000m
/// unless given), `nil` for a pod without a metric.
func cpu(_ levels: [Double?], requests: [Double]? = nil, ready: [Bool]? = nil) -> ObservedMetric {
    let count = max(levels.count, requests?.count ?? 0, ready?.count ?? 0)
    var samples: [InstanceSample] = []
    for i in 0..<count {
        let level = i < levels.count ? levels[i] : nil
        samples.append(InstanceSample(level, limit: requests.map { $0[i] } ?? 1000, ready: ready.map { $0[i] } ?? true))
    }
    return .instances(samples)
}

func decide(_ policy: ScalePolicy, current: Int, min: Int = 1, max: Int = 1000, metrics: ObservedMetrics,
            now: Date = t0, history: ScalingHistory = .empty, constraints: ScalingConstraints = .none, ready: Int? = nil) -> Decision {
    ScalingEngine.decide(DecisionInput(now: now, current: current, min: min, max: max, policy: policy, metrics: metrics,
                                       readyInstances: ready, history: history, constraints: constraints))
}

/// A reproducible pseudo-random sequence (a 64-bit LCG) for the randomized comparisons: the same
/// seed gives the same inputs on every run and machine.
struct SeededRandom {
    var state: UInt64
    mutating func next() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(1 << 53)
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() * Double(range.count)) % range.count }
}

extension Array {
    /// The elements in an order drawn from `random` (Fisher-Yates), the same for the same seed.
    func shuffled(_ random: inout SeededRandom) -> [Element] {
        var result = self
        for index in stride(from: result.count - 1, to: 0, by: -1) { result.swapAt(index, random.int(0...index)) }
        return result
    }
}
