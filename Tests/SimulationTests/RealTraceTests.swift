import Foundation
import Testing
@testable import Simulation

/// The real traces in `../shared/traces/`, found from this file's path.
@Suite("Real traces")
struct RealTraceTests {
    static let traces = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/traces")

    static func load(_ file: String) throws -> Trace {
        let text = try String(contentsOf: traces.appendingPathComponent(file), encoding: .utf8)
        return try Trace.parse(text, name: file)
    }

    @Test(arguments: [
        ("nasa-http-1995-jul-per-minute.csv", 60.0, 1_891_714.0),
        ("fifa-worldcup98-per-minute-jun10-jul12.csv", 60.0, -1),
        ("nab-elb-request-count-8c0756.csv", 300.0, -1),
        ("azure-llm-inference-2023-code-arrivals-per-second.csv", 1.0, 8_819.0),
        ("nasa-http-1995-jul-aug-per-5min.csv", 300.0, 3_461_610.0),
    ])
    func loadsWithItsStepAndTotal(file: String, step: Double, total: Double) throws {
        let trace = try Self.load(file)
        #expect(trace.interval == step)
        if total >= 0 { #expect(abs(trace.total - total) < 1e-6) }
        // Resampling keeps every request.
        let grid = trace.resampled(to: 15)
        #expect(abs(grid.total - trace.total) < 1e-6 * trace.total)
    }

    /// Per-minute NASA July, capacity chosen so the peak needs about 30 instances.
    @Test func nasaBacktestOrdersTheContendersSensibly() throws {
        let trace = try Self.load("nasa-http-1995-jul-per-minute.csv")
        let model = ServiceModel(capacity: 0.25, boot: 60, interval: 60, metricDelay: 60, min: 1, max: 40, slo: .utilization(0.85))
        let report = try Backtest.run(trace: trace, service: "web", model: model, policies: [],
                                      baselines: Baseline.allCases, pricePerInstanceMonth: 25)
        let byName = Dictionary(uniqueKeysWithValues: report.results.map { ($0.name, $0) })
        let peak = try #require(byName["static-peak"]), optimal = try #require(byName["optimal"])
        let hpa = try #require(byName["hpa-cpu70"]), mean = try #require(byName["static-mean"])
        #expect(peak.sloViolationFraction == 0 && optimal.sloViolationFraction == 0)
        // Static peak pays for peak/mean of the demand; the optimum tracks it.
        let ratio = peak.instanceHours / optimal.instanceHours
        #expect(ratio > 4 && ratio < 9)
        #expect(hpa.instanceHours > optimal.instanceHours)
        #expect(hpa.instanceHours < peak.instanceHours)
        #expect(mean.sloViolationFraction > 0.2)
    }
}
