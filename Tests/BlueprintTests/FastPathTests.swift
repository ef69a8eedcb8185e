@testable import Blueprint
import Testing

/// The byte-level fast paths and shared-storage shortcuts that keep `validate` near libyaml's speed
/// must give exactly the answers of the general code they stand in for.
@Suite struct FastPathTests {
    // MARK: Duplicate keys: small mappings scan their pairs, large ones keep a dictionary

    @Test(arguments: [3, 12, 13, 14, 40])
    func duplicateKeysInMappingsOfAnySize(keys: Int) throws {
        var lines = (0..<keys).map { "k\($0): \($0)" }
        lines.append("k\(keys - 1): again")   // duplicate of the last key
        lines.append("k0: again")             // duplicate of the first
        lines.append("k\(keys): new")         // not a duplicate
        let doc = YAMLReader.parse(lines.joined(separator: "\n"))
        #expect(doc.root?.pairs?.count == keys + 3)
        #expect(doc.problems.map(\.summary) == ["Duplicate key", "Duplicate key"])
        #expect(doc.problems.map(\.mark) == [SourceMark(line: keys + 1, column: 1), SourceMark(line: keys + 2, column: 1)])
        #expect(doc.problems.first?.detail.contains("first at line \(keys), column 1") == true)
        #expect(doc.problems.last?.detail.contains("first at line 1, column 1") == true)
    }

    @Test(arguments: [2, 20])
    func plainMergeKeysAreNotDuplicatesButQuotedOnesAre(filler: Int) throws {
        let fillers = (0..<filler).map { "  f\($0): \($0)" }.joined(separator: "\n")
        let doc = YAMLReader.parse("""
        a: &a { x: 1 }
        b: &b { y: 2 }
        m:
          <<: *a
        \(fillers)
          <<: *b
          '<<': quoted
          "<<": twice
        """)
        #expect(doc.problems.count == 1)
        #expect(doc.problems.first?.mark == SourceMark(line: filler + 7, column: 3))
        #expect(doc.problems.first?.detail.contains("first at line \(filler + 6), column 3") == true)
        let m = try #require(doc.root?["m"])
        #expect(m["x"]?.scalar == "1" && m["y"]?.scalar == "2")
    }

    @Test func nestedCollectionsKeepTheirOwnChildren() throws {
        // Children of open collections share one stack; each closing collection must take only its own.
        let doc = YAMLReader.parse("""
        a: [1, [2, 3], {b: [4, {c: 5}], d: 6}, 7]
        e: { f: [], g: {}, h: [[], [8]] }
        """)
        let root = try #require(doc.root)
        #expect(doc.problems.isEmpty)
        let a = try #require(root["a"]?.items)
        #expect(a.count == 4)
        #expect(a[0].scalar == "1" && a[3].scalar == "7")
        #expect(a[1].items?.map(\.scalar) == ["2", "3"])
        #expect(a[2]["b"]?.items?.count == 2 && a[2]["b"]?.items?[1]["c"]?.scalar == "5")
        #expect(a[2]["d"]?.scalar == "6")
        #expect(root["e"]?["f"]?.items?.isEmpty == true && root["e"]?["g"]?.pairs?.isEmpty == true)
        #expect(root["e"]?["h"]?.items?.map { $0.items?.count } == [0, 1])
    }

    // MARK: Mapping shares the node's pairs

    @Test func refusedKeysAreLeftOutOfLookUpsAndEntries() throws {
        let root = try #require(YAMLReader.parse("type: web\nplna: pro\n? [x]\n: 1\nplan: starter\nplna: again\n").root)
        var decoder = NodeDecoder(file: "x.yaml")
        let mapping = decoder.mapping(root, path: "s", allowed: ["type", "plan"])
        let fields = try #require(mapping)
        #expect(fields.keys == ["type", "plan"])
        #expect(fields["plna"] == nil)
        #expect(fields["plan"]?.scalar == "starter")
        #expect(decoder.diagnostics.items.map(\.summary) == ["Unknown key", "Wrong type", "Unknown key"])
        #expect(decoder.diagnostics.items.map(\.path) == ["s.plna", "s", "s.plna"])
    }

    // MARK: Overlays

