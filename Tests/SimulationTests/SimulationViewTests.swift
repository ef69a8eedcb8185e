import Foundation
import Reports
import Testing
@testable import Simulation

/// `ballast simulate`'s three views of one report: the text table, the JSON the issue specifies and
/// the HTML page with inline SVG.
@Suite("Simulation views")
struct SimulationViewTests {
    /// The step trace of the simulator tests (10 per interval, then 30; 1 request/s per instance,
    /// 10 s intervals, 20 s boot) under HPA and three baselines.
    static func report() throws -> SimulationReport {
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let arrivals = [Double](repeating: 10, count: 20) + [Double](repeating: 30, count: 20)
        let trace = Trace(name: "step \"quoted\"", start: start, interval: 10, values: arrivals)
        let model = ServiceModel(capacity: 1, boot: 20, interval: 10, metricDelay: 0, min: 1, max: 10, slo: .utilization(1))
        return try Backtest.run(trace: trace, service: "web", model: model, policies: [Baseline.hpaPolicy],
                                baselines: [.staticPeak, .staticMean, .optimal], pricePerInstanceMonth: 730 * 3.6)
    }

    @Test func jsonHasTheIssuesShapeAndTheReportsNumbers() throws {
        let report = try Self.report()
        let text = SimulationView.json(report)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["trace"] as? String == "step \"quoted\"", "quotes are escaped")
        #expect(object["service"] as? String == "web")
        #expect(object["slo"] as? String == report.model.slo.description)
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(results.map { $0["name"] as? String } == report.results.map(\.name))
        let keys: Set = ["name", "instance_hours", "cost_usd", "slo_violation_fraction", "scale_actions", "theta_u", "theta_o", "tau_u", "tau_o", "jitter"]
        for (row, result) in zip(results, report.results) {
            #expect(Set(row.keys) == keys)
            #expect(abs((row["instance_hours"] as? Double ?? -1) - result.instanceHours) < 1e-4)
            #expect(abs((row["cost_usd"] as? Double ?? -1) - result.costUSD) < 1e-4)
            #expect(abs((row["slo_violation_fraction"] as? Double ?? -1) - result.sloViolationFraction) < 1e-6)
            #expect(row["scale_actions"] as? Int == result.scaleActions)
            #expect(abs((row["tau_u"] as? Double ?? -1) - result.metrics.tauU) < 1e-4)
        }
        // The step's optimum: 1 instance, 2 more launched two ticks early: (20 + 4 + 60) × 10 s.
        let optimal = try #require(results.first { $0["name"] as? String == "optimal" })
        #expect(abs((optimal["instance_hours"] as? Double ?? -1) - 840.0 / 3600) < 1e-4)
        #expect(optimal["slo_violation_fraction"] as? Double == 0)
    }

    @Test func textHasOneRowPerContenderAndTheRatioToTheOptimum() throws {
        let report = try Self.report()
        let text = SimulationView.text(report)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("Trace step \"quoted\": 40 intervals of 10s") == true, "\(lines.first ?? "")")
        for result in report.results {
            #expect(lines.contains { $0.hasPrefix(result.name + " ") }, "no row for \(result.name)")
        }
        let optimalRow = try #require(lines.first { $0.hasPrefix("optimal ") })
        #expect(optimalRow.split(separator: " ").contains("1.00"), "the optimum is 1.00× itself: \(optimalRow)")
        // Static peak: 3 instances throughout against the optimum's 84 instance-intervals = 1.43×.
        let peakRow = try #require(lines.first { $0.hasPrefix("static-peak ") })
        #expect(peakRow.split(separator: " ").contains("1.43"), "\(peakRow)")
    }

    @Test func htmlIsOneSelfContainedPageWithInlineSVG() throws {
        let report = try Self.report()
        let html = SimulationView.html(report)
        #expect(html.hasPrefix("<!DOCTYPE html>") || html.hasPrefix("<!doctype html>"))
        #expect(html.contains("<svg"))
        #expect(html.contains("SLO violations"))
        for result in report.results { #expect(html.contains(result.name), "\(result.name) missing from the page") }
        #expect(!html.contains("<script src") && !html.contains("<link "), "no external resources")
        #expect(html.contains("step &quot;quoted&quot;") || html.contains("step &#34;quoted&#34;"), "the trace name is escaped")
    }
}
