/// The decision as `ballast decide` prints it:
/// `{"desired","current","action","reasons":[{"code","message"}],"proposals":[{"rule","instances","reason"}]}`,
/// keys in that order.
extension Decision {
    public func json(pretty: Bool = true) -> String {
        let nl = pretty ? "\n" : ""
        let i1 = pretty ? "  " : "", i2 = pretty ? "    " : "", i3 = pretty ? "      " : ""
        let sep = pretty ? ": " : ":"
        var out = "{" + nl
        out += "\(i1)\"desired\"\(sep)\(desired)," + nl
        out += "\(i1)\"current\"\(sep)\(current)," + nl
        out += "\(i1)\"action\"\(sep)\(Self.quote(action.rawValue))," + nl
        out += "\(i1)\"reasons\"\(sep)["
        for (index, reason) in reasons.enumerated() {
            out += (index == 0 ? nl : "," + nl) + "\(i2){" + nl
            out += "\(i3)\"code\"\(sep)\(Self.quote(reason.code))," + nl
            out += "\(i3)\"message\"\(sep)\(Self.quote(reason.message))" + nl + "\(i2)}"
        }
        out += (reasons.isEmpty ? "" : nl + i1) + "]," + nl
        out += "\(i1)\"proposals\"\(sep)["
        for (index, proposal) in proposals.enumerated() {
            out += (index == 0 ? nl : "," + nl) + "\(i2){" + nl
            out += "\(i3)\"rule\"\(sep)\(Self.quote(proposal.rule))," + nl
            out += "\(i3)\"instances\"\(sep)\(proposal.instances.map(String.init) ?? "null")," + nl
            out += "\(i3)\"reason\"\(sep)\(Self.quote(proposal.reason))" + nl + "\(i2)}"
        }
        out += (proposals.isEmpty ? "" : nl + i1) + "]" + nl
        out += "}"
        return out
    }

    /// A JSON string literal.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
