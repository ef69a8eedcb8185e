import Costing
import Foundation

extension CostReport {
    /// One self-contained HTML file: headline figures, a stacked bar of the expected month with the
    /// min–max whisker and the budget line, a bar per line with range whiskers, spend over time from the
    /// journal, and the same tables as the text report. No scripts, no network; prints on A4/Letter.
    public static func html(_ p: Projection) -> String {
        let money: (Double) -> String = { shortMoney($0) }
        var body = "<h1>Cost report: \(HTML.escape(p.project)) / \(HTML.escape(p.environment))</h1>\n"
        body += HTML.paragraph("\(p.currency) per month of \(p.hoursPerMonth.quantityDescription) hours, compute billed per second. Catalog \(p.catalogName) of \(p.catalogDate).", className: "meta")

        var figures: [(label: String, value: String, tone: String?)] = [
            ("Expected per month", p.totals.expected.formatted, nil),
            ("At least / at most", "\(p.totals.min.formatted) – \(p.totals.max.formatted)", nil),
        ]
        if let b = p.budget {
            figures.append(("Budget (\(b.action.rawValue))", b.monthly.formatted, nil))
            figures.append(("Headroom at max", b.headroomAtMax.formatted, b.exceedsAtMax ? "warn" : "ok"))
        }
        if let a = p.actuals {
            figures.append(("Spent this month", a.monthToDate.formatted, nil))
            let over = p.budget.map { a.projectedMonthEnd > $0.monthly } ?? false
            figures.append(("Projected month end", a.projectedMonthEnd.formatted, over ? "warn" : nil))
        }
        body += HTML.figures(figures)
        for warning in p.budget?.warnings ?? [] { body += "<div class=\"warning\">\(HTML.escape(warning))</div>\n" }

        // Charts of the projection.
        let items = p.lineItems
        let colors = Dictionary(uniqueKeysWithValues: items.enumerated().map { ("\($0.element.category.rawValue):\($0.element.name)", SVGCharts.palette[$0.offset % SVGCharts.palette.count]) })
        func color(_ item: LineItem) -> String { colors["\(item.category.rawValue):\(item.name)"] ?? SVGCharts.palette[0] }
        let budgetRules = p.budget.map { [SVGCharts.Rule(value: $0.monthly.doubleValue, label: "budget \($0.monthly.formatted)", color: SVGCharts.warn)] } ?? []

        body += HTML.heading("Expected month, with the range the scale rules allow")
        body += SVGCharts.stackedBar(items.map { SVGCharts.Bar(label: $0.name, value: $0.monthly.expected.doubleValue, color: color($0), valueLabel: $0.monthly.expected.formatted) },
                                     whisker: p.totals.isRange ? (p.totals.min.doubleValue, p.totals.max.doubleValue) : nil,
                                     rules: budgetRules, format: money, title: "Expected monthly cost by line")
        body += HTML.paragraph("Bar: expected cost, one segment per line. Whisker: total at minimum and at maximum instances.", className: "note")

        body += HTML.heading("Per line: expected, with min–max for autoscaled services")
        body += SVGCharts.rangeBars(items.map { item in
            SVGCharts.Bar(label: item.name, value: item.monthly.expected.doubleValue,
                          low: item.monthly.isRange ? item.monthly.min.doubleValue : nil,
                          high: item.monthly.isRange ? item.monthly.max.doubleValue : nil, color: color(item),
                          valueLabel: item.monthly.isRange ? "\(item.monthly.expected.formatted) (\(item.monthly.min.formatted)–\(item.monthly.max.formatted))" : item.monthly.expected.formatted)
        }, format: money, title: "Monthly cost per line")

        // Tables.
        body += HTML.heading("Services")
        body += HTML.table(headers: ["Service", "Type", "Plan", "Per instance", "Instances min / exp / max", "Expected from", "Min", "Expected", "Max"],
                           rows: p.services.map { s in
                               [s.name + (s.kind == .usage ? " *" : ""), s.type.rawValue, s.plan + (s.priceFound ? "" : " (no price)"), s.unitMonthly.formatted,
                                instances(s.instances), s.expectedSource.label, s.monthly.min.formatted, s.monthly.expected.formatted, s.monthly.max.formatted]
                           }, numeric: [3, 4, 6, 7, 8],
                           footer: ["Services", "", "", "", "", "", p.services.map(\.monthly.min).sum().formatted,
                                    p.services.map(\.monthly.expected).sum().formatted, p.services.map(\.monthly.max).sum().formatted])
        if !p.datastores.isEmpty {
            body += HTML.heading("Datastores and external services")
            var rows: [[String]] = []
            for d in p.datastores {
                rows.append([d.name, d.kindLabel, planLabel(d), "", d.monthly.formatted])
                for c in d.components where d.components.count > 1 || c.quantity != 1 {
                    rows.append(["", "", "  " + c.name, "\(c.quantity.quantityDescription) \(c.unit) x \(c.unitPrice.unitPriceFormatted)", c.monthly.formatted])
                }
            }
            body += HTML.table(headers: ["Datastore", "Kind", "Plan / component", "Quantity", "Monthly"], rows: rows, numeric: [3, 4],
                               footer: ["Datastores", "", "", "", p.datastores.map(\.monthly).sum().formatted])
        }
        if !p.usage.isEmpty {
            body += HTML.heading("Usage-based costs (from the usage file)")
            body += HTML.table(headers: ["Service", "Usage", "Quantity", "Unit price", "Monthly"],
                               rows: p.usage.map { [$0.service, $0.name, "\($0.quantity.quantityDescription) x \($0.unit)", $0.unitPrice.unitPriceFormatted, $0.monthly.formatted] },
                               numeric: [2, 3, 4], footer: ["Usage", "", "", "", p.usage.map(\.monthly).sum().formatted])
        }
        body += HTML.table(headers: ["Total", "Min", "Expected", "Max"],
                           rows: [["All lines", p.totals.min.formatted, p.totals.expected.formatted, p.totals.max.formatted]], numeric: [1, 2, 3], className: "totals")
        if p.usageTotal > .zero || p.services.contains(where: { $0.kind == .usage }) {
            body += HTML.paragraph("* usage-based: \(p.usageTotal.formatted) of the total comes from the usage file.", className: "note")
        }

        if let b = p.budget {
            body += HTML.heading("Budget")
            var rows = [["Environment", b.monthly.formatted, b.atMin.formatted, b.atExpected.formatted, b.atMax.formatted, b.headroom.formatted, b.headroomAtMax.formatted]]
            for cap in b.services {
                rows.append([cap.service, cap.cap.formatted, cap.atMin.formatted, "", cap.atMax.formatted, "", (cap.cap - cap.atMax).formatted])
            }
            body += HTML.table(headers: ["Scope", "Budget", "At min", "Expected", "At max", "Headroom", "Headroom at max"], rows: rows, numeric: [1, 2, 3, 4, 5, 6])
        }

        if let live = p.live {
            var title = "Running now: \(live.monthlyNow.formatted)/month"
            if let budget = live.budget, let inside = live.withinBudget { title += inside ? " (inside the \(budget.formatted) budget)" : " (over the \(budget.formatted) budget)" }
            body += HTML.heading(title)
            body += HTML.table(headers: ["Service", "Running", "Monthly now", "Expected", "Status"],
                               rows: live.services.map { [$0.name, runningLabel($0), $0.monthlyNow.formatted, $0.expected.formatted, $0.status.label(declaredPlan: $0.declaredPlan)] }
                                   + [["Datastores and usage", "as projected", live.fixed.formatted, "", ""]],
                               numeric: [2, 3], footer: ["Total", "", live.monthlyNow.formatted, live.expected.formatted, ""])
        }
        if let d = p.planDelta {
            body += HTML.heading("Plan \(d.source): \(d.before.formatted) → \(d.after.formatted) (\(d.delta.signedFormatted))")
            body += HTML.table(headers: ["Resource", "Action", "Before", "After", "Change"],
                               rows: d.changedLines.map { [$0.name, $0.action, $0.before.formatted, $0.after.formatted, $0.delta.signedFormatted] },
                               numeric: [2, 3, 4], footer: ["Total", "", d.before.formatted, d.after.formatted, d.delta.signedFormatted])
        }
        if let a = p.actuals { body += actualsHTML(a, budget: p.budget, format: money) }

        if !p.notes.isEmpty {
            body += HTML.heading("Notes")
            body += "<ul>\n" + p.notes.map { "<li>\(HTML.escape($0))</li>\n" }.joined() + "</ul>\n"
        }
        return HTML.page(title: "Ballast cost: \(p.project) / \(p.environment)", body: body)
    }

