import Costing
import Foundation

/// A plain table with per-column alignment, for terminal output.
struct CostTextTable {
    enum Align { case left, right }
    var headers: [String]
    var align: [Align]
    var rows: [[String]] = []
    var footers: [[String]] = []

    func render(indent: String = "") -> String {
        let all = [headers] + rows + footers
        var widths = Array(repeating: 0, count: headers.count)
        for row in all { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        func line(_ row: [String]) -> String {
            var parts: [String] = []
            for (i, cell) in row.enumerated() where i < widths.count {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                parts.append(align[i] == .right ? pad + cell : cell + pad)
            }
            var text = indent + parts.joined(separator: "  ")
            while text.last == " " { text.removeLast() }
            return text
        }
        // Columns without a header (the usage marker) get no rule.
        func rule(_ widths: [Int]) -> String {
            var text = zip(headers, widths).map { String(repeating: $0.0.isEmpty ? " " : "-", count: $0.1) }.joined(separator: "  ")
            while text.last == " " { text.removeLast() }
            return text
        }
        var out = line(headers) + "\n"
        out += indent + rule(widths) + "\n"
        for row in rows { out += line(row) + "\n" }
        if !footers.isEmpty {
            out += indent + rule(widths) + "\n"
            for row in footers { out += line(row) + "\n" }
        }
        return out
    }
}

extension CostReport {
    /// An aligned table per section with totals, budget status and actuals; `*` marks usage-based lines.
    public static func text(_ p: Projection) -> String {
        var out = "Cost projection: \(p.project) / \(p.environment)   (\(p.currency), catalog \(p.catalogName) of \(p.catalogDate), \(p.hoursPerMonth.quantityDescription) h/month)\n\n"
        var table = CostTextTable(headers: ["NAME", "PLAN", "INSTANCES min/exp/max", "MONTHLY MIN", "EXPECTED", "MAX", ""],
                                  align: [.left, .left, .left, .right, .right, .right, .left])
        for s in p.services {
            table.rows.append([s.name, s.plan + (s.priceFound ? "" : " (no price)"), instances(s.instances),
                               s.monthly.min.formatted, s.monthly.expected.formatted, s.monthly.max.formatted, s.kind == .usage ? "*" : ""])
        }
        for d in p.datastores {
            table.rows.append([d.name, planLabel(d), "", d.monthly.formatted, d.monthly.formatted, d.monthly.formatted, ""])
        }
        for u in p.usage {
            table.rows.append([u.label, usageQuantity(u), "", u.monthly.formatted, u.monthly.formatted, u.monthly.formatted, "*"])
        }
        table.footers.append(["TOTAL", "", "", p.totals.min.formatted, p.totals.expected.formatted, p.totals.max.formatted, ""])
        out += table.render()
        if p.usageTotal > .zero || p.services.contains(where: { $0.kind == .usage }) {
            out += "* usage-based (from the usage file); \(p.usageTotal.formatted) of the total.\n"
        }
        let sources = p.services.filter(\.autoscaled).map { "\($0.name): \($0.expectedSource.label)" }
        if !sources.isEmpty { out += "Expected counts: " + sources.joined(separator: ", ") + ".\n" }

        if let budget = p.budget {
            out += "\n" + budgetLine(budget) + "\n"
            if let mtd = budget.monthToDate, let end = budget.projectedMonthEnd {
                out += "Month to date \(mtd.formatted); projected month end \(end.formatted) (\(budget.landsInside ? "inside" : "over") the budget).\n"
            }
            for cap in budget.services {
                out += "  cap \(cap.service): \(cap.cap.formatted), at max \(cap.atMax.formatted)\(cap.exceedsAtMax ? "  (over)" : "")\n"
            }
            for warning in budget.warnings { out += "Warning: \(warning)\n" }
        }

        if let live = p.live { out += "\n" + liveText(live) }
        if let d = p.planDelta { out += "\n" + planDeltaText(d) }
        if let a = p.actuals { out += "\n" + actualsText(a) }
        if !p.notes.isEmpty {
            out += "\nNotes:\n" + p.notes.map { "  - \($0)\n" }.joined()
        }
        return out
    }

    static func liveText(_ live: LiveRate) -> String {
        var out = "Running now: \(live.monthlyNow.formatted)/month at the current plans and counts (expected \(live.expected.formatted))"
        if let budget = live.budget, let inside = live.withinBudget {
            out += inside ? "; inside the \(budget.formatted) budget" : "; over the \(budget.formatted) budget by \((live.monthlyNow - budget).formatted)"
        }
        out += "\n"
        var table = CostTextTable(headers: ["SERVICE", "RUNNING", "MONTHLY NOW", "EXPECTED", "STATUS"], align: [.left, .left, .right, .right, .left])
        for s in live.services {
            table.rows.append([s.name, runningLabel(s), s.monthlyNow.formatted, s.expected.formatted, s.status.label(declaredPlan: s.declaredPlan)])
        }
        table.rows.append(["datastores and usage", "as projected", live.fixed.formatted, "", ""])
        table.footers.append(["TOTAL", "", live.monthlyNow.formatted, live.expected.formatted, ""])
        return out + table.render(indent: "  ")
    }

