import Foundation
import Simulation

extension SimulationView {
    /// A self-contained page: the results table, the trace, each contender's instance count over
    /// time against the demand, and a strip of SLO violations per contender, all inline SVG.
    public static func html(_ report: SimulationReport) -> String {
        let model = report.model
        let n = report.arrivals.count
        let dt = model.interval
        let hours = Double(n) * dt / 3600
        var body = HTML.heading("Simulation: \(report.service) on \(report.trace)", level: 1)
        body += HTML.paragraph("\(n) intervals of \(duration(dt)) (\(String(format: "%.1f", hours)) h); \(number(model.capacity))/s per instance, boot \(duration(model.boot)), metric delay \(duration(model.metricDelay)), instances \(model.min)-\(model.max), SLO \(model.slo), $\(String(format: "%.2f", report.pricePerInstanceMonth)) per instance-month.", className: "meta")

        let optimal = report.results.first { $0.name == "optimal" }
        body += HTML.heading("Results")
        body += HTML.table(
            headers: ["Policy", "Instance-h", "Cost", "× optimum", "SLO violation", "Actions", "θU %", "θO %", "τU %", "τO %", "Jitter/min"],
            rows: report.results.map { r in
                [r.name + (r.isBound ? " (bound)" : ""), String(format: "%.1f", r.instanceHours), String(format: "$%.2f", r.costUSD),
                 optimal.map { $0.instanceHours > 0 ? String(format: "%.2f", r.instanceHours / $0.instanceHours) : "-" } ?? "-",
                 String(format: "%.2f%%", r.sloViolationFraction * 100), String(r.scaleActions),
                 String(format: "%.1f", r.metrics.thetaU), String(format: "%.1f", r.metrics.thetaO),
                 String(format: "%.1f", r.metrics.tauU), String(format: "%.1f", r.metrics.tauO), String(format: "%.3f", r.metrics.jitter)]
            },
            numeric: Set(1...10))

        // Down-sample to at most ~600 points: mean arrivals, max instances (peaks stay visible).
        let buckets = Swift.max(1, (n + 599) / 600)
        let xTicks = ticks(count: n, interval: dt, start: report.start)
        let xDomain = 0.0...Double(Swift.max(n - 1, 1))

        body += HTML.heading("Trace")
        var rate: [(x: Double, y: Double)] = []
        var demand: [(x: Double, y: Double)] = []
        var b = 0
        while b < n {
            let end = Swift.min(n, b + buckets)
            var sum = 0.0, top = 0
            for k in b..<end { sum += report.arrivals[k]; top = Swift.max(top, report.demand[k]) }
            rate.append((Double(b), sum / Double(end - b) / dt))
            demand.append((Double(b), Double(top)))
            b = end
        }
        body += SVGCharts.lineChart([SVGCharts.Series(label: "arrivals per second", points: rate, color: SVGCharts.palette[0])],
                                    xDomain: xDomain, yMax: rate.map(\.y).max() ?? 1, xTicks: xTicks, format: { number($0) },
                                    height: 200, title: "Arrivals per second")

        body += HTML.heading("Instances")
        var series = [SVGCharts.Series(label: "demand (fewest instances meeting the SLO)", points: demand, color: SVGCharts.muted, dashed: true)]
        var top = demand.map(\.y).max() ?? 1
        for (index, run) in report.runs.enumerated() {
            var points: [(x: Double, y: Double)] = []
            var i = 0
            while i < n {
                let end = Swift.min(n, i + buckets)
                var peak: Int32 = 0
                for k in i..<end { peak = Swift.max(peak, run.count[k]) }
                points.append((Double(i), Double(peak)))
                i = end
            }
            top = Swift.max(top, points.map(\.y).max() ?? 0)
            series.append(SVGCharts.Series(label: run.name, points: points, color: SVGCharts.palette[(index + 1) % SVGCharts.palette.count]))
        }
        body += SVGCharts.lineChart(series, xDomain: xDomain, yMax: top, xTicks: xTicks, format: { String(Int($0.rounded())) },
                                    height: 300, title: "Instances over time")

        body += HTML.heading("SLO violations")
        body += HTML.paragraph("Red marks the intervals in which the SLO (\(model.slo)) was missed; when a mark covers several intervals (\(buckets) here), its strength is the share of them in violation.", className: "note")
        body += violationStrips(report, buckets: buckets)
        return HTML.page(title: "Ballast simulation: \(report.service) on \(report.trace)", body: body)
    }

    static func violationStrips(_ report: SimulationReport, buckets: Int) -> String {
        let n = report.arrivals.count
        let width = 760.0, label = 120.0, rowHeight = 16.0, gap = 6.0
        let columns = (n + buckets - 1) / buckets
        let cell = (width - label - 8) / Double(Swift.max(columns, 1))
        let height = Double(report.runs.count) * (rowHeight + gap) + 4
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"SLO violations\">\n"
        for (row, run) in report.runs.enumerated() {
            let y = Double(row) * (rowHeight + gap) + 2
            out += "<text x=\"\(Int(label - 8))\" y=\"\(String(format: "%.1f", y + 12))\" text-anchor=\"end\">\(HTML.escape(run.name))</text>"
            out += "<rect x=\"\(Int(label))\" y=\"\(String(format: "%.1f", y))\" width=\"\(String(format: "%.1f", width - label - 8))\" height=\"\(Int(rowHeight))\" fill=\"#eef6f0\"/>"
            // One mark per column, its opacity the share of the column's intervals in violation.
            for column in 0..<columns {
                let from = column * buckets
                let to = Swift.min(n, from + buckets)
                var bad = 0
                for k in from..<to where run.violated[k] { bad += 1 }
                guard bad > 0 else { continue }
                let share = Double(bad) / Double(to - from)
                let x = label + Double(column) * cell
                out += "<rect x=\"\(String(format: "%.1f", x))\" y=\"\(String(format: "%.1f", y))\" width=\"\(String(format: "%.2f", Swift.max(cell, 0.8)))\" height=\"\(Int(rowHeight))\" fill=\"\(SVGCharts.warn)\" fill-opacity=\"\(String(format: "%.2f", Swift.max(0.2, share)))\"/>"
            }
            out += "\n"
        }
        return out + "</svg>\n"
    }

    /// About six labelled ticks: dates for traces over two days, times otherwise.
    static func ticks(count n: Int, interval: Double, start: Date) -> [(x: Double, label: String)] {
        guard n > 1 else { return [] }
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = Double(n) * interval > 2 * 86_400 ? "MMM d" : "HH:mm"
        return (0...5).map { i in
            let k = Double(n - 1) * Double(i) / 5
            return (k, formatter.string(from: start.addingTimeInterval(k * interval)))
        }
    }
}
