import Foundation
import TestSupport
import Testing

/// `--state` values that are URLs Ballast cannot use: a configuration error (exit 1) that names the flag,
/// shows the value without its password and says why; not a usage error (exit 64).
@Suite("--state URLs that cannot be used")
struct StateOptionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var value: String
        /// How the value is shown in the message.
        var shown: String
        var why: String
        var testDescription: String { value }
    }

    static let cases: [Case] = [
        Case(value: "redis://", shown: "--state redis://:", why: "no host"),
        Case(value: "ftp://x", shown: "--state ftp://x:", why: "ftp:// is not a state location"),
        Case(value: "redis://:pw-s3cret@/0", shown: "--state redis://:***@/0:", why: "no host"),
        Case(value: "redis://pw-s3cret@127.0.0.1:6379/db", shown: "--state redis://***@127.0.0.1:6379/db:", why: "database \"db\" is not a non-negative number"),
        Case(value: "redis://ci:pw-s3cret@127.0.0.1:6379/0?pool=2", shown: "--state redis://ci:***@127.0.0.1:6379/0?pool=2:", why: "unknown URL parameter pool"),
        Case(value: "rediss://:pw-s3cret@kv.example:6379", shown: "--state rediss://:***@kv.example:6379:", why: "TLS"),
    ]

    @Test(arguments: cases)
    func planAndApplyExitOneNamingTheFlagTheValueAndWhy(_ item: Case) async throws {
        for command in [["plan"], ["apply", "--auto-approve"]] {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ballast-state-option-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let result = try await BallastBinary.run(command + ["blueprints/qc-platform.yaml", "--env", "production",
                                                                "--sandbox", folder.appendingPathComponent("sandbox").path,
                                                                "--state", item.value])
            let output = result.stdout + result.stderr
            #expect(result.status == 1, "\(command[0]): \(output)")
            #expect(result.stderr.contains("Error: \(item.shown)"), "\(command[0]): \(result.stderr)")
            #expect(result.stderr.contains(item.why), "\(command[0]): \(result.stderr)")
            #expect(!output.contains("pw-s3cret"))
            #expect(!output.contains("Usage:"))
            // Refused before anything was made: no sandbox folder, no state file named after the URL.
            #expect(!FileManager.default.fileExists(atPath: folder.path))
        }
    }
}