    static func runningLabel(_ s: LiveRate.Service) -> String {
        guard let plan = s.plan else { return "-" }
        return "\(s.instances) x \(plan)" + (s.priceFound ? "" : " (no price)")
    }

    static func planDeltaText(_ d: CostDelta) -> String {
        let out = "Plan \(d.source): Monthly cost: \(d.before.formatted) -> \(d.after.formatted) (\(d.delta.signedFormatted))\n"
        let changed = d.changedLines
        if changed.isEmpty { return out + "  No change to the monthly cost.\n" }
        var table = CostTextTable(headers: ["RESOURCE", "ACTION", "BEFORE", "AFTER", "CHANGE"], align: [.left, .left, .right, .right, .right])
        for line in changed { table.rows.append([line.name, line.action, line.before.formatted, line.after.formatted, line.delta.signedFormatted]) }
        return out + table.render(indent: "  ")
    }

    static func actualsText(_ a: Actuals) -> String {
        var out = "Actuals \(day(a.monthStart)) to \(minute(a.now)) UTC (\(percent(a.elapsedFraction)) of the month; \(a.entriesRead) journal entries)\n"
        var table = CostTextTable(headers: ["SERVICE", "PLAN", "INSTANCE-HOURS", "SPEND", "NOW", "MONTH END"],
                                  align: [.left, .left, .right, .right, .right, .right])
        for s in a.services {
            for (i, plan) in s.plans.enumerated() {
                let last = i == s.plans.count - 1
                table.rows.append([i == 0 ? s.name + (s.source == .blueprint ? " (no journal)" : s.source == .live ? " (no journal; running count)" : "") : "", plan.plan, hours(plan.instanceSeconds),
                                   plan.spend.formatted, last ? "\(s.currentInstances) x \(s.currentPlan)" : "", last ? s.projectedMonthEnd.formatted : ""])
            }
            if s.plans.isEmpty {
                table.rows.append([s.name, s.currentPlan, "0", Money.zero.formatted, "\(s.currentInstances) x \(s.currentPlan)", s.projectedMonthEnd.formatted])
            }
        }
        table.rows.append(["datastores and usage", "prorated", "", a.fixedToDate.formatted, "", ""])
        table.footers.append(["TOTAL", "", "", a.monthToDate.formatted, "", a.projectedMonthEnd.formatted])
        out += table.render()
        if !a.changes.isEmpty {
            out += "\nBiggest scale-driven changes this month:\n"
            var changes = CostTextTable(headers: ["WHEN (UTC)", "SERVICE", "CHANGE", "MONTHLY RATE", "THIS MONTH", "REASON"],
                                        align: [.left, .left, .left, .right, .right, .left])
            for c in a.changes {
                let change = c.fromPlan == c.plan ? "\(c.from) -> \(c.to) \(c.plan)" : "\(c.from) x \(c.fromPlan) -> \(c.to) x \(c.plan)"
                changes.rows.append([minute(c.at), c.service, change, c.monthlyDelta.signedFormatted + "/mo", c.spendEffect.signedFormatted, c.reason])
            }
            out += changes.render(indent: "  ")
        }
        return out
    }

    /// Two environments side by side with the expected difference per line.
    public static func text(_ c: CostComparison) -> String {
        var out = "Cost comparison: \(c.base.project)   \(c.base.environment) vs \(c.other.environment)   (\(c.base.currency), expected monthly; ranges min-max)\n\n"
        var table = CostTextTable(headers: ["NAME", c.base.environment.uppercased(), c.other.environment.uppercased(), "DIFFERENCE"],
                                  align: [.left, .right, .right, .right])
        func cell(_ r: CostRange?) -> String {
            guard let r else { return "-" }
            return r.isRange ? "\(r.expected.formatted) (\(r.min.formatted)-\(r.max.formatted))" : r.expected.formatted
        }
        for row in c.rows { table.rows.append([row.name, cell(row.base), cell(row.other), row.delta.signedFormatted]) }
        table.footers.append(["TOTAL", cell(c.base.totals), cell(c.other.totals), c.totalDelta.expected.signedFormatted])
        out += table.render()
        for p in [c.base, c.other] {
            if let budget = p.budget { out += "\n\(p.environment): " + budgetLine(budget) + "\n" + budget.warnings.map { "Warning: \($0)\n" }.joined() }
        }
        return out
    }
}

extension LiveRate.Status {
    /// Words for the status column.
    func label(declaredPlan: String) -> String {
        switch self {
        case .asDeclared: return "as declared"
        case .planDiffers: return "plan differs (blueprint: \(declaredPlan))"
        case .countDiffers: return "count outside the blueprint's"
        case .notDeployed: return "not deployed"
        case .suspended: return "suspended"
        }
    }
}
