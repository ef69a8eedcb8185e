import Blueprint

/// The baselines a policy is compared with.
public enum Baseline: String, Sendable, CaseIterable {
    /// A fixed count sized for the trace's peak demand.
    case staticPeak = "static-peak"
    /// A fixed count sized for the trace's mean arrivals.
    case staticMean = "static-mean"
    /// Kubernetes' HPA with a 70 % CPU target and every default.
    case hpaCPU70 = "hpa-cpu70"
    /// Render's native autoscaling as documented: average CPU against a target, no tolerance,
    /// immediate scale-up, a slower scale-down.
    case renderNative = "render-native"
    /// The offline optimum (``OfflineOptimum``).
    case optimal

    /// `static-peak,hpa-cpu70,optimal` → baselines; unknown names are an error naming the valid ones.
    public static func parseList(_ text: String) throws(SimulationError) -> [Baseline] {
        var result: [Baseline] = []
        for part in text.split(separator: ",") {
            let name = part.trimmingCharacters(in: .whitespaces).lowercased()
            if name.isEmpty || name == "none" { continue }
            guard let baseline = Baseline(rawValue: name) else {
                throw SimulationError("unknown baseline '\(name)'; choose from \(Baseline.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if !result.contains(baseline) { result.append(baseline) }
        }
        return result
    }

    /// HPA: `target: 70%`, tolerance 10 %, scale-up 4 instances or 100 % per 15 s, scale-down
    /// after a 300 s window at 100 % per 15 s (the same as `policies/hpa-cpu70.yaml`).
    public static let hpaPolicy = ScalePolicy(
        name: "hpa-cpu70",
        rules: [ScaleRule(name: "cpu", kind: .utilization(metric: "cpu", target: 0.7))],
        description: "Kubernetes HPA, CPU utilisation target 70 %, HPA defaults.")

    /// Render native autoscaling (docs: `ceil(current × util / target)` on the average CPU; scale-up
    /// window short, scale-down window "much longer", numbers unpublished): no tolerance, no rate
    /// limit up, a 5-minute scale-down window, no rate limit down.
    public static func renderNativePolicy(targetCPU: Double = 0.7) -> ScalePolicy {
        ScalePolicy(
            name: "render-native",
            rules: [ScaleRule(name: "cpu", kind: .utilization(metric: "cpu", target: targetCPU), tolerance: Tolerance(0))],
            scaleUp: ScalingRules(stabilization: 0, policies: []),
            scaleDown: ScalingRules(stabilization: 300, policies: []),
            description: "Render-native-like: average CPU target, immediate up, 5 min down window.")
    }
}
