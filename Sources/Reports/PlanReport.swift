import Foundation
import Planning

/// Renders a ``Plan`` as Terraform does: symbols `+ ~ - -/+`, one block per resource with field
/// diffs `old -> new`, secrets as `(sensitive value)`, then the summary and the monthly cost.
///
/// ```swift
/// print(PlanReport(plan).text())
/// // Plan: 2 to add, 1 to change, 0 to destroy.
/// // Monthly cost: $50.00 -> $85.00 (+$35.00)
/// ```
public struct PlanReport {
    public let plan: Plan

    public init(_ plan: Plan) {
        self.plan = plan
    }

    static let sensitive = "(sensitive value)"

    static func symbol(_ action: ResourceChange.Action) -> String {
        switch action {
        case .create: return "  +"
        case .update, .scale: return "  ~"
        case .replace: return "-/+"
        case .delete: return "  -"
        case .import, .noOp: return "   "
        }
    }

    static func header(_ change: ResourceChange, drift: Bool = false) -> String {
        if drift {
            return "# \(change.address) " + (change.action == .delete ? "has been deleted" : "has changed")
        }
        let verb: String
        switch change.action {
        case .create: verb = "will be created"
        case .update: verb = "will be updated in-place"
        case .scale: verb = "will be scaled"
        case .replace: verb = "must be replaced"
        case .delete: verb = "will be destroyed"
        case .import: verb = change.importWithUpdate ? "will be imported and updated in-place" : "will be imported"
        case .noOp: verb = "has no changes"
        }
        return "# \(change.address) \(verb)"
    }

    static func show(_ value: PlanValue?, sensitive: Bool) -> String {
        guard let value else { return "null" }
        return sensitive ? Self.sensitive : value.description
    }

    /// The summary line, Terraform's counting (`N to import, ` first when importing).
    public func summaryLine() -> String {
        let summary = plan.summary
        return "Plan: " + (summary.import > 0 ? "\(summary.import) to import, " : "")
            + "\(summary.add) to add, \(summary.change) to change, \(summary.destroy) to destroy."
    }

    public func costLine() -> String {
        let cost = plan.cost
        return "Monthly cost: \(Money.format(cost.monthlyBefore)) -> \(Money.format(cost.monthlyAfter)) (\(Money.signed(cost.monthlyDelta)))"
    }

    /// One resource's block, with its reasons and monthly cost change.
    static func block(_ change: ResourceChange, drift: Bool = false) -> [String] {
        var lines = ["  " + header(change, drift: drift)]
        if change.action == .import, let id = change.id { lines.append("  # (imported from \"\(id)\")") }
        for reason in change.reasons where !(change.action == .import && reason.hasPrefix("a ")) {
            lines.append("  # (\(reason))")
        }
        let symbol = drift ? (change.action == .delete ? "  -" : "  ~") : symbol(change.action)
        lines.append("\(symbol) resource \"\(change.kind.rawValue)\" \"\(change.name)\" {")
        var rows: [(String, String, String)] = []   // symbol, name, rendering
        var hidden = 0
        switch change.action {
        case .create where !drift:
            for attribute in change.after ?? [] { rows.append(("+", attribute.name, show(attribute.value, sensitive: attribute.sensitive))) }
        case .delete:
            if let id = change.id { rows.append((" ", "id", "\"\(id)\"")) }
            for attribute in change.before ?? [] {
                rows.append(("-", attribute.name, show(attribute.value, sensitive: attribute.sensitive) + (drift ? "" : " -> null")))
            }
        default:
            if let id = change.id { rows.append((" ", "id", "\"\(id)\"")) }
            let diffs = change.diffs
            let changed = Set(diffs.map(\.name))
            hidden = (change.after ?? []).filter { !changed.contains($0.name) }.count
            for diff in diffs {
                let sensitive = diff.sensitive
                let text: String
                let mark: String
                switch (diff.before, diff.after) {
                case (nil, let after?):
                    mark = "+"; text = show(after, sensitive: sensitive)
                case (let before?, nil):
                    mark = "-"; text = show(before, sensitive: sensitive) + " -> null"
                case (let before?, let after?):
                    mark = "~"
                    text = sensitive ? Self.sensitive : "\(before) -> \(after)"
                case (nil, nil):
                    continue
                }
                rows.append((mark, diff.name, text + (diff.forcesReplacement ? " # forces replacement" : "")))
            }
        }
        let width = rows.map(\.1.count).max() ?? 0
        for (mark, name, text) in rows {
            lines.append("      \(mark) \(name.padding(toLength: width, withPad: " ", startingAt: 0)) = \(text)")
        }
        if hidden > 0 { lines.append("        # (\(hidden) unchanged attribute\(hidden == 1 ? "" : "s") hidden)") }
        lines.append("    }")
        if !drift, abs(change.monthlyDelta) > 0.004 {
            lines.append("    # monthly cost: \(Money.format(change.monthlyBefore)) -> \(Money.format(change.monthlyAfter)) (\(Money.signed(change.monthlyDelta)))")
        }
        return lines
    }