    @Test(arguments: [
        "a: 1\nb: { c: 2, d: 3 }\n",
        "a: 1\nenvironments: { prod: { a: 2, b: { c: 9 }, e: 5 } }\nb: { c: 2, d: 3 }\n",
        "a: 1\nenvironments: { prod: { a: null, b: { d: null }, z: null } }\nb: { c: 2, d: 3 }\n",
        "a: 1\nenvironments: { dev: { a: 2 } }\n",
        "a: 1\nenvironments: { prod: 3 }\n",
        "a: 1\nenvironments: { prod: { a: 2 } }\nenvironments: { prod: { a: 3 } }\na: 4\n",
        "[k]: 1\nenvironments: { prod: { a: [1, 2] } }\n",
        "- 1\n- 2\n",
    ])
    func mergedIsRemovingThenOverlaid(text: String) throws {
        let node = try #require(YAMLReader.parse(text).root)
        // What resolve did before: remove `environments`, then lay the environment's mapping over.
        let base = node.removing(keys: ["environments"])
        var expected = base
        if let overlay = node["environments"]?["prod"], overlay.pairs != nil { expected = base.overlaid(with: overlay) }
        #expect(describe(node.merged(environment: "prod")) == describe(expected))
    }

    private func describe(_ node: YAMLNode) -> String {
        let at = "@\(node.mark.line):\(node.mark.column)"
        switch node.content {
        case .scalar(let text, let plain): return (plain ? text : "'\(text)'") + at
        case .sequence(let items): return "[" + items.map(describe).joined(separator: ", ") + "]" + at
        case .mapping(let pairs): return "{" + pairs.map { describe($0.key) + ": " + describe($0.value) }.joined(separator: ", ") + "}" + at
        }
    }

    // MARK: ASCII fast paths against the general Unicode code

    @Test(arguments: ["API_KEY", "db_password", "MyTokenValue", "secretish", "PASSWORD", "NODE_ENV", "PRIVATE", "KEY", "tokn",
                      "pässword", "ſecret", "TOKEN_é", "émoji_🔑", ""])
    func secretNamesMatchTheUnicodeCheck(name: String) {
        let upper = name.uppercased()
        let expected = NodeDecoder.secretWords.contains(where: upper.contains)
        #expect(NodeDecoder.looksSecret(name) == expected)
    }

    @Test(arguments: ["NODE_ENV", "", "A=B", "A B", "A\tB", "A\r\nB", "a\u{0B}b", "é", "é b", "é=", "a\u{00A0}b", "a\u{1C}b"])
    func variableNamesMatchTheUnicodeCheck(name: String) {
        let expected = !(name.isEmpty || name.contains("=") || name.contains(where: \.isWhitespace))
        #expect(NodeDecoder.isValidVariableName(name) == expected)
    }

    @Test(arguments: ["api-00001", "", String(repeating: "a", count: 100), String(repeating: "a", count: 101), "tab\there",
                      "del\u{7F}", "é", String(repeating: "é", count: 100), String(repeating: "é", count: 101), "c1\u{85}", "ok name"])
    func resourceNamesMatchTheUnicodeCheck(name: String) {
        let expected = !(name.isEmpty || name.count > 100 || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }))
        #expect(NodeDecoder.isValidName(name) == expected)
    }

    @Test(arguments: ["512MB", " 512 MB ", "1.5gb", "2Gi", "256M", "0MB", "-1MB", "abc", "1..2MB", ".5 GB", "1e3MB", "3 tb", "4 kib",
                      "MB", "12", "\t1GB\n", "1 G B", "５MB", "1GB ", "1\u{00A0}GB"])
    func memorySizesMatchTheGeneralParser(text: String) {
        let trimmed = text.trimmingSpaces
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        var expected: Double?
        if let value = Double(digits), value > 0 {
            switch trimmed.dropFirst(digits.count).trimmingSpaces.lowercased() {
            case "mb", "m", "mi", "mib": expected = value
            case "gb", "g", "gi", "gib": expected = value * 1024
            case "kb", "k", "ki", "kib": expected = value / 1024
            case "tb", "t", "ti", "tib": expected = value * 1024 * 1024
            default: expected = nil
            }
        }
        #expect(NodeDecoder.parseMegabytes(text) == expected)
    }
}
