/// A YAML scalar for hand-written YAML output: plain when plain style keeps its meaning, else
/// double-quoted with escapes.
public func yamlQuoted(_ text: String) -> String {
    let plainSafe = !text.isEmpty && text.allSatisfy { $0.isLetter || $0.isNumber || "-_./".contains($0) }
        && !["true", "false", "yes", "no", "null", "on", "off", "~", "y", "n"].contains(text.lowercased())
        && Double(text) == nil && !text.hasPrefix("-") && !text.hasPrefix(".")
    if plainSafe { return text }
    var escaped = ""
    for ch in text.unicodeScalars {
        switch ch {
        case "\"": escaped += "\\\""
        case "\\": escaped += "\\\\"
        case "\n": escaped += "\\n"
        case "\t": escaped += "\\t"
        case "\r": escaped += "\\r"
        default:
            if ch.value < 0x20 || ch.value == 0x7f {
                let hex = String(ch.value, radix: 16)
                escaped += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            } else {
                escaped.unicodeScalars.append(ch)
            }
        }
    }
    return "\"\(escaped)\""
}
