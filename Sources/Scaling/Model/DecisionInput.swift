import Blueprint
import Foundation

/// Everything one decision depends on: the moment, the count and its bounds, the policy, this
/// tick's metrics, the remembered history and the constraints from the rest of the environment.
///
/// ```swift
/// let input = DecisionInput(now: now, current: 3, min: 1, max: 10, policy: policy,
///                           metrics: ["cpu": .instances(samples), "queue_depth": .total(8600)],
///                           history: history)
/// let decision = ScalingEngine.decide(input)
/// ```
public struct DecisionInput: Sendable {
    /// The engine reads no clock; local times for schedules are computed from this.
    public var now: Date
    /// Instances running now (Render's `numInstances`).
    public var current: Int
    /// The blueprint's bounds (`scaling.min`, `scaling.max`); `min` may be 0 with `scaleToZero`.
    public var min: Int
    public var max: Int
    public var policy: ScalePolicy
    /// This tick's readings by metric name; a metric a rule needs that is absent counts as unavailable.
    public var metrics: ObservedMetrics
    /// Ready instances for whole-value (`target:` on a `total`) rules; nil takes the ready count of
    /// the first per-instance reading, else `current`.
    public var readyInstances: Int?
    public var history: ScalingHistory
    public var constraints: ScalingConstraints

    public init(now: Date, current: Int, min: Int, max: Int, policy: ScalePolicy, metrics: ObservedMetrics,
                readyInstances: Int? = nil, history: ScalingHistory = .empty, constraints: ScalingConstraints = .none) {
        self.now = now
        self.current = current
        self.min = min
        self.max = max
        self.policy = policy
        self.metrics = metrics
        self.readyInstances = readyInstances
        self.history = history
        self.constraints = constraints
    }
}
