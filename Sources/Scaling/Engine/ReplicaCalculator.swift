import Blueprint

/// The per-rule proposals of Kubernetes' replica calculator (`replica_calculator.go`), on our
/// readings. Every function returns the proposed count and why.
enum ReplicaCalculator {
    typealias Message = Decision.Message

    enum Outcome {
        case propose(Int, Message)
        /// Keeps the current count: the ratio is within tolerance (or the conservative recount says so).
        case keep(Int, Message)
        /// The rule has nothing to say this tick (a threshold not breached).
        case abstain(Message)
        /// The rule's metric could not be used; blocks scale-down.
        case invalid(Message)
    }

    /// HPA resource `Utilization`: `util = int(Σ values × 100 / Σ limits)` over ready instances that
    /// reported, `ratio = util / target`; a conservative second pass when instances are missing or a
    /// scale-up has unready instances (GetResourceReplicas).
    static func utilization(_ samples: [InstanceSample], target: Double, current: Int, tolerance: Tolerance, metric: String) -> Outcome {
        let targetPercent = exactPercent(target)
        var readyValues = 0.0, readyLimits = 0.0, readyCount = 0
        var missingLimits = 0.0, missingCount = 0
        var unreadyLimits = 0.0, unreadyCount = 0
        for sample in samples {
            guard let limit = sample.limit, limit > 0 else {
                return .invalid({ "an instance of \(metric) has no limit, so utilisation is unknown (use a plain-number target for averages)" })
            }
            if !sample.ready {
                unreadyCount += 1
                unreadyLimits += limit
            } else if let value = sample.value {
                readyValues += value
                readyLimits += limit
                readyCount += 1
            } else {
                missingCount += 1
                missingLimits += limit
            }
        }
        guard readyCount > 0 else {
            return .invalid({ samples.isEmpty ? "no instance reported \(metric)" : "no ready instance reported \(metric)" })
        }
        let utilization = truncatedPercent(readyValues, readyLimits)
        let readyInstances = readyCount
        let ratio = utilization / targetPercent
        // Each message is one closure capturing the numbers (no closure for the shared head).
        let scaleUpWithUnready = unreadyCount > 0 && ratio > 1
        if !scaleUpWithUnready && missingCount == 0 {
            if tolerance.isWithin(ratio) {
                return .keep(current, { "\(Self.utilizationHead(metric, utilization, targetPercent)): ratio \(fmt(ratio)) within tolerance, keep \(current)" })
            }
            let proposed = ceilCount(ratio * Double(readyCount))
            return .propose(proposed, { "\(Self.utilizationHead(metric, utilization, targetPercent)): ceil(\(fmt(ratio)) × \(readyInstances) ready) = \(proposed)" })
        }
        var values = readyValues, limits = readyLimits, counted = readyCount
        var notes: [String] = []
        if missingCount > 0 {
            if ratio < 1 {
                let fallback = Swift.max(100, targetPercent) / 100
                values += missingLimits * fallback
                limits += missingLimits
                counted += missingCount
                notes.append("\(missingCount) missing counted at \(fmt(fallback * 100))%")
            } else if ratio > 1 {
                limits += missingLimits
                counted += missingCount
                notes.append("\(missingCount) missing counted at 0")
            }
        }
        if scaleUpWithUnready {
            limits += unreadyLimits
            counted += unreadyCount
            notes.append("\(unreadyCount) unready counted at 0")
        }
        let noteList = notes, countedInstances = counted
        let newUtilization = truncatedPercent(values, limits)
        let newRatio = newUtilization / targetPercent
        let recount: Message = { "\(Self.utilizationHead(metric, utilization, targetPercent)) (ratio \(fmt(ratio))); with \(noteList.joined(separator: ", ")): \(fmt(newUtilization))%, ratio \(fmt(newRatio))" }
        if tolerance.isWithin(newRatio) {
            return .keep(current, { "\(recount()) within tolerance, keep \(current)" })
        }
        if (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1) {
            return .keep(current, { "\(recount()) flips direction, keep \(current)" })
        }
        let proposed = ceilCount(newRatio * Double(counted))
        if (newRatio < 1 && proposed > current) || (newRatio > 1 && proposed < current) {
            return .keep(current, { "\(recount()): ceil(…) = \(proposed) moves against the ratio, keep \(current)" })
        }
        return .propose(proposed, { "\(recount()): ceil(\(fmt(newRatio)) × \(countedInstances)) = \(proposed)" })
    }