    static func legend(_ actions: Set<ResourceChange.Action>) -> [String] {
        var lines: [String] = []
        if actions.contains(.create) { lines.append("  + create") }
        if actions.contains(.update) || actions.contains(.scale) { lines.append("  ~ update in-place") }
        if actions.contains(.delete) { lines.append("  - destroy") }
        if actions.contains(.replace) { lines.append("-/+ destroy and then create replacement") }
        return lines
    }

    public func text() -> String {
        var lines: [String] = []
        let subject = "\(plan.project) (\(plan.environment))"
        if plan.mode == .refreshOnly {
            if plan.drift.isEmpty {
                lines.append("No changes. Your infrastructure still matches the configuration.")
                lines.append("")
                lines.append("Ballast has checked that the real remote objects still match the result of your most recent changes, and found no differences.")
            } else {
                lines.append("Note: Objects have changed outside of Ballast")
                lines.append("")
                lines.append("Ballast detected the following changes made outside of Ballast since the last \"ballast apply\" of \(subject):")
                for change in plan.drift { lines.append(""); lines.append(contentsOf: Self.block(change, drift: true)) }
                lines.append("")
                lines.append("This is a refresh-only plan, so Ballast will not take any actions to undo these.")
            }
            return finish(lines)
        }

        let actionable = plan.actionable
        if actionable.isEmpty {
            lines.append("No changes. Your infrastructure matches the configuration.")
            lines.append("")
            lines.append("Ballast has compared your real infrastructure against the blueprint \(subject) and found no differences, so no changes are needed.")
            return finish(lines)
        }
        if !plan.drift.isEmpty {
            lines.append("Note: Objects have changed outside of Ballast")
            lines.append("")
            lines.append("Ballast detected the following changes made outside of Ballast since the last \"ballast apply\":")
            for change in plan.drift { lines.append(""); lines.append(contentsOf: Self.block(change, drift: true)) }
            lines.append("")
            lines.append("Unless you have made equivalent changes to the blueprint, the following plan may include actions to undo or respond to these changes.")
            lines.append("")
            lines.append(String(repeating: "─", count: 77))
            lines.append("")
        }
        lines.append("Ballast used the blueprint \(subject) to generate the following execution plan.")
        lines.append("Resource actions are indicated with the following symbols:")
        lines.append(contentsOf: Self.legend(Set(actionable.map(\.action))))
        lines.append("")
        lines.append("Ballast will perform the following actions:")
        for change in actionable {
            lines.append("")
            lines.append(contentsOf: Self.block(change))
        }
        lines.append("")
        lines.append(summaryLine())
        lines.append(costLine())
        return finish(lines)
    }

    private func finish(_ lines: [String]) -> String {
        var all = lines
        if !plan.warnings.isEmpty {
            all.append("")
            for warning in plan.warnings { all.append("Warning: \(warning)") }
        }
        for violation in plan.violations {
            all.append("")
            all.append("Error: guardrail \(violation.rule) broken by \(violation.resource): \(violation.message)")
        }
        for error in plan.errors {
            all.append("")
            all.append("Error: \(error)")
        }
        return all.joined(separator: "\n") + "\n"
    }
}
