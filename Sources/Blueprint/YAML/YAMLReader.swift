internal import CYAML

/// Limits that keep hostile documents from exhausting memory or time.
public struct YAMLLimits: Sendable {
    /// Largest input accepted, in bytes.
    public var maxBytes: Int = 16 * 1024 * 1024
    /// Most nodes the document may expand to, aliases included ("billion laughs" stop here).
    public var maxNodes: Int = 4_000_000
    /// Deepest nesting of collections.
    public var maxDepth: Int = 200

    public init() {}
    public static let `default` = YAMLLimits()
}

/// What went wrong while reading YAML, with where.
public struct YAMLProblem: Sendable, Error, Equatable {
    public var summary: String
    public var detail: String
    public var mark: SourceMark?
    /// False for problems after which the tree is still usable (duplicate keys).
    public var fatal: Bool
}

/// The result of reading one YAML document: the tree (if it could be built) and the problems found.
public struct YAMLDocument: Sendable {
    public var root: YAMLNode?
    public var problems: [YAMLProblem]
}

/// Reads YAML text into ``YAMLNode`` trees with libyaml's event parser.
///
/// Only the first document of a stream is read; later ones are reported. Duplicate keys, alias
/// expansions past ``YAMLLimits/maxNodes``, nesting past ``YAMLLimits/maxDepth`` and invalid UTF-8
/// are problems, never crashes.
public enum YAMLReader {
    public static func parse(_ bytes: [UInt8], limits: YAMLLimits = .default) -> YAMLDocument {
        if bytes.count > limits.maxBytes {
            return YAMLDocument(root: nil, problems: [YAMLProblem(
                summary: "File too large",
                detail: "The file is \(formatBytes(bytes.count)); the limit is \(formatBytes(limits.maxBytes)).",
                mark: nil, fatal: true)])
        }
        var builder = TreeBuilder(limits: limits)
        bytes.withUnsafeBufferPointer { buffer in
            builder.run(buffer)
        }
        return YAMLDocument(root: builder.root, problems: builder.problems)
    }

    public static func parse(_ text: String, limits: YAMLLimits = .default) -> YAMLDocument {
        parse(Array(text.utf8), limits: limits)
    }

    static func formatBytes(_ count: Int) -> String {
        if count >= 1024 * 1024 { return String(format1: Double(count) / 1_048_576) + " MB" }
        if count >= 1024 { return String(format1: Double(count) / 1024) + " KB" }
        return "\(count) bytes"
    }
}

extension String {
    /// One decimal place without Foundation's formatter.
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(tenths % 10)"
    }
}

private struct TreeBuilder {
    /// An open collection. Its children wait on the shared `items`/`pairs` stacks, contiguous from
    /// `start`, and move into one exactly sized array when it closes: no per-collection growth.
    struct Frame {
        var isMapping: Bool
        var mark: SourceMark
        var tag: String?
        var anchor: String?
        var start: Int
        var pendingKey: YAMLNode?
        /// First position of each key, for duplicate reports; built only once the mapping outgrows
        /// `linearKeys` (smaller ones are searched in place).
        var seen: [String: SourceMark]?
        var size = 1
    }

    /// Mappings up to this many keys look for duplicates by scanning their pairs.
    static let linearKeys = 12

    /// What moved-out slots of the shared stacks are filled with: no reference-counted parts.
    static let filler = YAMLNode(.scalar("", plain: true), mark: SourceMark(line: 0, column: 0))

    let limits: YAMLLimits
    var stack: [Frame] = []
    var items: [YAMLNode] = []
    var pairs: [YAMLPair] = []
    var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    var root: YAMLNode?
    var problems: [YAMLProblem] = []
    var nodeCount = 0
    var documents = 0

    init(limits: YAMLLimits) {
        self.limits = limits
    }

