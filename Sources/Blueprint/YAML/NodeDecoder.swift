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
    public mutating func mapping(_ node: YAMLNode, path: @autoclosure () -> String, allowed: [String]? = nil, what: String = "mapping") -> Mapping? {
        guard let pairs = node.pairs else {
            if node.isNull { return Mapping() }
            error("Wrong type", "Expected \(what == "mapping" ? "a mapping" : what) here, found \(node.kindDescription).", path: path(), at: node)
            return nil
        }
        // The mapping shares the node's pairs (no copy); refused keys are only marked as skipped.
        var skipped: [Int] = []
        for (index, pair) in pairs.enumerated() {
            guard let key = pair.key.scalar else {
                error("Wrong type", "Keys must be plain text, found \(pair.key.kindDescription).", path: path(), at: pair.key)
                skipped.append(index)
                continue
            }
            if let allowed, !allowed.contains(key) {
                var detail = "'\(key)' is not a known key here."
                if let hint = closestMatch(to: key, in: allowed) {
                    detail += " Did you mean `\(hint)`?"
                } else {
                    detail += " Known keys: \(allowed.joined(separator: ", "))."
                }
                error("Unknown key", detail, path: Self.join(path(), key), at: pair.key)
                skipped.append(index)
            }
        }
        return Mapping(pairs: pairs, skipped: skipped)
    }

    public mutating func sequence(_ node: YAMLNode, path: @autoclosure () -> String) -> [YAMLNode]? {
        if let items = node.items { return items }
        if node.isNull { return [] }
        error("Wrong type", "Expected a list here, found \(node.kindDescription).", path: path(), at: node)
        return nil
    }

    // MARK: Scalars

    public mutating func string(_ node: YAMLNode, path: @autoclosure () -> String) -> String? {
        guard case .scalar(let text, _) = node.content, !node.isNull else {
            error("Wrong type", "Expected text here, found \(node.kindDescription).", path: path(), at: node)
            return nil
        }
        return text
    }

    public mutating func int(_ node: YAMLNode, path: @autoclosure () -> String, range: ClosedRange<Int>? = nil) -> Int? {
        guard let text = node.scalar, !node.isNull, let value = Int(text.replacingUnderscores) else {
            error("Wrong type", "Expected a whole number here, found \(node.kindDescription).", path: path(), at: node)
            return nil
        }
        if let range, !range.contains(value) {
            error("Value out of range", "\(value) is outside the allowed range \(range.lowerBound)…\(range.upperBound).", path: path(), at: node)
            return nil
        }
        return value
    }

    public mutating func double(_ node: YAMLNode, path: @autoclosure () -> String, minimum: Double? = nil) -> Double? {
        guard let text = node.scalar, !node.isNull, let value = Double(text.replacingUnderscores), value.isFinite else {
            error("Wrong type", "Expected a number here, found \(node.kindDescription).", path: path(), at: node)
            return nil
        }
        if let minimum, value < minimum {
            error("Value out of range", "\(text) is below the minimum \(minimum.cleanDescription).", path: path(), at: node)
            return nil
        }
        return value
    }

    public mutating func bool(_ node: YAMLNode, path: @autoclosure () -> String) -> Bool? {
        switch node.scalar?.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            error("Wrong type", "Expected true or false here, found \(node.kindDescription).", path: path(), at: node)
            return nil
        }
    }

    /// A duration such as `15s`, `5m`, `1h`, `1h30m` or a plain number of seconds.
    public mutating func duration(_ node: YAMLNode, path: @autoclosure () -> String) -> Double? {
        guard let text = node.scalar, !node.isNull, let seconds = Self.parseDuration(text) else {
            error("Invalid duration", "Expected a duration such as `15s`, `5m` or `1h`, found \(node.kindDescription).", path: path(), at: node)
            return nil
        }
        return seconds
    }

    /// A fraction written as a percentage (`70%`); plain numbers are refused unless `allowPlain`.
    public mutating func percent(_ node: YAMLNode, path: @autoclosure () -> String) -> Double? {
        guard let text = node.scalar, text.hasSuffix("%"), let value = Double(text.dropLast().trimmingSpaces), value.isFinite else {
            error("Invalid percentage", "Expected a percentage such as `70%`, found \(node.kindDescription).", path: path(), at: node)
            return nil
        }
        return value / 100
    }

    /// A memory size (`512MB`, `1GB`, `2Gi`, `256M`) in megabytes.
    public mutating func megabytes(_ node: YAMLNode, path: @autoclosure () -> String) -> Double? {
        guard let text = node.scalar, let value = Self.parseMegabytes(text) else {
            error("Invalid memory size", "Expected a size such as `512MB` or `2GB`, found \(node.kindDescription).", path: path(), at: node)
            return nil
        }
        return value
    }

    public mutating func oneOf<T: RawRepresentable>(_ node: YAMLNode, path: @autoclosure () -> String, as type: T.Type) -> T? where T.RawValue == String, T: CaseIterable {
        guard let text = string(node, path: path()) else { return nil }
        if let value = T(rawValue: text) { return value }
        let names = T.allCases.map(\.rawValue)
        var detail = "'\(text)' is not one of: \(names.joined(separator: ", "))."
        if let hint = closestMatch(to: text, in: names) { detail += " Did you mean `\(hint)`?" }
        error("Invalid value", detail, path: path(), at: node)
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
        if let ascii = parseASCIIMegabytes(text) { return ascii }
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

extension NodeDecoder {
    /// ``parseMegabytes(_:)`` for ASCII text (nearly always), on bytes: nil when the text is not
    /// ASCII, else the same answer as the general path (ASCII digits and whitespace only).
    static func parseASCIIMegabytes(_ text: String) -> Double?? {
        var text = text
        return text.withUTF8 { bytes -> Double?? in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
            var start = 0, end = bytes.count
            while start < end && isSpace(bytes[start]) { start += 1 }
            while end > start && isSpace(bytes[end - 1]) { end -= 1 }
            var split = start
            while split < end && ((0x30...0x39).contains(bytes[split]) || bytes[split] == UInt8(ascii: ".")) { split += 1 }
            guard let value = Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<split]), as: UTF8.self)), value > 0 else {
                return .some(nil)
            }
            var unitStart = split
            while unitStart < end && isSpace(bytes[unitStart]) { unitStart += 1 }
            let unit = String(decoding: UnsafeBufferPointer(rebasing: bytes[unitStart..<end]), as: UTF8.self).lowercased()
            switch unit {
            case "mb", "m", "mi", "mib": return .some(value)
            case "gb", "g", "gi", "gib": return .some(value * 1024)
            case "kb", "k", "ki", "kib": return .some(value / 1024)
            case "tb", "t", "ti", "tib": return .some(value * 1024 * 1024)
            default: return .some(nil)
            }
        }
    }
}