    static func actualsHTML(_ a: Actuals, budget: BudgetStatus?, format money: @escaping (Double) -> String) -> String {
        var body = HTML.heading("Actuals this month")
        body += HTML.paragraph("From \(day(a.monthStart)) to \(minute(a.now)) UTC, \(percent(a.elapsedFraction)) of the month; \(a.entriesRead) journal entries.", className: "meta")

        let start = a.monthStart.timeIntervalSince1970, end = a.monthEnd.timeIntervalSince1970
        let actual = a.timeline.map { (x: $0.at.timeIntervalSince1970, y: $0.cumulative.doubleValue) }
        let projected = [(x: a.now.timeIntervalSince1970, y: a.monthToDate.doubleValue), (x: end, y: a.projectedMonthEnd.doubleValue)]
        var ticks: [(x: Double, label: String)] = []
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for dayNumber in stride(from: 1, through: 29, by: 7) {
            if let date = calendar.date(byAdding: .day, value: dayNumber - 1, to: a.monthStart), date < a.monthEnd {
                ticks.append((date.timeIntervalSince1970, day(date)))
            }
        }
        let rules = budget.map { [SVGCharts.Rule(value: $0.monthly.doubleValue, label: "budget \($0.monthly.formatted)", color: SVGCharts.warn)] } ?? []
        body += SVGCharts.lineChart([
            SVGCharts.Series(label: "spent \(a.monthToDate.formatted)", points: actual, color: SVGCharts.palette[0]),
            SVGCharts.Series(label: "projected month end \(a.projectedMonthEnd.formatted)", points: projected, color: SVGCharts.palette[1], dashed: true),
        ], xDomain: start...end, yMax: max(a.projectedMonthEnd.doubleValue, a.monthToDate.doubleValue), rules: rules, xTicks: ticks, format: money,
           title: "Spend over time this month")

        var rows: [[String]] = []
        for s in a.services {
            for (i, plan) in s.plans.enumerated() {
                let last = i == s.plans.count - 1
                rows.append([i == 0 ? s.name : "", plan.plan, hours(plan.instanceSeconds), plan.spend.formatted,
                             last ? "\(s.currentInstances) x \(s.currentPlan)" : "", last ? s.projectedMonthEnd.formatted : "", i == 0 ? s.source.rawValue : ""])
            }
        }
        rows.append(["Datastores and usage", "prorated", "", a.fixedToDate.formatted, "", "", ""])
        body += HTML.table(headers: ["Service", "Plan", "Instance-hours", "Spend", "Now", "Month end", "Counts from"], rows: rows, numeric: [2, 3, 5],
                           footer: ["Total", "", "", a.monthToDate.formatted, "", a.projectedMonthEnd.formatted, ""])
        if !a.changes.isEmpty {
            body += HTML.heading("Biggest scale-driven changes", level: 3)
            body += HTML.table(headers: ["When (UTC)", "Service", "Change", "Monthly rate", "This month", "Reason"],
                               rows: a.changes.map { c in
                                   [minute(c.at), c.service, c.fromPlan == c.plan ? "\(c.from) → \(c.to) \(c.plan)" : "\(c.from) × \(c.fromPlan) → \(c.to) × \(c.plan)",
                                    c.monthlyDelta.signedFormatted + "/mo", c.spendEffect.signedFormatted, c.reason]
                               }, numeric: [3, 4])
        }
        return body
    }

