/// A plan file (`plan --out FILE`): the plan plus what is needed to check it is still current.
///
/// `apply FILE` re-reads the state and the actual resources and refuses the plan when the state's
/// lineage or serial, or the fingerprint of the actual resources, moved since it was made.
/// Holds no secret values.
public struct SavedPlan: Sendable, Equatable, Codable {
    public static let kind = "ballast-plan"

    public var kind: String
    public var plan: Plan
    public var options: PlanOptions
    /// Where the desired state came from (paths as given on the command line).
    public var blueprint: String
    public var catalog: String?
    public var policies: String?
    /// The state location and the sandbox directory, when one was used.
    public var state: String?
    public var sandbox: String?

    public init(plan: Plan, options: PlanOptions, blueprint: String, catalog: String? = nil, policies: String? = nil,
                state: String? = nil, sandbox: String? = nil) {
        self.kind = Self.kind
        self.plan = plan
        self.options = options
        self.blueprint = blueprint
        self.catalog = catalog
        self.policies = policies
        self.state = state
        self.sandbox = sandbox
    }

    /// Why a saved plan can no longer be applied, in Terraform's words; nil when it can.
    public static func staleness(of plan: Plan, state: BallastState?, actualFingerprint: String) -> String? {
        if let lineage = plan.prior.lineage, let state, state.lineage != lineage {
            return "Saved plan does not match the given state: the plan was created from a different state lineage."
        }
        if plan.prior.lineage == nil, let state, state.serial > 0 {
            return "Saved plan is stale: it was made before the first apply, and the state has been written since."
        }
        if let state, state.serial != plan.prior.serial {
            return "Saved plan is stale: the state was changed by another operation after the plan was created (serial \(plan.prior.serial) -> \(state.serial))."
        }
        if actualFingerprint != plan.actualFingerprint {
            return "Saved plan is stale: the actual resources changed since the plan was created."
        }
        return nil
    }
}
