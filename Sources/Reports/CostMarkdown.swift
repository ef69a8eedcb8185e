import Costing
import Foundation

extension CostReport {
    /// A pull-request comment: headline, per-line table, budget status, actuals and notes in `<details>`.
    public static func markdown(_ p: Projection) -> String {
        var out = "#### 💰 Ballast cost: `\(p.project)` / `\(p.environment)`\n\n"
        out += "**\(p.totals.expected.formatted)/month expected**"
        if p.totals.isRange { out += " (at least \(p.totals.min.formatted), at most \(p.totals.max.formatted))" }
        out += "\n\n"
        if let budget = p.budget {
            let icon = budget.state == .within ? "✅" : "⚠️"
            out += "\(icon) " + budgetLine(budget) + "\n"
            for warning in budget.warnings { out += "> ⚠️ \(cell(warning))\n" }
            out += "\n"
        }
        if let d = p.planDelta {
            let direction = d.delta > .zero ? "increase 📈" : d.delta < .zero ? "decrease 📉" : "no change"
            out += "**Plan `\(cell(d.source))`: monthly cost \(d.before.formatted) → \(d.after.formatted) (\(d.delta.signedFormatted), \(direction))**\n\n"
            let changed = d.changedLines
            if !changed.isEmpty {
                out += "| Resource | Action | Before | After | Change |\n|---|---|--:|--:|--:|\n"
                for line in changed {
                    out += "| `\(cell(line.name))` | \(line.action) | \(line.before.formatted) | \(line.after.formatted) | \(line.delta.signedFormatted) |\n"
                }
                out += "\n"
            }
        }
        out += "| Name | Plan | Instances min / expected / max | Monthly min | Expected | Max |\n|---|---|---|--:|--:|--:|\n"
        for s in p.services {
            out += "| \(cell(s.name))\(s.kind == .usage ? " \\*" : "") | \(cell(s.plan)) | \(instances(s.instances)) | \(s.monthly.min.formatted) | \(s.monthly.expected.formatted) | \(s.monthly.max.formatted) |\n"
        }
        for d in p.datastores {
            out += "| \(cell(d.name)) | \(cell(planLabel(d))) | | \(d.monthly.formatted) | \(d.monthly.formatted) | \(d.monthly.formatted) |\n"
        }
        for u in p.usage {
            out += "| \(cell(u.label)) \\* | \(cell(usageQuantity(u))) | | \(u.monthly.formatted) | \(u.monthly.formatted) | \(u.monthly.formatted) |\n"
        }
        out += "| **Total** | | | **\(p.totals.min.formatted)** | **\(p.totals.expected.formatted)** | **\(p.totals.max.formatted)** |\n\n"
        if p.usageTotal > .zero { out += "\\* usage-based, from the usage file (\(p.usageTotal.formatted) of the total).\n\n" }

        if let live = p.live {
            var summary = "Running now: \(live.monthlyNow.formatted)/month"
            if let budget = live.budget, let inside = live.withinBudget { summary += inside ? " (inside the \(budget.formatted) budget)" : " (over the \(budget.formatted) budget)" }
            out += "<details><summary>\(summary)</summary>\n\n| Service | Running | Monthly now | Expected | Status |\n|---|---|--:|--:|---|\n"
            for s in live.services {
                out += "| \(cell(s.name)) | \(cell(runningLabel(s))) | \(s.monthlyNow.formatted) | \(s.expected.formatted) | \(cell(s.status.label(declaredPlan: s.declaredPlan))) |\n"
            }
            out += "| datastores and usage | as projected | \(live.fixed.formatted) | | |\n"
            out += "| **Total** | | **\(live.monthlyNow.formatted)** | **\(live.expected.formatted)** | |\n\n</details>\n\n"
        }
        if let a = p.actuals {
            out += "<details><summary>Actuals: \(a.monthToDate.formatted) so far this month, \(a.projectedMonthEnd.formatted) projected</summary>\n\n"
            out += "| Service | Plan | Instance-hours | Spend | Now | Month end |\n|---|---|--:|--:|--:|--:|\n"
            for s in a.services {
                for plan in s.plans {
                    out += "| \(cell(s.name)) | \(plan.plan) | \(hours(plan.instanceSeconds)) | \(plan.spend.formatted) | \(s.currentInstances) x \(s.currentPlan) | \(s.projectedMonthEnd.formatted) |\n"
                }
            }
            out += "| datastores and usage (prorated) | | | \(a.fixedToDate.formatted) | | |\n"
            out += "| **Total** | | | **\(a.monthToDate.formatted)** | | **\(a.projectedMonthEnd.formatted)** |\n\n"
            if !a.changes.isEmpty {
                out += "Biggest scale-driven changes:\n\n"
                for c in a.changes {
                    out += "- \(minute(c.at)) `\(c.service)` \(c.from) → \(c.to) \(c.plan): \(c.monthlyDelta.signedFormatted)/mo, \(c.spendEffect.signedFormatted) this month — \(cell(c.reason))\n"
                }
                out += "\n"
            }
            out += "</details>\n\n"
        }
        if !p.notes.isEmpty {
            out += "<details><summary>Notes</summary>\n\n" + p.notes.map { "- \(cell($0))\n" }.joined() + "\n</details>\n\n"
        }
        out += "<sub>Catalog \(p.catalogName) (\(p.catalogDate)); months of \(p.hoursPerMonth.quantityDescription) hours, compute billed per second.</sub>\n"
        return out
    }

    public static func markdown(_ c: CostComparison) -> String {
        var out = "#### 💰 Ballast cost: `\(c.base.project)` — `\(c.base.environment)` vs `\(c.other.environment)`\n\n"
        out += "**\(c.other.environment)** costs \(c.other.totals.expected.formatted)/month expected, \(c.totalDelta.expected.signedFormatted) compared with **\(c.base.environment)** (\(c.base.totals.expected.formatted)).\n\n"
        func range(_ r: CostRange?) -> String {
            guard let r else { return "–" }
            return r.isRange ? "\(r.expected.formatted) (\(r.min.formatted)–\(r.max.formatted))" : r.expected.formatted
        }
        out += "| Name | \(cell(c.base.environment)) | \(cell(c.other.environment)) | Difference |\n|---|--:|--:|--:|\n"
        for row in c.rows { out += "| \(cell(row.name)) | \(range(row.base)) | \(range(row.other)) | \(row.delta.signedFormatted) |\n" }
        out += "| **Total** | **\(range(c.base.totals))** | **\(range(c.other.totals))** | **\(c.totalDelta.expected.signedFormatted)** |\n"
        for p in [c.base, c.other] {
            if let budget = p.budget { out += "\n`\(p.environment)`: " + budgetLine(budget) + "\n" + budget.warnings.map { "> ⚠️ \(cell($0))\n" }.joined() }
        }
        return out
    }

    /// Escapes what would break a Markdown table cell.
    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
