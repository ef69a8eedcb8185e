import Blueprint
import Costing
import Foundation
import Reports
import Testing

/// A projection with every section filled: usage, budget, actuals.
func fullProjection() -> Projection {
    let usage = UsageFile(services: [.init(name: "ai-service", tokens: [.init(model: "gpt-4o", input: 40_000_000, output: 8_000_000)])])
    let journal = [
        JournalEntry(at: Fixture.date(1), environment: "production", service: "worker", plan: "starter", from: 1, to: 1, reason: "start", acted: false),
        JournalEntry(at: Fixture.date(3, 14, 5), environment: "production", service: "worker", plan: "starter", from: 1, to: 4, reason: "queue depth 340 > 100 for 2m", acted: true),
        JournalEntry(at: Fixture.date(6), environment: "production", service: "worker", plan: "starter", from: 4, to: 2, reason: "queue empty for 15m", acted: true),
        JournalEntry(at: Fixture.date(8), environment: "production", service: "backend-api", plan: "standard", from: 2, to: 5, reason: "p95 3.1s > 2s for 5m", acted: true),
    ]
    return CostEstimator(catalog: Fixture.catalog).project(Fixture.production(budget: 300), usage: usage, journal: journal, now: Fixture.date(12, 9))
}

@Suite("Cost reports")
struct ReportTests {
    let projection = fullProjection()

    @Test func textIsAnAlignedTableWithTotals() {
        let text = CostReport.text(projection)
        let lines = text.split(separator: "\n").map(String.init)
        let header = lines.first { $0.hasPrefix("NAME") }!
        let total = lines.first { $0.hasPrefix("TOTAL") }!
        // Money columns end where their headers end.
        let maxEnd = header.range(of: "MAX")!.upperBound.utf16Offset(in: header)
        #expect(total.contains(projection.totals.max.formatted))
        #expect(total.range(of: projection.totals.max.formatted)!.upperBound.utf16Offset(in: total) == maxEnd)
        #expect(text.contains("Budget \(projection.budget!.monthly.formatted)/month (hold)"))
        #expect(text.contains("queue depth 340 > 100 for 2m"))
        #expect(text.contains("ai-service: gpt-4o input tokens"))
    }

    @Test func markdownIsAPullRequestComment() {
        let markdown = CostReport.markdown(projection)
        #expect(markdown.hasPrefix("#### 💰 Ballast cost: `qc-platform` / `production`"))
        #expect(markdown.contains("| Name | Plan | Instances min / expected / max | Monthly min | Expected | Max |"))
        #expect(markdown.contains("**\(projection.totals.expected.formatted)/month expected**"))
        #expect(markdown.contains("<details><summary>Actuals: \(projection.actuals!.monthToDate.formatted)"))
    }

    @Test func jsonIsVersionedWithMoneyAsDecimalStrings() throws {
        let data = Data(CostReport.json(projection).utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["format_version"] as? String == "1")
        #expect(object["currency"] as? String == "USD")
        #expect(object["environment"] as? String == "production")
        let totals = try #require(object["totals"] as? [String: Any])
        #expect(totals["expected"] as? String == projection.totals.expected.decimalString)
        let services = try #require(object["services"] as? [[String: Any]])
        let backend = try #require(services.first { $0["name"] as? String == "backend-api" })
        #expect((backend["instances"] as? [String: Any])?["max"] as? Int == 5)
        #expect((backend["monthly"] as? [String: Any])?["max"] as? String == projection.services[0].monthly.max.decimalString)
        #expect(object["budget"] is [String: Any])
        let actuals = try #require(object["actuals"] as? [String: Any])
        #expect(actuals["month_to_date"] as? String == projection.actuals!.monthToDate.decimalString)
        #expect((object["usage"] as? [[String: Any]])?.count == 2)

        // Without budget and journal the keys stay, as null.
        let bare = CostReport.json(CostEstimator(catalog: Fixture.catalog).project(Fixture.development()))
        #expect(bare.contains("\"budget\" : null"))
        #expect(bare.contains("\"actuals\" : null"))
    }

    @Test func planDeltaInEveryFormat() throws {
        var projection = self.projection
        projection.planDelta = CostDelta(source: "prod.plan", environment: "production", lines: [
            .init(name: "service.worker", action: "scale", before: Money(14), after: Money(28)),
            .init(name: "datastore.redis", action: "no-op", before: Money(10), after: Money(10)),
            .init(name: "service.admin", action: "delete", before: Money(7), after: .zero),
        ])
        let delta = try #require(projection.planDelta)
        #expect(delta.delta == Money(7))
        #expect(delta.changedLines.map(\.name) == ["service.worker", "service.admin"])
        #expect(CostReport.text(projection).contains("Plan prod.plan: Monthly cost: $31.00 -> $38.00 (+$7.00)"))
        #expect(CostReport.markdown(projection).contains("monthly cost $31.00 → $38.00 (+$7.00, increase 📈)"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(CostReport.json(projection).utf8)) as? [String: Any])
        #expect((json["plan"] as? [String: Any])?["delta"] as? String == "7.00")
        #expect(CostReport.html(projection).contains("+$14.00"))
    }

    @Test func comparisonFormats() throws {
        let estimator = CostEstimator(catalog: Fixture.catalog)
        let comparison = CostComparison(base: estimator.project(Fixture.development()), other: estimator.project(Fixture.production()))
        let text = CostReport.text(comparison)
        #expect(text.contains("DEVELOPMENT"))
        #expect(text.contains(comparison.totalDelta.expected.signedFormatted))
        let json = try JSONSerialization.jsonObject(with: Data(CostReport.json(comparison).utf8)) as? [String: Any]
        #expect((json?["rows"] as? [Any])?.count == comparison.rows.count)
        #expect(CostReport.markdown(comparison).contains("| Name | development | production | Difference |"))
        #expect(CostReport.html(comparison).contains("<svg"))
    }

    @Test func htmlIsSelfContained() {
        let html = CostReport.html(projection)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        // No network: the only URL is SVG's namespace.
        let urls = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        #expect(!urls.contains("http://") && !urls.contains("https://"))
        #expect(!html.contains("<script"))
        #expect(html.components(separatedBy: "<svg").count - 1 == 3)
        #expect(html.contains("@media print"))
    }
}
