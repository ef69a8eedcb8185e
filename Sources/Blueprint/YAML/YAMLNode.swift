/// A position in a source file, 1-based, as editors show it.
public struct SourceMark: Sendable, Hashable, Codable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}

/// One node of a YAML document with the place it was written.
///
/// Built by ``YAMLReader`` from libyaml's events; everything above the reader works on these values
/// and never sees libyaml. Aliases are already expanded (within limits), merge keys (`<<`) applied.
///
/// ```swift
/// let doc = YAMLReader.parse(Array("a: 1".utf8), file: "x.yaml")
/// doc.root?["a"]?.scalar  // "1"
/// ```
public struct YAMLNode: Sendable {
    public enum Content: Sendable {
        /// A scalar and whether it was written plain (unquoted), which decides null/bool/number readings.
        case scalar(String, plain: Bool)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
    }

    public var content: Content
    public var mark: SourceMark
    public var tag: String?

    public init(_ content: Content, mark: SourceMark, tag: String? = nil) {
        self.content = content
        self.mark = mark
        self.tag = tag
    }

    /// The scalar's text, or nil for collections.
    public var scalar: String? {
        if case .scalar(let text, _) = content { return text }
        return nil
    }

    /// True for `~`, `null`, empty plain scalars and `!!null`.
    public var isNull: Bool {
        guard case .scalar(let text, let plain) = content else { return false }
        if tag == "tag:yaml.org,2002:null" { return true }
        guard plain else { return false }
        return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
    }

    public var pairs: [YAMLPair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    public var items: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    /// The value under a scalar key of a mapping (the last one, if a key repeats).
    public subscript(key: String) -> YAMLNode? {
        guard case .mapping(let pairs) = content else { return nil }
        var index = pairs.count
        while index > 0 {
            index -= 1
            if pairs[index].key.hasScalar(key) { return pairs[index].value }
        }
        return nil
    }

    /// True when the node is a scalar with exactly this text (no copy of the text is made).
    public func hasScalar(_ text: String) -> Bool {
        if case .scalar(let own, _) = content { return own.utf8.count == text.utf8.count && own == text }
        return false
    }

    /// A short description of the node's kind for error messages ("a mapping", "a list", "the text 'x'").
    public var kindDescription: String {
        switch content {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let text, _):
            if isNull { return "null" }
            let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
            return "'\(shown)'"
        }
    }
}

/// A key and its value in a mapping node.
public struct YAMLPair: Sendable {
    public var key: YAMLNode
    public var value: YAMLNode

    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}
