import Blueprint
import Foundation

/// What `plan` found and proposes for one environment: data, rendered by `Reports` and carried out
/// by the executor in `Hosting`.
///
/// ```swift
/// let plan = Planner.plan(PlanInput(desired: env, actual: snapshot, state: state, catalog: catalog, now: now))
/// plan.summary   // add 3, change 1, destroy 0, import 0
/// plan.cost      // monthly before/after/delta
/// ```
///
/// - Important: a saved plan holds no secret values (digests only). It names the state it was made
///   from (`prior`) and a fingerprint of the actual resources it saw; apply refuses it when either moved.
public struct Plan: Sendable, Equatable, Codable {
    public static let formatVersion = "1.0"

    public enum Mode: String, Sendable, Codable {
        case normal
        /// Only reports drift since the last apply; proposes nothing.
        case refreshOnly = "refresh-only"
    }

    /// The state a plan was made from.
    public struct StateVersion: Sendable, Equatable, Codable {
        public var lineage: String?
        public var serial: Int

        public init(lineage: String?, serial: Int) {
            self.lineage = lineage
            self.serial = serial
        }
    }

    public struct Cost: Sendable, Equatable, Codable {
        public var monthlyBefore: Double
        public var monthlyAfter: Double
        public var monthlyDelta: Double { monthlyAfter - monthlyBefore }
    }

    public struct Summary: Sendable, Equatable, Codable {
        public var add = 0
        public var change = 0
        public var destroy = 0
        public var `import` = 0
    }

    public var formatVersion: String
    public var mode: Mode
    public var project: String
    public var environment: String
    public var ownerId: String?
    public var createdAt: Date
    /// Every resource in scope, datastores before services; no-ops included.
    public var changes: [ResourceChange]
    /// Changes made outside Ballast since the last apply (state vs actual).
    public var drift: [ResourceChange]
    public var warnings: [String]
    /// Broken guardrails; a plan with any cannot be applied.
    public var violations: [PlanViolation]
    /// Problems that stop the plan (a resource Ballast would have to replace but does not manage, …).
    public var errors: [String]
    public var prior: StateVersion
    /// Digest of the actual resources as the plan saw them (stale detection).
    public var actualFingerprint: String

    public var cost: Cost {
        Cost(monthlyBefore: changes.reduce(0) { $0 + $1.monthlyBefore }, monthlyAfter: changes.reduce(0) { $0 + $1.monthlyAfter })
    }

    /// Terraform's counting: a replace adds one and destroys one.
    public var summary: Summary {
        var summary = Summary()
        for change in changes {
            switch change.action {
            case .create: summary.add += 1
            case .update, .scale: summary.change += 1
            case .replace: summary.add += 1; summary.destroy += 1
            case .delete: summary.destroy += 1
            case .import:
                summary.import += 1
                if change.importWithUpdate { summary.change += 1 }
            case .noOp: break
            }
        }
        return summary
    }

    /// The changes apply would make, in dependency order.
    public var actionable: [ResourceChange] {
        mode == .refreshOnly ? [] : changes.filter(\.isChange)
    }

    /// No errors and no broken guardrails.
    public var isApplyable: Bool { errors.isEmpty && violations.isEmpty }

    public var hasChanges: Bool {
        mode == .refreshOnly ? !drift.isEmpty : !actionable.isEmpty
    }
}

/// Options that shape a plan.
public struct PlanOptions: Sendable, Equatable, Codable {
    public var mode: Plan.Mode
    /// Resources in the state but no longer in the blueprint are destroyed only with it.
    public var allowDelete: Bool
    /// Lets a plan exceed a `maxMonthlyIncrease` guardrail.
    public var allowCostIncrease: Bool

    public init(mode: Plan.Mode = .normal, allowDelete: Bool = false, allowCostIncrease: Bool = false) {
        self.mode = mode
        self.allowDelete = allowDelete
        self.allowCostIncrease = allowCostIncrease
    }
}

/// A broken guardrail on a plan: which rule, which resource, why.
public struct PlanViolation: Sendable, Equatable, Codable {
    public var rule: String
    public var resource: String
    public var message: String

    public init(rule: String, resource: String, message: String) {
        self.rule = rule
        self.resource = resource
        self.message = message
    }
}
