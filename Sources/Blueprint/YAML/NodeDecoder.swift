/// Reads model values out of ``YAMLNode`` trees, appending a diagnostic for every problem and going on.
///
/// Every blueprint, policy and catalog reader uses this one type, so that errors read the same
/// everywhere: a path such as `services.worker.scaling.max`, the file, line and column, and a hint.
public struct NodeDecoder {
    public let file: String
    public var diagnostics = Diagnostics()

    public init(file: String) {
        self.file = file
    }

    // MARK: Reporting

    public mutating func error(_ summary: String, _ detail: String, path: String, at node: YAMLNode?) {
        diagnostics.error(summary, detail, path: path, file: file, at: node?.mark)
    }

    public mutating func warning(_ summary: String, _ detail: String, path: String, at node: YAMLNode?) {
        diagnostics.warning(summary, detail, path: path, file: file, at: node?.mark)
    }

    public static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : path + "." + key
    }

    // MARK: Collections

    /// The mapping's pairs keyed by scalar text, after checking every key against `allowed`.
    /// Unknown keys get an error with a "did you mean" hint; non-scalar keys are errors too.
    public mutating func mapping(_ node: YAMLNode, path: String, allowed: [String]? = nil, what: String = "mapping") -> Mapping? {
        guard let pairs = node.pairs else {
            if node.isNull { return Mapping(entries: []) }
            error("Wrong type", "Expected \(what == "mapping" ? "a mapping" : what) here, found \(node.kindDescription).", path: path, at: node)
            return nil
        }
        var entries: [(String, YAMLNode, YAMLNode)] = []
        entries.reserveCapacity(pairs.count)
        for pair in pairs {
            guard let key = pair.key.scalar else {
                error("Wrong type", "Keys must be plain text, found \(pair.key.kindDescription).", path: path, at: pair.key)
                continue
            }
            if let allowed, !allowed.contains(key) {
                var detail = "'\(key)' is not a known key here."
                if let hint = closestMatch(to: key, in: allowed) {
                    detail += " Did you mean `\(hint)`?"
                } else {
                    detail += " Known keys: \(allowed.joined(separator: ", "))."
                }
                error("Unknown key", detail, path: Self.join(path, key), at: pair.key)
                continue
            }
            entries.append((key, pair.key, pair.value))
        }
        return Mapping(entries: entries)
    }

    public mutating func sequence(_ node: YAMLNode, path: String) -> [YAMLNode]? {
        if let items = node.items { return items }
        if node.isNull { return [] }
        error("Wrong type", "Expected a list here, found \(node.kindDescription).", path: path, at: node)
        return nil
    }

    // MARK: Scalars

    public mutating func string(_ node: YAMLNode, path: String) -> String? {
        guard case .scalar(let text, _) = node.content, !node.isNull else {
            error("Wrong type", "Expected text here, found \(node.kindDescription).", path: path, at: node)
            return nil
        }
        return text
    }

    public mutating func int(_ node: YAMLNode, path: String, range: ClosedRange<Int>? = nil) -> Int? {
        guard let text = node.scalar, !node.isNull, let value = Int(text.replacingUnderscores) else {
            error("Wrong type", "Expected a whole number here, found \(node.kindDescription).", path: path, at: node)
            return nil
        }
        if let range, !range.contains(value) {
            error("Value out of range", "\(value) is outside the allowed range \(range.lowerBound)…\(range.upperBound).", path: path, at: node)
            return nil
        }
        return value
    }

    public mutating func double(_ node: YAMLNode, path: String, minimum: Double? = nil) -> Double? {
        guard let text = node.scalar, !node.isNull, let value = Double(text.replacingUnderscores), value.isFinite else {
            error("Wrong type", "Expected a number here, found \(node.kindDescription).", path: path, at: node)
            return nil
        }
        if let minimum, value < minimum {
            error("Value out of range", "\(text) is below the minimum \(minimum.cleanDescription).", path: path, at: node)
            return nil
        }
        return value
    }

    public mutating func bool(_ node: YAMLNode, path: String) -> Bool? {
        switch node.scalar?.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            error("Wrong type", "Expected true or false here, found \(node.kindDescription).", path: path, at: node)
            return nil
        }
    }

    /// A duration such as `15s`, `5m`, `1h`, `1h30m` or a plain number of seconds.
    public mutating func duration(_ node: YAMLNode, path: String) -> Double? {
        guard let text = node.scalar, !node.isNull, let seconds = Self.parseDuration(text) else {
            error("Invalid duration", "Expected a duration such as `15s`, `5m` or `1h`, found \(node.kindDescription).", path: path, at: node)
            return nil
        }
        return seconds
    }

    /// A fraction written as a percentage (`70%`); plain numbers are refused unless `allowPlain`.
    public mutating func percent(_ node: YAMLNode, path: String) -> Double? {
        guard let text = node.scalar, text.hasSuffix("%"), let value = Double(text.dropLast().trimmingSpaces), value.isFinite else {
            error("Invalid percentage", "Expected a percentage such as `70%`, found \(node.kindDescription).", path: path, at: node)
            return nil
        }
        return value / 100
    }

    /// A memory size (`512MB`, `1GB`, `2Gi`, `256M`) in megabytes.
    public mutating func megabytes(_ node: YAMLNode, path: String) -> Double? {
        guard let text = node.scalar, let value = Self.parseMegabytes(text) else {
            error("Invalid memory size", "Expected a size such as `512MB` or `2GB`, found \(node.kindDescription).", path: path, at: node)
            return nil
        }
        return value
    }

    public mutating func oneOf<T: RawRepresentable>(_ node: YAMLNode, path: String, as type: T.Type) -> T? where T.RawValue == String, T: CaseIterable {
        guard let text = string(node, path: path) else { return nil }
        if let value = T(rawValue: text) { return value }
        let names = T.allCases.map(\.rawValue)
        var detail = "'\(text)' is not one of: \(names.joined(separator: ", "))."
        if let hint = closestMatch(to: text, in: names) { detail += " Did you mean `\(hint)`?" }
        error("Invalid value", detail, path: path, at: node)
        return nil
    }

    // MARK: Parsing helpers

    public static func parseDuration(_ text: String) -> Double? {
        let text = text.trimmingSpaces
        if let plain = Double(text), plain >= 0 { return plain }
        var total = 0.0
        var number = ""
        var sawUnit = false
        for ch in text {
            if ch.isNumber || ch == "." {
                number.append(ch)
                continue
            }
            guard let value = Double(number) else { return nil }
            switch ch {
            case "s": total += value
            case "m": total += value * 60
            case "h": total += value * 3600
            case "d": total += value * 86400
            default: return nil
            }
            number = ""
            sawUnit = true
        }
        return number.isEmpty && sawUnit ? total : nil
    }

    public static func parseMegabytes(_ text: String) -> Double? {
        let trimmed = text.trimmingSpaces
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        guard let value = Double(digits), value > 0 else { return nil }
        let unit = trimmed.dropFirst(digits.count).trimmingSpaces.lowercased()
        switch unit {
        case "mb", "m", "mi", "mib": return value
        case "gb", "g", "gi", "gib": return value * 1024
        case "kb", "k", "ki", "kib": return value / 1024
        case "tb", "t", "ti", "tib": return value * 1024 * 1024
        default: return nil
        }
    }
}

/// The pairs of a mapping node with their scalar keys, in document order.
public struct Mapping {
    public var entries: [(key: String, keyNode: YAMLNode, value: YAMLNode)]

    public init(entries: [(String, YAMLNode, YAMLNode)]) {
        self.entries = entries.map { (key: $0.0, keyNode: $0.1, value: $0.2) }
    }

    public subscript(key: String) -> YAMLNode? {
        for entry in entries.reversed() where entry.key == key { return entry.value }
        return nil
    }

    /// The value, unless it is absent or explicitly null.
    public func present(_ key: String) -> YAMLNode? {
        guard let node = self[key], !node.isNull else { return nil }
        return node
    }

    public var keys: [String] { entries.map(\.key) }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }

    var replacingUnderscores: String { contains("_") ? filter { $0 != "_" } : self }
}

extension Substring {
    var trimmingSpaces: String { String(self).trimmingSpaces }
}

extension Double {
    /// `2` for 2.0, `0.5` for 0.5: numbers as a person writes them.
    public var cleanDescription: String {
        if self == rounded(), abs(self) < 1e15 { return String(Int(self)) }
        return String(self)
    }
}
