import Foundation

/// The service level a simulated interval is judged against.
///
/// Written as `p95<=2s` (estimated p95 latency), `wait<=60s` (age of the oldest queued job) or
/// `util<=85%` (utilisation at most 85 % and nothing left queued: the simple fluid SLO).
///
/// ```swift
/// let slo = try SLO.parse("p95<=2s")
/// slo.description          // "p95 <= 2s"
/// ```
public enum SLO: Sendable, Equatable, CustomStringConvertible {
    /// Estimated p95 latency at most this many seconds, and no backlog left at the interval's end.
    case latencyP95(Double)
    /// The oldest queued job at most this many seconds old at the end of every interval.
    case oldestJob(Double)
    /// Utilisation at most this fraction and no backlog left at the interval's end.
    case utilization(Double)

    public var description: String {
        switch self {
        case .latencyP95(let s): return "p95 <= \(Self.seconds(s))"
        case .oldestJob(let s): return "wait <= \(Self.seconds(s))"
        case .utilization(let u): return "util <= \(Self.trim(u * 100))%"
        }
    }

    /// The highest utilisation with no backlog that meets the SLO, for an instance serving
    /// `capacity` requests per second (M/M/1 per instance for a latency SLO, see `docs/simulation.md`);
    /// nil when even an idle instance misses it.
    public func maxUtilization(capacity: Double) -> Double? {
        switch self {
        case .utilization(let u): return u > 0 ? Swift.min(u, 1) : nil
        case .oldestJob: return 1
        case .latencyP95(let limit):
            let rho = 1 - ServiceModel.ln20 / (capacity * limit)
            return rho > 0 ? rho : nil
        }
    }

    /// Parses `p95<=2s`, `p95 <= 500ms`, `wait<=60s`, `oldest<=1m`, `util<=85%`, `latency<=2s`.
    public static func parse(_ text: String) throws(SimulationError) -> SLO {
        let compact = text.lowercased().filter { !$0.isWhitespace }
        let parts = compact.components(separatedBy: "<=")
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw SimulationError("cannot read the SLO '\(text)': expected `p95<=2s`, `wait<=60s` or `util<=85%`")
        }
        let (what, limit) = (parts[0], parts[1])
        switch what {
        case "p95", "latency", "latency_p95":
            guard let s = parseDuration(limit), s > 0 else { throw SimulationError("'\(limit)' is not a duration in the SLO '\(text)' (e.g. `2s`, `500ms`)") }
            return .latencyP95(s)
        case "wait", "oldest", "queue_age", "age":
            guard let s = parseDuration(limit), s > 0 else { throw SimulationError("'\(limit)' is not a duration in the SLO '\(text)' (e.g. `60s`, `5m`)") }
            return .oldestJob(s)
        case "util", "utilization", "utilisation", "cpu":
            var number = limit
            let percent = number.hasSuffix("%")
            if percent { number.removeLast() }
            guard var u = Double(number), u > 0 else { throw SimulationError("'\(limit)' is not a utilisation in the SLO '\(text)' (e.g. `85%`)") }
            if percent || u > 1 { u /= 100 }
            guard u <= 1 else { throw SimulationError("a utilisation SLO is at most 100%, found '\(limit)'") }
            return .utilization(u)
        default:
            throw SimulationError("unknown SLO measure '\(what)' in '\(text)': use p95 (latency), wait (oldest job) or util (utilisation)")
        }
    }

    /// `2s`, `500ms`, `1m`, `1h`, `1m30s`, or plain seconds.
    public static func parseDuration(_ text: String) -> Double? {
        let t = text.lowercased().trimmingCharacters(in: .whitespaces)
        if let plain = Double(t) { return plain }
        if t.hasSuffix("ms"), let v = Double(t.dropLast(2)) { return v / 1000 }
        var total = 0.0
        var number = ""
        var any = false
        for ch in t {
            if ch.isNumber || ch == "." { number.append(ch); continue }
            guard let v = Double(number) else { return nil }
            switch ch {
            case "s": total += v
            case "m": total += v * 60
            case "h": total += v * 3600
            case "d": total += v * 86_400
            default: return nil
            }
            number = ""
            any = true
        }
        guard number.isEmpty, any else { return nil }
        return total
    }

    static func seconds(_ s: Double) -> String {
        if s < 1 { return trim(s * 1000) + "ms" }
        if s >= 60 && s.truncatingRemainder(dividingBy: 60) == 0 { return trim(s / 60) + "m" }
        return trim(s) + "s"
    }

    static func trim(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(format: "%.2f", v).replacingOccurrences(of: #"\.?0+$"#, with: "", options: .regularExpression)
    }
}

/// A problem with the simulation's inputs, worded for the user.
public struct SimulationError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ message: String) { description = message }
}
