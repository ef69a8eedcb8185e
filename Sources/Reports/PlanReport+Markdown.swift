import Planning

extension PlanReport {
    /// A pull-request comment: the summary and cost first, a table of changes, the full diff folded.
    public func markdown() -> String {
        var lines: [String] = []
        lines.append("### Ballast plan: `\(plan.project)` (\(plan.environment))")
        lines.append("")
        let actionable = plan.actionable
        if plan.mode == .refreshOnly {
            lines.append(plan.drift.isEmpty ? "**No changes.** Your infrastructure still matches the configuration."
                                            : "**\(plan.drift.count) resource\(plan.drift.count == 1 ? "" : "s") changed outside Ballast.**")
        } else if actionable.isEmpty {
            lines.append("**No changes.** Your infrastructure matches the configuration.")
        } else {
            lines.append("**\(summaryLine())** \(costLine().replacingOccurrences(of: " -> ", with: " → "))")
            lines.append("")
            lines.append("| | Resource | Action | Why | Monthly cost |")
            lines.append("|---|---|---|---|---|")
            for change in actionable {
                let symbol = Self.symbol(change.action).trimmingCharacters(in: .whitespaces)
                let why = change.reasons.first.map { $0.replacingOccurrences(of: "|", with: "\\|") } ?? ""
                lines.append("| `\(symbol)` | `\(change.address)` | \(change.action.rawValue) | \(why) | \(Money.signed(change.monthlyDelta)) |")
            }
        }
        for violation in plan.violations {
            lines.append("")
            lines.append("> :no_entry: **Guardrail `\(violation.rule)`** broken by `\(violation.resource)`: \(violation.message)")
        }
        for error in plan.errors {
            lines.append("")
            lines.append("> :no_entry: \(error)")
        }
        for warning in plan.warnings {
            lines.append("")
            lines.append("> :warning: \(warning)")
        }
        let details = plan.mode == .refreshOnly ? plan.drift.flatMap { Self.block($0, drift: true) + [""] }
                                                : actionable.flatMap { Self.block($0) + [""] }
        if !details.isEmpty {
            lines.append("")
            lines.append("<details><summary>Show the plan</summary>")
            lines.append("")
            lines.append("```diff")
            lines.append(contentsOf: details.map(Self.diffLine))
            lines.append("```")
            lines.append("")
            lines.append("</details>")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Moves the change symbol to the first column so GitHub colours `+`/`-` lines.
    static func diffLine(_ line: String) -> String {
        var characters = Array(line)
        guard let index = characters.firstIndex(where: { $0 != " " }), index > 0 else { return line }
        let symbol = characters[index]
        guard symbol == "+" || symbol == "-" || symbol == "~" else { return line }
        if line.dropFirst(index).hasPrefix("-/+") { return "!" + line.dropFirst() }
        characters[index] = " "
        characters[0] = symbol == "~" ? "!" : symbol
        return String(characters)
    }
}
