// The engine's inner loop as `ballast bench engine` runs it, built from the repository's Blueprint and
// Scaling sources alone so that valgrind can count the instructions inside `decide` (see ../engine-instructions.sh).
import Blueprint
import Foundation
import Scaling

let yaml = """
kind: scale
name: bench-five-rules
rules:
  - metric: cpu
    target: 70%
  - metric: memory
    target: 80%
  - metric: queue_depth
    perInstance: 100
  - metric: latency_p95
    above: 2s
    for: 3m
    step: +1
  - name: quiet
    all:
      - { metric: cpu, below: 30% }
      - { metric: memory, below: 50% }
    for: 10m
    step: -1
scaleUp:
  stabilization: 0s
  select: max
  policies:
    - { type: percent, value: 100, period: 15s }
scaleDown:
  stabilization: 300s
  select: max
  policies:
    - { type: instances, value: 1, period: 1m }
"""

/// The measured calls: through one context per tick (`CONTEXT=1`, in sources that have
/// `ScalingEngine.Context`: built with `-D ENGINE_CONTEXT`), else `ScalingEngine.decide` per call.
let useContext = ProcessInfo.processInfo.environment["CONTEXT"] != nil
/// With `EACH=1`, a context decides one input per call even where `decide(all:)` exists (as the
/// controller calls it, each service's input built just before).
let eachAlone = ProcessInfo.processInfo.environment["EACH"] != nil

#if ENGINE_METRICS
/// A service's readings as inputs hold them (``ObservedMetrics`` where the sources have it).
typealias Metrics = ObservedMetrics
#else
typealias Metrics = [String: ObservedMetric]
#endif

func metrics(service: Int, tick: Int, current: Int) -> Metrics {
    let phase = Double(tick + service * 7) / 80 * 2 * Double.pi
    let wave = sin(phase)
    let cpu = 0.5 + 0.35 * wave
    let memory = 0.45 + 0.2 * wave
    let samples = (0..<current).map { instance in InstanceSample(max(0, cpu + 0.02 * Double(instance % 3 - 1)), limit: 1) }
    let memorySamples = (0..<current).map { _ in InstanceSample(memory * 1024, limit: 1024) }
    return [
        "cpu": .instances(samples), "memory": .instances(memorySamples),
        "queue_depth": .total(max(0, 60 * Double(current) * (1 + wave))),
        "latency_p95": .total(1.2 + 1.2 * max(0, wave)), "error_rate": .total(0.002),
        // Requests arrive whatever the count (web-default's queueing target and look-ahead read them).
        "request_rate": .total(30 * (1 + 0.6 * wave)),
    ]
}

func decideAll(_ inputs: inout [DecisionInput]) -> [Decision] {
    #if ENGINE_BATCH
    if useContext && !eachAlone {
        var context = ScalingEngine.Context()
        return context.decide(all: &inputs)
    }
    #endif
    var made: [Decision] = []
    made.reserveCapacity(inputs.count)
    #if ENGINE_CONTEXT
    if useContext {
        var context = ScalingEngine.Context()
        for input in inputs { made.append(context.decide(input)) }
        return made
    }
    #endif
    for input in inputs { made.append(ScalingEngine.decide(input)) }
    return made
}

/// FNV-1a over every decision's count, reasons and proposals as text (`digest` mode: two builds
/// that print the same digest decided the same, sentence for sentence).
nonisolated(unsafe) var digest: UInt64 = 0xcbf29ce484222325
let digesting = CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "digest"
func absorb(_ decision: Decision) {
    var text = "\(decision.desired)|\(decision.recommendation ?? -1)|\(decision.historyWindow)|\(decision.observation.map { $0.entries.map { "\($0.name)=\($0.value)" }.joined(separator: ",") } ?? "-")"
    for reason in decision.reasons { text += "|\(reason.code): \(reason.message)" }
    for proposal in decision.proposals { text += "|\(proposal.rule) \(proposal.instances ?? -1) \(proposal.reason)" }
    for byte in text.utf8 { digest = (digest ^ UInt64(byte)) &* 0x100000001b3 }
}

/// The calling thread's CPU seconds (`time` mode: the decide CPU time per tick, as `ballast bench engine` reports it).
func threadCPU() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}
let timing = CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "time"
nonisolated(unsafe) var tickCPU: [Double] = []

