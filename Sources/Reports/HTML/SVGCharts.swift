/// Inline SVG charts for the self-contained HTML reports: horizontal range bars, one stacked bar,
/// and a line chart with reference lines. Shared by the cost report and the simulation report.
///
/// Charts take plain `Double`s (they only draw) and labels as text (escaped here). Every chart has a
/// `viewBox`, so it scales with the page and prints.
///
/// ```swift
/// let svg = SVGCharts.rangeBars([.init(label: "worker", value: 14, low: 7, high: 42, color: SVGCharts.palette[0])],
///                               rules: [.init(value: 40, label: "budget", color: SVGCharts.warn)], format: { "$\(Int($0))" })
/// ```
public enum SVGCharts {
    /// Colour-blind-friendly categorical colours (Okabe–Ito, darkened for print).
    public static let palette = ["#3657c9", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#7a6f00", "#6b4ea8", "#2f8f8f", "#8c564b"]
    public static let warn = "#b42318"
    public static let muted = "#5b6475"

    /// A vertical (bar charts) or horizontal (line charts) reference line such as a budget.
    public struct Rule: Sendable {
        public var value: Double
        public var label: String
        public var color: String
        public init(value: Double, label: String, color: String) {
            self.value = value
            self.label = label
            self.color = color
        }
    }

    /// One bar: `value` drawn solid, `low...high` as a whisker when given.
    public struct Bar: Sendable {
        public var label: String
        public var value: Double
        public var low: Double?
        public var high: Double?
        public var color: String
        public var valueLabel: String?
        public init(label: String, value: Double, low: Double? = nil, high: Double? = nil, color: String, valueLabel: String? = nil) {
            self.label = label
            self.value = value
            self.low = low
            self.high = high
            self.color = color
            self.valueLabel = valueLabel
        }
    }

    public struct Series: Sendable {
        public var label: String
        public var points: [(x: Double, y: Double)]
        public var color: String
        public var dashed: Bool
        public init(label: String, points: [(x: Double, y: Double)], color: String, dashed: Bool = false) {
            self.label = label
            self.points = points
            self.color = color
            self.dashed = dashed
        }
    }

    static func n(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    /// An axis for values up to `value`: a round step (1, 2, 2.5 or 5 x 10^k) and the ticks from 0.
    static func axis(_ value: Double) -> (scale: Double, ticks: [Double]) {
        guard value > 0, value.isFinite else { return (1, [0, 0.25, 0.5, 0.75, 1]) }
        let rough = value / 4
        var magnitude = 1.0
        while magnitude * 10 <= rough { magnitude *= 10 }
        while magnitude > rough { magnitude /= 10 }
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let count = Int((value / step).rounded(.up))
        return (step * Double(count), (0...count).map { Double($0) * step })
    }

    /// Where a rule's label goes: centred, or kept inside the chart near its edges.
    static func anchor(_ x: Double, width: Double) -> String {
        x > width - 60 ? "end" : (x < 60 ? "start" : "middle")
    }

    /// Horizontal bars, one per row, with min–max whiskers and vertical rules.
    public static func rangeBars(_ bars: [Bar], rules: [Rule] = [], format: (Double) -> String, width: Double = 760, title: String = "") -> String {
        let labelWidth = 170.0, valueWidth = 90.0, rowHeight = 26.0, top = 22.0
        let plot = width - labelWidth - valueWidth
        let top1 = bars.map { Swift.max($0.value, $0.high ?? 0) }.max() ?? 0
        let (scale, ticks) = axis(Swift.max(top1, rules.map(\.value).max() ?? 0))
        let height = top + Double(bars.count) * rowHeight + 24
        func x(_ v: Double) -> Double { labelWidth + plot * Swift.min(Swift.max(v, 0), scale) / scale }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(n(width)) \(n(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">\n"
        for v in ticks {
            out += "<line class=\"grid\" x1=\"\(n(x(v)))\" y1=\"\(n(top - 4))\" x2=\"\(n(x(v)))\" y2=\"\(n(height - 20))\"/>"
            out += "<text x=\"\(n(x(v)))\" y=\"\(n(height - 6))\" text-anchor=\"middle\">\(HTML.escape(format(v)))</text>\n"
        }
        for (index, bar) in bars.enumerated() {
            let y = top + Double(index) * rowHeight
            out += "<text x=\"\(n(labelWidth - 8))\" y=\"\(n(y + 15))\" text-anchor=\"end\">\(HTML.escape(bar.label))</text>"
            out += "<rect x=\"\(n(labelWidth))\" y=\"\(n(y + 5))\" width=\"\(n(Swift.max(x(bar.value) - labelWidth, bar.value > 0 ? 1 : 0)))\" height=\"14\" fill=\"\(bar.color)\" rx=\"2\"/>"
            if let low = bar.low, let high = bar.high, high > low {
                let cy = y + 12
                out += "<g stroke=\"\(muted)\" stroke-width=\"1.5\"><line x1=\"\(n(x(low)))\" y1=\"\(n(cy))\" x2=\"\(n(x(high)))\" y2=\"\(n(cy))\"/>"
                out += "<line x1=\"\(n(x(low)))\" y1=\"\(n(cy - 6))\" x2=\"\(n(x(low)))\" y2=\"\(n(cy + 6))\"/><line x1=\"\(n(x(high)))\" y1=\"\(n(cy - 6))\" x2=\"\(n(x(high)))\" y2=\"\(n(cy + 6))\"/></g>"
            }
            let right = Swift.max(x(bar.value), x(bar.high ?? 0))
            out += "<text x=\"\(n(right + 6))\" y=\"\(n(y + 15))\">\(HTML.escape(bar.valueLabel ?? format(bar.value)))</text>\n"
        }
        for rule in rules {
            out += "<line x1=\"\(n(x(rule.value)))\" y1=\"\(n(top - 8))\" x2=\"\(n(x(rule.value)))\" y2=\"\(n(height - 20))\" stroke=\"\(rule.color)\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>"
            out += "<text x=\"\(n(x(rule.value)))\" y=\"\(n(top - 10))\" text-anchor=\"\(anchor(x(rule.value), width: width))\" style=\"fill:\(rule.color)\">\(HTML.escape(rule.label))</text>\n"
        }
        return out + "</svg>\n"
    }

    /// One horizontal bar made of segments (parts of a total), an optional whisker for the total's range,
    /// and vertical rules; a legend follows as HTML.
    public static func stackedBar(_ segments: [Bar], whisker: (low: Double, high: Double)? = nil, rules: [Rule] = [],
                                  format: (Double) -> String, width: Double = 760, title: String = "") -> String {
        let left = 10.0, right = 20.0, top = 26.0, barHeight = 34.0
        let plot = width - left - right
        let total = segments.map(\.value).reduce(0, +)
        let (scale, ticks) = axis(Swift.max(total, whisker?.high ?? 0, rules.map(\.value).max() ?? 0))
        let height = top + barHeight + 40
        func x(_ v: Double) -> Double { left + plot * Swift.min(Swift.max(v, 0), scale) / scale }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(n(width)) \(n(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">\n"
        for v in ticks {
            out += "<line class=\"grid\" x1=\"\(n(x(v)))\" y1=\"\(n(top - 4))\" x2=\"\(n(x(v)))\" y2=\"\(n(top + barHeight + 8))\"/>"
            out += "<text x=\"\(n(x(v)))\" y=\"\(n(height - 8))\" text-anchor=\"middle\">\(HTML.escape(format(v)))</text>\n"
        }
        var start = 0.0
        for segment in segments where segment.value > 0 {
            out += "<rect x=\"\(n(x(start)))\" y=\"\(n(top))\" width=\"\(n(x(start + segment.value) - x(start)))\" height=\"\(n(barHeight))\" fill=\"\(segment.color)\" stroke=\"#fff\" stroke-width=\"1\"><title>\(HTML.escape(segment.label + ": " + (segment.valueLabel ?? format(segment.value))))</title></rect>\n"
            start += segment.value
        }
        if let whisker, whisker.high > whisker.low {
            let cy = top + barHeight / 2
            out += "<g stroke=\"\(SVGCharts.muted)\" stroke-width=\"2\"><line x1=\"\(n(x(whisker.low)))\" y1=\"\(n(cy))\" x2=\"\(n(x(whisker.high)))\" y2=\"\(n(cy))\"/>"
            out += "<line x1=\"\(n(x(whisker.low)))\" y1=\"\(n(cy - 10))\" x2=\"\(n(x(whisker.low)))\" y2=\"\(n(cy + 10))\"/><line x1=\"\(n(x(whisker.high)))\" y1=\"\(n(cy - 10))\" x2=\"\(n(x(whisker.high)))\" y2=\"\(n(cy + 10))\"/></g>\n"
        }
        for rule in rules {
            out += "<line x1=\"\(n(x(rule.value)))\" y1=\"\(n(top - 10))\" x2=\"\(n(x(rule.value)))\" y2=\"\(n(top + barHeight + 10))\" stroke=\"\(rule.color)\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>"
            out += "<text x=\"\(n(x(rule.value)))\" y=\"\(n(top - 13))\" text-anchor=\"\(anchor(x(rule.value), width: width))\" style=\"fill:\(rule.color)\">\(HTML.escape(rule.label))</text>\n"
        }
        out += "</svg>\n<div class=\"legend\">"
        for segment in segments where segment.value > 0 {
            out += "<span style=\"--swatch:\(segment.color)\">\(HTML.escape(segment.label)) \(HTML.escape(segment.valueLabel ?? format(segment.value)))</span>"
        }
        return out + "</div>\n"
    }

    /// A line chart over `x` in `xDomain` with horizontal rules (a budget) and labelled ticks.
    public static func lineChart(_ series: [Series], xDomain: ClosedRange<Double>, yMax: Double, rules: [Rule] = [],
                                 xTicks: [(x: Double, label: String)], format: (Double) -> String, width: Double = 760, height: Double = 260,
                                 title: String = "") -> String {
        let left = 64.0, right = 16.0, top = 16.0, bottom = 28.0
        let plotW = width - left - right, plotH = height - top - bottom
        let (scale, ticks) = axis(Swift.max(yMax, rules.map(\.value).max() ?? 0))
        let span = Swift.max(xDomain.upperBound - xDomain.lowerBound, 1e-9)
        func x(_ v: Double) -> Double { left + plotW * (v - xDomain.lowerBound) / span }
        func y(_ v: Double) -> Double { top + plotH * (1 - Swift.min(Swift.max(v, 0), scale) / scale) }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(n(width)) \(n(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">\n"
        for v in ticks {
            out += "<line class=\"grid\" x1=\"\(n(left))\" y1=\"\(n(y(v)))\" x2=\"\(n(width - right))\" y2=\"\(n(y(v)))\"/>"
            out += "<text x=\"\(n(left - 6))\" y=\"\(n(y(v) + 4))\" text-anchor=\"end\">\(HTML.escape(format(v)))</text>\n"
        }
        out += "<line class=\"axis\" x1=\"\(n(left))\" y1=\"\(n(top + plotH))\" x2=\"\(n(width - right))\" y2=\"\(n(top + plotH))\"/>\n"
        for tick in xTicks {
            out += "<line class=\"axis\" x1=\"\(n(x(tick.x)))\" y1=\"\(n(top + plotH))\" x2=\"\(n(x(tick.x)))\" y2=\"\(n(top + plotH + 4))\"/>"
            out += "<text x=\"\(n(x(tick.x)))\" y=\"\(n(height - 8))\" text-anchor=\"middle\">\(HTML.escape(tick.label))</text>\n"
        }
        for rule in rules {
            out += "<line x1=\"\(n(left))\" y1=\"\(n(y(rule.value)))\" x2=\"\(n(width - right))\" y2=\"\(n(y(rule.value)))\" stroke=\"\(rule.color)\" stroke-width=\"1.5\" stroke-dasharray=\"6 3\"/>"
            out += "<text x=\"\(n(width - right - 4))\" y=\"\(n(y(rule.value) - 5))\" text-anchor=\"end\" style=\"fill:\(rule.color)\">\(HTML.escape(rule.label))</text>\n"
        }
        for line in series where !line.points.isEmpty {
            let points = line.points.map { "\(n(x($0.x))),\(n(y($0.y)))" }.joined(separator: " ")
            out += "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2.2\"\(line.dashed ? " stroke-dasharray=\"6 4\"" : "") points=\"\(points)\"><title>\(HTML.escape(line.label))</title></polyline>\n"
        }
        out += "</svg>\n<div class=\"legend\">"
        for line in series where !line.points.isEmpty { out += "<span style=\"--swatch:\(line.color)\">\(HTML.escape(line.label))</span>" }
        for rule in rules { out += "<span style=\"--swatch:\(rule.color)\">\(HTML.escape(rule.label))</span>" }
        return out + "</div>\n"
    }
}
