import Costing
import Foundation

/// Renders cost projections and comparisons: text (aligned table), Markdown (a pull-request comment),
/// JSON (versioned, money as decimal strings) and HTML (one self-contained file with SVG charts).
///
/// ```swift
/// let projection = CostEstimator(catalog: .builtin()).project(environment)
/// print(CostReport.text(projection))
/// try CostReport.render(projection, as: .json)
/// ```
public enum CostReport {
    public enum Format: String, Sendable, CaseIterable {
        case text, json, markdown, html
    }

    /// The JSON document's `format_version`.
    public static let formatVersion = "1"

    public static func render(_ projection: Projection, as format: Format) -> String {
        switch format {
        case .text: return text(projection)
        case .markdown: return markdown(projection)
        case .json: return json(projection)
        case .html: return html(projection)
        }
    }

    public static func render(_ comparison: CostComparison, as format: Format) -> String {
        switch format {
        case .text: return text(comparison)
        case .markdown: return markdown(comparison)
        case .json: return json(comparison)
        case .html: return html(comparison)
        }
    }

    // MARK: Shared wording

    static func instances(_ range: InstanceRange) -> String {
        if range.min == range.max { return "\(range.min)" }
        return "\(range.min) / \(range.expected.quantityDescription) / \(range.max)"
    }

    static func planLabel(_ datastore: DatastoreCost) -> String {
        switch datastore.type {
        case .external:
            if datastore.vendor?.lowercased() == "supabase" {
                let compute = datastore.components.first { $0.name.hasPrefix("compute ") && $0.name != "compute credit" }?.name.dropFirst(8)
                return "\(datastore.kindLabel) \(datastore.plan)" + (compute.map { " + \($0) compute" } ?? "")
            }
            return "\(datastore.kindLabel) \(datastore.plan)"
        case .postgres:
            let storage = datastore.components.first { $0.unit == "GB" }
            return "Postgres \(datastore.plan)" + (storage.map { " + \($0.quantity.quantityDescription) GB" } ?? "")
        case .keyvalue:
            return "Key Value \(datastore.plan)"
        }
    }

    static func usageQuantity(_ line: UsageLine) -> String {
        "\(line.quantity.quantityDescription) x \(line.unit) @ \(line.unitPrice.unitPriceFormatted)"
    }

    static func budgetLine(_ budget: BudgetStatus) -> String {
        "Budget \(budget.monthly.formatted)/month (\(budget.action.rawValue)): min \(budget.atMin.formatted), expected \(budget.atExpected.formatted), max \(budget.atMax.formatted); headroom \(budget.headroom.formatted) expected, \(budget.headroomAtMax.formatted) at max"
    }

    static func day(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!).year().month().day())
    }

    static func minute(_ date: Date) -> String {
        let text = date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!).year().month().day().time(includingFractionalSeconds: false).timeSeparator(.colon).dateTimeSeparator(.space))
        // "2026-11-03 14:05:00" -> "2026-11-03 14:05"
        return text.count >= 16 ? String(text.prefix(16)) : text
    }

    static func hours(_ seconds: Decimal) -> String {
        (seconds / 3600).rounded(scale: 1).quantityDescription
    }

    static func percent(_ fraction: Double) -> String {
        "\(Int((fraction * 100).rounded()))%"
    }
}
