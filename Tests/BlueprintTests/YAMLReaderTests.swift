import Blueprint
import Testing

@Suite struct YAMLReaderTests {
    @Test func marksAreOneBasedLineAndColumn() throws {
        let doc = YAMLReader.parse("a: 1\nb:\n  c: [x, y]\n")
        let root = try #require(doc.root)
        #expect(doc.problems.isEmpty)
        #expect(root["a"]?.mark == SourceMark(line: 1, column: 4))
        #expect(root["b"]?["c"]?.mark == SourceMark(line: 3, column: 6))
        #expect(root["b"]?["c"]?.items?.map(\.scalar) == ["x", "y"])
    }

    @Test func aliasesExpandAndMergeKeysApply() throws {
        let doc = YAMLReader.parse("""
        base: &base { runtime: node, plan: starter }
        api:
          <<: *base
          plan: pro
        """)
        let api = try #require(doc.root?["api"])
        #expect(api["runtime"]?.scalar == "node")
        #expect(api["plan"]?.scalar == "pro")
        #expect(api.pairs?.count == 2)
    }

    @Test func nullForms() throws {
        let root = try #require(YAMLReader.parse("a: ~\nb: null\nc:\nd: 'null'\n").root)
        #expect(root["a"]?.isNull == true)
        #expect(root["b"]?.isNull == true)
        #expect(root["c"]?.isNull == true)
        #expect(root["d"]?.isNull == false)
    }

    @Test func duplicateKeysAreReportedWithBothPositions() {
        let doc = YAMLReader.parse("a: 1\nb: 2\na: 3\n")
        #expect(doc.problems.count == 1)
        #expect(doc.problems.first?.summary == "Duplicate key")
        #expect(doc.problems.first?.mark == SourceMark(line: 3, column: 1))
        #expect(doc.problems.first?.detail.contains("line 1, column 1") == true)
    }

    @Test func aliasBombStopsAtTheNodeLimit() {
        var text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        for (previous, name) in zip("abcdefgh", "bcdefghi") {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
        }
        let doc = YAMLReader.parse(text)
        #expect(doc.root == nil)
        #expect(doc.problems.first?.summary == "Document too large after alias expansion")
    }

    @Test func deepNestingIsRefused() {
        let text = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        let doc = YAMLReader.parse(text)
        #expect(doc.root == nil)
        #expect(doc.problems.first?.summary == "Nesting too deep")
    }

    @Test func oversizedInputIsRefusedBeforeParsing() {
        let bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 50 * 1024 * 1024)
        let doc = YAMLReader.parse(bytes)
        #expect(doc.root == nil)
        #expect(doc.problems.first?.summary == "File too large")
        #expect(doc.problems.first?.detail.contains("50.0 MB") == true)
    }

    @Test func invalidUTF8IsAProblemNotACrash() {
        let doc = YAMLReader.parse([0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a])
        #expect(doc.root == nil)
        #expect(doc.problems.first?.summary == "Invalid UTF-8")
    }

    @Test func onlyTheFirstDocumentIsRead() {
        let doc = YAMLReader.parse("a: 1\n---\nb: 2\n")
        #expect(doc.root?["a"]?.scalar == "1")
        #expect(doc.problems.first?.summary == "More than one YAML document")
    }

    @Test(arguments: [("15s", 15.0), ("5m", 300), ("1h30m", 5400), ("300", 300), ("0.5s", 0.5)])
    func durations(text: String, seconds: Double) {
        #expect(NodeDecoder.parseDuration(text) == seconds)
    }

    @Test(arguments: ["", "5x", "m", "-3s"])
    func badDurations(text: String) {
        #expect(NodeDecoder.parseDuration(text) == nil)
    }

    @Test(arguments: [("512MB", 512.0), ("1GB", 1024), ("2Gi", 2048), ("256M", 256), ("1.5GB", 1536)])
    func memorySizes(text: String, megabytes: Double) {
        #expect(NodeDecoder.parseMegabytes(text) == megabytes)
    }
}