    /// HPA `Pods` metric (`AverageValue` over instances): `ratio = average / target`; readiness does
    /// not matter (as for every non-CPU metric in HPA); missing instances count at the target on a
    /// scale-down and 0 on a scale-up (calcPlainMetricReplicas).
    static func averageValue(_ samples: [InstanceSample], target: Double, current: Int, tolerance: Tolerance, metric: String) -> Outcome {
        var sum = 0.0, count = 0, missing = 0
        for sample in samples {
            if let value = sample.value {
                sum += value
                count += 1
            } else {
                missing += 1
            }
        }
        guard count > 0 else { return .invalid({ "no instance reported \(metric)" }) }
        let reported = count, average = sum / Double(count), missingCount = missing
        let ratio = (sum / Double(count)) / target
        if missing == 0 {
            if tolerance.isWithin(ratio) {
                return .keep(current, { "\(Self.averageHead(metric, average, target)): ratio \(fmt(ratio)) within tolerance, keep \(current)" })
            }
            let proposed = ceilCount(ratio * Double(count))
            return .propose(proposed, { "\(Self.averageHead(metric, average, target)): ceil(\(fmt(ratio)) × \(reported)) = \(proposed)" })
        }
        var newSum = sum, newCount = count
        if ratio < 1 {
            newSum += target * Double(missing)
            newCount += missing
        } else if ratio > 1 {
            newCount += missing
        }
        let newRatio = (newSum / Double(newCount)) / target
        let recounted = newCount
        let recount: Message = { "\(Self.averageHead(metric, average, target)) (ratio \(fmt(ratio))); with \(missingCount) missing recounted: ratio \(fmt(newRatio))" }
        if tolerance.isWithin(newRatio) || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1) {
            return .keep(current, { "\(recount()), keep \(current)" })
        }
        let proposed = ceilCount(newRatio * Double(newCount))
        if (newRatio < 1 && proposed > current) || (newRatio > 1 && proposed < current) {
            return .keep(current, { "\(recount()): \(proposed) moves against the ratio, keep \(current)" })
        }
        return .propose(proposed, { "\(recount()): ceil(\(fmt(newRatio)) × \(recounted)) = \(proposed)" })
    }

    /// HPA External/Object `Value`: `ratio = total / target`, `ceil(ratio × ready)`; from zero
    /// instances `ceil(ratio)` without tolerance (getUsageRatioReplicaCount).
    static func totalValue(_ total: Double, target: Double, current: Int, ready: Int, tolerance: Tolerance, metric: String, percent: Bool = false) -> Outcome {
        let ratio = total / target
        if current == 0 {
            let proposed = ceilCount(ratio)
            return .propose(proposed, { "\(Self.totalHead(metric, total, target, percent: percent)) from zero: ceil(\(fmt(ratio))) = \(proposed)" })
        }
        if tolerance.isWithin(ratio) {
            return .keep(current, { "\(Self.totalHead(metric, total, target, percent: percent)): ratio \(fmt(ratio)) within tolerance, keep \(current)" })
        }
        let proposed = ceilCount(ratio * Double(ready))
        return .propose(proposed, { "\(Self.totalHead(metric, total, target, percent: percent)): ceil(\(fmt(ratio)) × \(ready) ready) = \(proposed)" })
    }

    /// HPA `AverageValue` on a total: `ratio = total / (perInstance × current)`; outside tolerance
    /// `ceil(total / perInstance)` (GetExternalPerPodMetricReplicas).
    static func perInstance(_ total: Double, target: Double, current: Int, tolerance: Tolerance, metric: String) -> Outcome {
        let ratio = total / (target * Double(current))
        if tolerance.isWithin(ratio) {
            return .keep(current, { "\(Self.perInstanceHead(metric, total, target)): ratio \(fmt(ratio)) within tolerance, keep \(current)" })
        }
        let proposed = ceilCount(total / target)
        return .propose(proposed, { "\(Self.perInstanceHead(metric, total, target)): ceil(\(fmt(total)) / \(fmt(target))) = \(proposed)" })
    }

    // MARK: The start of each message (formatted only when a message is read)

    static func utilizationHead(_ metric: String, _ utilization: Double, _ targetPercent: Double) -> String {
        "\(metric) \(fmt(utilization))% of limit vs target \(fmt(targetPercent))%"
    }

    static func averageHead(_ metric: String, _ average: Double, _ target: Double) -> String {
        "\(metric) average \(fmt(average)) vs target \(fmt(target))"
    }

    static func totalHead(_ metric: String, _ total: Double, _ target: Double, percent: Bool) -> String {
        percent ? "\(metric) \(pct(total)) vs target \(pct(target))" : "\(metric) \(fmt(total)) vs target \(fmt(target))"
    }

    static func perInstanceHead(_ metric: String, _ total: Double, _ target: Double) -> String {
        "\(metric) \(fmt(total)) at \(fmt(target)) per instance"
    }

    // MARK: Arithmetic as Kubernetes does it

    /// A target fraction as the whole percent HPA would hold (0.3 → 30, not 30.000000000000004).
    @inline(__always)
    static func exactPercent(_ fraction: Double) -> Double {
        (fraction * 100 * 1_000_000).rounded() / 1_000_000
    }

    /// `int(Σ values × 100 / Σ limits)`: HPA truncates utilisation to a whole percent.
    @inline(__always)
    static func truncatedPercent(_ values: Double, _ limits: Double) -> Double {
        (values * 100 / limits + 1e-9).rounded(.down)
    }

    @inline(__always)
    static func ceilCount(_ value: Double) -> Int {
        guard value.isFinite else { return value > 0 ? Int(Int32.max) : 0 }
        if value >= Double(Int32.max) { return Int(Int32.max) }
        return Swift.max(0, Int(value.rounded(.up)))
    }
}

/// Numbers as a person writes them: up to two decimals, no trailing zeros.
@inline(__always)
func fmt(_ value: Double) -> String {
    guard value.isFinite else { return value > 0 ? "∞" : "NaN" }
    if abs(value) >= 1000 { return value.rounded().cleanDescription }
    return ((value * 100).rounded() / 100).cleanDescription
}

/// A fraction as a percentage: 0.725 → "72.5%".
@inline(__always)
func pct(_ fraction: Double) -> String {
    fmt(fraction * 100) + "%"
}
