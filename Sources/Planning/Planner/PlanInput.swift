import Blueprint
import Foundation

/// Everything the planner compares and decides with; plain values, no I/O.
public struct PlanInput: Sendable {
    public var desired: ResolvedEnvironment
    public var actual: ActualSnapshot
    /// Nil before the first apply.
    public var state: BallastState?
    public var catalog: Catalog
    /// The guardrail sets named by the environment.
    public var guardrails: [GuardrailSet]
    /// Secret values by name (from the process environment); only their digests reach the plan.
    public var secrets: [String: String]
    public var options: PlanOptions
    public var now: Date

    public init(desired: ResolvedEnvironment, actual: ActualSnapshot, state: BallastState?, catalog: Catalog,
                guardrails: [GuardrailSet] = [], secrets: [String: String] = [:], options: PlanOptions = PlanOptions(), now: Date) {
        self.desired = desired
        self.actual = actual
        self.state = state
        self.catalog = catalog
        self.guardrails = guardrails
        self.secrets = secrets
        self.options = options
        self.now = now
    }
}