    mutating func run(_ buffer: UnsafeBufferPointer<UInt8>) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            problems.append(YAMLProblem(summary: "YAML parser unavailable", detail: "libyaml could not be initialised.", mark: nil, fatal: true))
            return
        }
        defer { yaml_parser_delete(&parser) }
        let base = buffer.baseAddress ?? UnsafePointer<UInt8>(bitPattern: 1)!
        yaml_parser_set_input_string(&parser, base, buffer.count)
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else {
                let mark = SourceMark(line: Int(parser.problem_mark.line) + 1, column: Int(parser.problem_mark.column) + 1)
                let problem = parser.problem.map { String(cString: $0) } ?? "unknown error"
                var detail = "libyaml: \(problem)"
                if let context = parser.context.map({ String(cString: $0) }) {
                    detail += " (\(context), line \(parser.context_mark.line + 1) column \(parser.context_mark.column + 1))"
                }
                let summary = problem.contains("UTF-8") || problem.contains("utf-8") ? "Invalid UTF-8" : "Malformed YAML"
                problems.append(YAMLProblem(summary: summary, detail: detail + ".", mark: mark, fatal: true))
                root = nil
                return
            }
            let type = event.type
            let keepGoing = handle(&event)
            yaml_event_delete(&event)
            if !keepGoing || type == YAML_STREAM_END_EVENT { return }
        }
    }

    /// Returns false to stop reading.
    mutating func handle(_ event: inout yaml_event_t) -> Bool {
        let mark = SourceMark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                problems.append(YAMLProblem(summary: "More than one YAML document",
                    detail: "Only the first document of the file is read; remove the `---` separators after it.",
                    mark: mark, fatal: false))
                return false
            }
            return true
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text = scalar.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: scalar.length), as: UTF8.self) } ?? ""
            let plain = scalar.style == YAML_PLAIN_SCALAR_STYLE || scalar.style == YAML_ANY_SCALAR_STYLE
            let tag = scalar.tag.map { String(cString: $0) }
            let anchor = scalar.anchor.map { String(cString: $0) }
            let node = YAMLNode(.scalar(text, plain: plain), mark: mark, tag: tag)
            return add(node, size: 1, anchor: anchor)
        case YAML_ALIAS_EVENT:
            let name = event.data.alias.anchor.map { String(cString: $0) } ?? ""
            guard let (node, size) = anchors[name] else {
                problems.append(YAMLProblem(summary: "Unknown alias", detail: "The alias *\(name) refers to no anchor defined before it.", mark: mark, fatal: true))
                root = nil
                return false
            }
            return add(node, size: size, anchor: nil)
        case YAML_SEQUENCE_START_EVENT:
            let data = event.data.sequence_start
            guard stack.count < limits.maxDepth else { return tooDeep(mark) }
            stack.append(Frame(isMapping: false, mark: mark, tag: data.tag.map { String(cString: $0) }, anchor: data.anchor.map { String(cString: $0) }, start: items.count))
            return true
        case YAML_MAPPING_START_EVENT:
            let data = event.data.mapping_start
            guard stack.count < limits.maxDepth else { return tooDeep(mark) }
            stack.append(Frame(isMapping: true, mark: mark, tag: data.tag.map { String(cString: $0) }, anchor: data.anchor.map { String(cString: $0) }, start: pairs.count))
            return true
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { return true }
            let content: YAMLNode.Content = frame.isMapping
                ? .mapping(Self.applyingMerges(Self.moveTail(of: &pairs, from: frame.start, filler: YAMLPair(key: Self.filler, value: Self.filler))))
                : .sequence(Self.moveTail(of: &items, from: frame.start, filler: Self.filler))
            return add(YAMLNode(content, mark: frame.mark, tag: frame.tag), size: frame.size, anchor: frame.anchor)
        default:
            return true
        }
    }

    mutating func tooDeep(_ mark: SourceMark) -> Bool {
        problems.append(YAMLProblem(summary: "Nesting too deep", detail: "Collections are nested more than \(limits.maxDepth) levels deep.", mark: mark, fatal: true))
        root = nil
        return false
    }

    /// Attaches a finished node to its parent. Returns false when a limit is hit.
    mutating func add(_ node: consuming YAMLNode, size: Int, anchor: String?) -> Bool {
        nodeCount += size
        if nodeCount > limits.maxNodes {
            problems.append(YAMLProblem(summary: "Document too large after alias expansion",
                detail: "The document expands to more than \(limits.maxNodes) nodes (aliases are expanded); this looks like an alias bomb.",
                mark: node.mark, fatal: true))
            root = nil
            stack.removeAll()
            return false
        }
        if let anchor { anchors[anchor] = (node, size) }
        let top = stack.count - 1
        guard top >= 0 else {
            root = node
            return true
        }
        stack[top].size += size
        if !stack[top].isMapping {
            items.append(node)
        } else if let key = stack[top].pendingKey.take() {
            pairs.append(YAMLPair(key: key, value: node))
        } else {
            if case .scalar(let text, let plain) = node.content, !(plain && text == "<<") {
                if let first = firstMark(ofKey: text, in: top) {
                    problems.append(YAMLProblem(summary: "Duplicate key",
                        detail: "The key '\(text)' appears more than once in this mapping (first at line \(first.line), column \(first.column)); only one value can be kept.",
                        mark: node.mark, fatal: false))
                } else if stack[top].seen != nil {
                    stack[top].seen![text] = node.mark
                }
            }
            stack[top].pendingKey = node
        }
        return true
    }

    /// Where the open mapping at `frame` first had the key, or nil. Small mappings scan their pairs;
    /// larger ones keep a dictionary, built from the pairs the first time they outgrow the scan.
    mutating func firstMark(ofKey text: String, in frame: Int) -> SourceMark? {
        if stack[frame].seen == nil {
            let start = stack[frame].start
            if pairs.count - start <= Self.linearKeys {
                for index in start..<pairs.count where Self.isCountedKey(pairs[index].key, text) {
                    return pairs[index].key.mark
                }
                return nil
            }
            var seen: [String: SourceMark] = [:]
            seen.reserveCapacity(Self.linearKeys * 4)
            for index in start..<pairs.count {
                guard case .scalar(let key, let plain) = pairs[index].key.content, !(plain && key == "<<") else { continue }
                if seen[key] == nil { seen[key] = pairs[index].key.mark }
            }
            stack[frame].seen = seen
        }
        return stack[frame].seen![text]
    }

    /// A scalar key with this text that takes part in duplicate checks (plain `<<` merge keys do not).
    static func isCountedKey(_ key: YAMLNode, _ text: String) -> Bool {
        guard case .scalar(let own, let plain) = key.content, own == text else { return false }
        return !(plain && own == "<<")
    }

    /// Moves the elements from `start` on out of a shared stack into their own exactly sized array,
    /// without copying them (no reference counting per element), and shortens the stack.
    static func moveTail<Element>(of stack: inout [Element], from start: Int, filler: Element) -> [Element] {
        let count = stack.count - start
        guard count > 0 else { return [] }
        let moved = stack.withUnsafeMutableBufferPointer { buffer -> [Element] in
            let source = buffer.baseAddress! + start
            let result = [Element](unsafeUninitializedCapacity: count) { target, initialized in
                target.baseAddress!.moveInitialize(from: source, count: count)
                initialized = count
            }
            // The moved-from slots hold nothing now; give them a value with nothing to release.
            source.initialize(repeating: filler, count: count)
            return result
        }
        stack.removeLast(count)
        return moved
    }

    /// Applies YAML merge keys (`<<: *base` or `<<: [*a, *b]`): merged keys never override explicit ones.
    static func applyingMerges(_ pairs: [YAMLPair]) -> [YAMLPair] {
        guard pairs.contains(where: { $0.key.hasScalar("<<") && $0.key.isPlainScalar }) else { return pairs }
        var explicit: [YAMLPair] = []
        var merged: [YAMLPair] = []
        for pair in pairs {
            if pair.key.scalar == "<<" && pair.key.isPlainScalar {
                let sources = pair.value.items ?? [pair.value]
                for source in sources {
                    for inner in source.pairs ?? [] where !merged.contains(where: { $0.key.scalar == inner.key.scalar }) {
                        merged.append(inner)
                    }
                }
            } else {
                explicit.append(pair)
            }
        }
        let explicitKeys = Set(explicit.compactMap { $0.key.scalar })
        return explicit + merged.filter { !explicitKeys.contains($0.key.scalar ?? "") }
    }
}

extension YAMLNode {
    var isPlainScalar: Bool {
        if case .scalar(_, let plain) = content { return plain }
        return false
    }
}
