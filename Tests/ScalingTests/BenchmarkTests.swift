import Testing
import Scaling

/// Runs the 1,000-service tick of ``ScalingBenchmark`` and prints the engine time. Not a timed test
/// (DESIGN §10): it asserts only that every decision came back; numbers from release builds go in
/// docs/decisions/0003-scaling-engine.md.
@Test func thousandServiceTick() {
    let tick = ScalingBenchmark.tick(services: 1000)
    var desired = 0
    let clock = ContinuousClock()
    var best = Duration.seconds(1000)
    for _ in 0..<5 {
        let elapsed = clock.measure {
            for input in tick { desired &+= ScalingEngine.decide(input).desired }
        }
        best = min(best, elapsed)
    }
    print("ScalingBenchmark: 1000 services × 5 rules, best of 5: \(best)")
    #expect(desired > 0)
}
