import Blueprint

/// The per-rule proposals of Kubernetes' replica calculator (`replica_calculator.go`), on our
/// readings. Every function returns the proposed count and why.
enum ReplicaCalculator {
    typealias Message = Decision.Message

    /// A rule's verdict, its count and its message: numbers for the usual sentences (the engine
    /// makes them a ``RuleNote`` in place), a closure for the rarer ones. Plain enough to return
    /// without copying anything but the closure.
    struct Outcome {
        enum Verdict: UInt8 {
            case propose
            /// Keeps the current count: the ratio is within tolerance (or the conservative recount says so).
            case keep
            /// The rule has nothing to say this tick (a threshold not breached).
            case abstain
            /// The rule's metric could not be used; blocks scale-down.
            case invalid
        }

        var verdict: Verdict
        var instances: Int?
        var numbers: NoteNumbers
        var lazy: Message?

        static func propose(_ n: Int, _ numbers: NoteNumbers) -> Outcome { Outcome(verdict: .propose, instances: n, numbers: numbers) }
        static func propose(_ n: Int, _ lazy: @escaping Message) -> Outcome { Outcome(verdict: .propose, instances: n, numbers: .none, lazy: lazy) }
        static func keep(_ n: Int, _ numbers: NoteNumbers) -> Outcome { Outcome(verdict: .keep, instances: n, numbers: numbers) }
        static func keep(_ n: Int, _ lazy: @escaping Message) -> Outcome { Outcome(verdict: .keep, instances: n, numbers: .none, lazy: lazy) }
        static func abstain(_ numbers: NoteNumbers) -> Outcome { Outcome(verdict: .abstain, instances: nil, numbers: numbers) }
        static func invalid(_ lazy: @escaping Message) -> Outcome { Outcome(verdict: .invalid, instances: nil, numbers: .none, lazy: lazy) }
    }

    /// A sentence's numbers.
    @inline(__always)
    static func said(_ kind: RuleNote.Kind, x: Double, y: Double, z: Double, m: Int, n: Int = 0) -> NoteNumbers {
        NoteNumbers(kind: kind, x: x, y: y, z: z, m: m, n: n)
    }

    /// HPA resource `Utilization`: `util = int(Σ values × 100 / Σ limits)` over ready instances that
    /// reported, `ratio = util / target`; a conservative second pass when instances are missing or a
    /// scale-up has unready instances (GetResourceReplicas). `reading` lists instances.
    static func utilization(_ reading: Reading, target: Double, current: Int, tolerance: Tolerance, metric: String) -> Outcome {
        let targetPercent = exactPercent(target)
        if reading.unlimited {
            return .invalid({ "an instance of \(metric) has no limit, so utilisation is unknown (use a plain-number target for averages)" })
        }
        let readyValues = reading.readySum, readyLimits = reading.readyLimits, readyCount = reading.readyCount
        let missingLimits = reading.missingLimits, missingCount = reading.missingCount
        let unreadyLimits = reading.unreadyLimits, unreadyCount = reading.unreadyCount
        guard readyCount > 0 else {
            let none = reading.samples == 0
            return .invalid({ none ? "no instance reported \(metric)" : "no ready instance reported \(metric)" })
        }
        let utilization = truncatedPercent(readyValues, readyLimits)
        let ratio = utilization / targetPercent
        let scaleUpWithUnready = unreadyCount > 0 && ratio > 1
        if !scaleUpWithUnready && missingCount == 0 {
            if tolerance.isWithin(ratio) {
                return .keep(current, said(.utilizationKeep, x: utilization, y: targetPercent, z: ratio, m: current))
            }
            let proposed = ceilCount(ratio * Double(readyCount))
            return .propose(proposed, said(.utilizationPropose, x: utilization, y: targetPercent, z: ratio, m: readyCount, n: proposed))
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
    static func averageValue(_ reading: Reading, target: Double, current: Int, tolerance: Tolerance, metric: String) -> Outcome {
        let sum = reading.reportedSum, count = reading.reportedCount, missing = reading.samples - reading.reportedCount
        guard count > 0 else { return .invalid({ "no instance reported \(metric)" }) }
        let average = sum / Double(count), missingCount = missing
        let ratio = (sum / Double(count)) / target
        if missing == 0 {
            if tolerance.isWithin(ratio) {
                return .keep(current, said(.averageKeep, x: average, y: target, z: ratio, m: current))
            }
            let proposed = ceilCount(ratio * Double(count))
            return .propose(proposed, said(.averagePropose, x: average, y: target, z: ratio, m: count, n: proposed))
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
    /// instances `ceil(ratio)` without tolerance (getUsageRatioReplicaCount). A utilisation rule's
    /// message shows the numbers as percentages.
    static func totalValue(_ total: Double, target: Double, current: Int, ready: Int, tolerance: Tolerance) -> Outcome {
        let ratio = total / target
        if current == 0 {
            let proposed = ceilCount(ratio)
            return .propose(proposed, said(.totalFromZero, x: total, y: target, z: ratio, m: 0, n: proposed))
        }
        if tolerance.isWithin(ratio) {
            return .keep(current, said(.totalKeep, x: total, y: target, z: ratio, m: current))
        }
        let proposed = ceilCount(ratio * Double(ready))
        return .propose(proposed, said(.totalPropose, x: total, y: target, z: ratio, m: ready, n: proposed))
    }

    /// HPA `AverageValue` on a total: `ratio = total / (perInstance × current)`; outside tolerance
    /// `ceil(total / perInstance)` (GetExternalPerPodMetricReplicas).
    static func perInstance(_ total: Double, target: Double, current: Int, tolerance: Tolerance) -> Outcome {
        let ratio = total / (target * Double(current))
        if tolerance.isWithin(ratio) {
            return .keep(current, said(.perInstanceKeep, x: total, y: target, z: ratio, m: current))
        }
        let proposed = ceilCount(total / target)
        return .propose(proposed, said(.perInstancePropose, x: total, y: target, z: ratio, m: 0, n: proposed))
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