    /// Development vs production: totals, a pair of bars per line, and the side-by-side table.
    public static func html(_ c: CostComparison) -> String {
        let money: (Double) -> String = { shortMoney($0) }
        var body = "<h1>Cost comparison: \(HTML.escape(c.base.project))</h1>\n"
        body += HTML.paragraph("\(c.base.environment) vs \(c.other.environment), \(c.base.currency) per month (expected; ranges are min–max).", className: "meta")
        body += HTML.figures([
            (c.base.environment, c.base.totals.expected.formatted, nil),
            (c.other.environment, c.other.totals.expected.formatted, nil),
            ("Difference", c.totalDelta.expected.signedFormatted, nil),
        ])
        var bars: [SVGCharts.Bar] = []
        for row in c.rows {
            for (env, range, color) in [(c.base.environment, row.base, SVGCharts.palette[4]), (c.other.environment, row.other, SVGCharts.palette[0])] {
                guard let range else { continue }
                bars.append(SVGCharts.Bar(label: "\(row.name) · \(env)", value: range.expected.doubleValue,
                                          low: range.isRange ? range.min.doubleValue : nil, high: range.isRange ? range.max.doubleValue : nil,
                                          color: color, valueLabel: range.expected.formatted))
            }
        }
        body += HTML.heading("Per line")
        body += SVGCharts.rangeBars(bars, format: money, title: "Monthly cost per line and environment")
        func cell(_ r: CostRange?) -> String {
            guard let r else { return "–" }
            return r.isRange ? "\(r.expected.formatted) (\(r.min.formatted)–\(r.max.formatted))" : r.expected.formatted
        }
        body += HTML.table(headers: ["Line", c.base.environment, c.other.environment, "Difference"],
                           rows: c.rows.map { [$0.name, cell($0.base), cell($0.other), $0.delta.signedFormatted] }, numeric: [1, 2, 3],
                           footer: ["Total", cell(c.base.totals), cell(c.other.totals), c.totalDelta.expected.signedFormatted])
        return HTML.page(title: "Ballast cost: \(c.base.environment) vs \(c.other.environment)", body: body)
    }

    /// `$1,250` or `$12.50` for chart axes.
    static func shortMoney(_ value: Double) -> String {
        let money = Money(Decimal(value))
        if value >= 100 || value == value.rounded() {
            let whole = money.rounded(scale: 0).formatted
            return String(whole.dropLast(3))
        }
        return money.formatted
    }
}
