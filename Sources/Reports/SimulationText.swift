import Foundation
import Simulation

/// Views of a ``SimulationReport`` (`ballast simulate`): text table, JSON, HTML with inline SVG.
///
/// ```swift
/// print(SimulationView.text(report))
/// ```
public enum SimulationView {
    /// A fixed-width table, one row per contender, with the model above it.
    public static func text(_ report: SimulationReport) -> String {
        let model = report.model
        let hours = Double(report.arrivals.count) * model.interval / 3600
        var out = "Trace \(report.trace): \(report.arrivals.count) intervals of \(SimulationView.duration(model.interval)) (\(String(format: "%.1f", hours)) h), "
        out += "peak \(number(peakRate(report))) /s, mean \(number(meanRate(report))) /s\n"
        out += "Service \(report.service): \(number(model.capacity)) /s per instance, boot \(SimulationView.duration(model.boot)), metric delay \(SimulationView.duration(model.metricDelay)), "
        out += "instances \(model.min)-\(model.max), SLO \(model.slo), $\(String(format: "%.2f", report.pricePerInstanceMonth))/instance-month\n\n"
        let optimal = report.results.first { $0.name == "optimal" }
        let headers = ["policy", "inst-h", "cost $", "x opt", "SLO viol", "viol time", "actions", "θU %", "θO %", "τU %", "τO %", "jitter/min"]
        var rows: [[String]] = []
        for r in report.results {
            rows.append([
                r.name + (r.isBound ? " (bound)" : ""),
                String(format: "%.1f", r.instanceHours),
                String(format: "%.2f", r.costUSD),
                optimal.map { $0.instanceHours > 0 ? String(format: "%.2f", r.instanceHours / $0.instanceHours) : "-" } ?? "-",
                String(format: "%.2f%%", r.sloViolationFraction * 100),
                SimulationView.duration(r.sloViolationSeconds),
                String(r.scaleActions),
                String(format: "%.1f", r.metrics.thetaU),
                String(format: "%.1f", r.metrics.thetaO),
                String(format: "%.1f", r.metrics.tauU),
                String(format: "%.1f", r.metrics.tauO),
                String(format: "%.3f", r.metrics.jitter),
            ])
        }
        var widths = headers.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return i == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ") + "\n"
        }
        out += line(headers)
        out += line(widths.map { String(repeating: "-", count: $0) })
        for row in rows { out += line(row) }
        if report.results.contains(where: \.isBound) {
            out += "\n(bound): under a wait SLO the optimum's cost is a lower bound (work that must be served / capacity), not a schedule.\n"
        }
        return out
    }

    static func peakRate(_ report: SimulationReport) -> Double { (report.arrivals.max() ?? 0) / report.model.interval }
    static func meanRate(_ report: SimulationReport) -> Double {
        report.arrivals.isEmpty ? 0 : report.arrivals.reduce(0, +) / Double(report.arrivals.count) / report.model.interval
    }

    static func number(_ v: Double) -> String {
        if v >= 100 { return String(format: "%.0f", v) }
        if v >= 10 { return String(format: "%.1f", v) }
        return String(format: "%.2f", v)
    }

    /// `15s`, `5m`, `2h30m`, `3d4h`.
    static func duration(_ seconds: Double) -> String {
        var rest = Int(seconds.rounded())
        if rest == 0 { return "0s" }
        var parts: [String] = []
        if rest >= 86_400 { parts.append("\(rest / 86_400)d"); rest %= 86_400 }
        if rest >= 3600 { parts.append("\(rest / 3600)h"); rest %= 3600 }
        if rest >= 60 { parts.append("\(rest / 60)m"); rest %= 60 }
        if rest > 0 && parts.count < 2 { parts.append("\(rest)s") }
        return parts.prefix(2).joined()
    }
}