/// The pairs of a mapping node with their scalar keys, in document order.
///
/// It shares the node's pairs rather than copying them: keys that ``NodeDecoder/mapping(_:path:allowed:what:)``
/// refused (unknown or not text) are remembered by position and left out of look-ups and ``entries``.
public struct Mapping {
    public typealias Entry = (key: String, keyNode: YAMLNode, value: YAMLNode)

    let pairs: [YAMLPair]
    /// Positions in `pairs` that are not part of the mapping, ascending; usually empty.
    let skipped: [Int]

    init(pairs: [YAMLPair] = [], skipped: [Int] = []) {
        self.pairs = pairs
        self.skipped = skipped
    }

    /// The entries in document order.
    public var entries: Entries { Entries(mapping: self) }

    public subscript(key: String) -> YAMLNode? {
        var index = pairs.count
        while index > 0 {
            index -= 1
            guard pairs[index].key.hasScalar(key) else { continue }
            if !skipped.isEmpty && skipped.contains(index) { continue }
            return pairs[index].value
        }
        return nil
    }

    /// The value, unless it is absent or explicitly null.
    public func present(_ key: String) -> YAMLNode? {
        guard let node = self[key], !node.isNull else { return nil }
        return node
    }

    public var keys: [String] { entries.map(\.key) }

    /// The entries of a ``Mapping``, made as they are iterated.
    public struct Entries: Sequence {
        let mapping: Mapping

        public struct Iterator: IteratorProtocol {
            let mapping: Mapping
            var index = 0
            var nextSkipped = 0

            public mutating func next() -> Entry? {
                while index < mapping.pairs.count {
                    let current = index
                    index += 1
                    if nextSkipped < mapping.skipped.count && mapping.skipped[nextSkipped] == current {
                        nextSkipped += 1
                        continue
                    }
                    let pair = mapping.pairs[current]
                    guard let key = pair.key.scalar else { continue }
                    return (key: key, keyNode: pair.key, value: pair.value)
                }
                return nil
            }
        }

        public func makeIterator() -> Iterator { Iterator(mapping: mapping) }

        public var underestimatedCount: Int { mapping.pairs.count - mapping.skipped.count }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }

    var replacingUnderscores: String { utf8.contains(UInt8(ascii: "_")) ? filter { $0 != "_" } : self }
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