/// How many services the fleet has: 1,000, or `SERVICES=N` (`time` reports CPU per 1,000 decisions
/// either way, so that a fleet whose data stays in the cache can be compared with one whose does not).
let fleetSize = Int(ProcessInfo.processInfo.environment["SERVICES"] ?? "") ?? 1000

/// bench-five-rules over a fleet of 1,000 services whose histories are recorded tick after tick.
func fleet(policy: ScalePolicy, ticks: Int) -> Int {
    let start = Date(timeIntervalSince1970: 1_790_000_000)
    var current = Array(repeating: 3, count: fleetSize)
    var histories = Array(repeating: ScalingHistory.starting(current: 3, at: start), count: fleetSize)
    var checksum = 0
    for tick in 0..<ticks {
        let now = start.addingTimeInterval(Double(tick) * 15)
        var inputs = (0..<fleetSize).map { i in
            DecisionInput(now: now, current: current[i], min: 2, max: 10, policy: policy, metrics: metrics(service: i, tick: tick, current: current[i]), history: histories[i])
        }
        if timing && ProcessInfo.processInfo.environment["HOT"] != nil { _ = decideAll(&inputs) }   // caches warmed by a first pass
        let started = timing ? threadCPU() : 0
        let made = decideAll(&inputs)
        if timing && tick >= 60 { tickCPU.append((threadCPU() - started) * 1000 / Double(fleetSize)) }
        histories = (0..<fleetSize).map { inputs[$0].history.recording(made[$0], at: now) }
        for (i, decision) in made.enumerated() {
            current[i] = decision.desired
            checksum &+= decision.desired
            if digesting { absorb(decision) }
        }
    }
    return checksum
}

let args = CommandLine.arguments
let mode = args.count > 1 ? args[1] : "tick"
let ticks = args.count > 2 ? Int(args[2]) ?? 5 : 5
if mode == "time" {
    // decide CPU per 1,000-service tick after 60 warm-up ticks (the bench's fleet), p50 and p90;
    // bench-five-rules, or the web-default policy of the file given third.
    var library = PolicyLibrary()
    library.add(yaml, file: "<bench>")
    if args.count > 3, let text = try? String(contentsOfFile: args[3], encoding: .utf8) { library.add(text, file: args[3]) }
    _ = fleet(policy: args.count > 3 ? library.scale["web-default"]! : library.scale["bench-five-rules"]!, ticks: 60 + ticks)
    let sorted = tickCPU.sorted()
    print(String(format: "decide CPU per 1,000 decisions (a fleet of %d): p50 %.3f ms, p90 %.3f ms (%d ticks)", fleetSize, sorted[sorted.count / 2] * 1000, sorted[sorted.count * 9 / 10] * 1000, sorted.count))
} else if mode == "digest" {
    // Every decision of the bench fleet, of web-default over the same fleet, and of ScalingBenchmark.tick.
    var library = PolicyLibrary()
    library.add(yaml, file: "<bench>")
    for file in args.dropFirst(3) {
        if let text = try? String(contentsOfFile: file, encoding: .utf8) { library.add(text, file: file) }
    }
    _ = fleet(policy: library.scale["bench-five-rules"]!, ticks: ticks)
    // web-default (queueing target, look-ahead) and web-daily (with a seasonal forecast), when given.
    for name in ["web-default", "web-daily"] {
        if let policy = library.scale[name] { _ = fleet(policy: policy, ticks: ticks) }
    }
    var benchmarkTick = ScalingBenchmark.tick(services: 1000)
    for decision in decideAll(&benchmarkTick) { absorb(decision) }
    print(String(digest, radix: 16))
} else if mode == "fleet" {
    // bench-five-rules, or the web-default policy of the file given third (policies/web-default.yaml).
    var library = PolicyLibrary()
    library.add(yaml, file: "<bench>")
    if args.count > 3, let text = try? String(contentsOfFile: args[3], encoding: .utf8) { library.add(text, file: args[3]) }
    let policy = args.count > 3 ? library.scale["web-default"]! : library.scale["bench-five-rules"]!
    print("fleet checksum", fleet(policy: policy, ticks: ticks))
} else {
    var inputs = ScalingBenchmark.tick(services: 1000)
    var desired = 0
    for _ in 0..<ticks { desired &+= decideAll(&inputs).reduce(0) { $0 &+ $1.desired } }
    print("ScalingBenchmark.tick checksum", desired)
}
