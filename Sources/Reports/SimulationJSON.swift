import Foundation
import Simulation

extension SimulationView {
    /// `{"trace", "service", "slo", "results": [{"name", "instance_hours", "cost_usd",
    /// "slo_violation_fraction", "scale_actions", "theta_u", "theta_o", "tau_u", "tau_o", "jitter"}]}`,
    /// keys in that order; θ and τ in percent, jitter in adaptations per minute.
    public static func json(_ report: SimulationReport) -> String {
        var out = "{\"trace\": \(string(report.trace)), \"service\": \(string(report.service)), \"slo\": \(string(report.model.slo.description)), \"results\": ["
        out += report.results.map { r in
            "\n  {\"name\": \(string(r.name)), \"instance_hours\": \(num(r.instanceHours, 4)), \"cost_usd\": \(num(r.costUSD, 4)), "
                + "\"slo_violation_fraction\": \(num(r.sloViolationFraction, 6)), \"scale_actions\": \(r.scaleActions), "
                + "\"theta_u\": \(num(r.metrics.thetaU, 4)), \"theta_o\": \(num(r.metrics.thetaO, 4)), "
                + "\"tau_u\": \(num(r.metrics.tauU, 4)), \"tau_o\": \(num(r.metrics.tauO, 4)), \"jitter\": \(num(r.metrics.jitter, 6))}"
        }.joined(separator: ",")
        return out + (report.results.isEmpty ? "]}\n" : "\n]}\n")
    }

    static func num(_ v: Double, _ places: Int) -> String {
        guard v.isFinite else { return "null" }
        let text = String(format: "%.\(places)f", v)
        guard text.contains(".") else { return text }
        var trimmed = text
        while trimmed.hasSuffix("0") { trimmed.removeLast() }
        if trimmed.hasSuffix(".") { trimmed.removeLast() }
        return trimmed == "-0" ? "0" : trimmed
    }

    static func string(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
