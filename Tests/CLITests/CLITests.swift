import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// The `ballast` binary as a user runs it: exit codes, standard output and standard error.
enum CLI {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `swift test` builds every product next to the test bundle.
    static var binary: URL {
        let bundleDir = Bundle.main.bundleURL.deletingLastPathComponent()
        let candidates = [bundleDir.appendingPathComponent("ballast"),
                          URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ballast"),
                          root.appendingPathComponent(".build/debug/ballast")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[2]
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = root
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting so a large output cannot block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Like ``run(_:environment:)`` with exactly `environment` (nothing inherited), to leave variables out.
    static func runClean(_ arguments: [String], environment: [String: String]) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = root
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ballast-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

@Suite struct ValidateCommandTests {
    @Test func exampleIsValid() throws {
        let result = try CLI.run(["validate", "blueprints/qc-platform.yaml"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("Success! The blueprint is valid"))
    }

    @Test func jsonShapeForAnInvalidFile() throws {
        let result = try CLI.run(["validate", "Tests/BlueprintTests/Fixtures/bad/unknown-keys.yaml", "--format", "json"])
        #expect(result.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["valid"] as? Bool == false)
        #expect(json["error_count"] as? Int == 2)
        let diagnostics = try #require(json["diagnostics"] as? [[String: Any]])
        let first = try #require(diagnostics.first)
        #expect(first["severity"] as? String == "error")
        #expect(first["path"] as? String == "services.api.instnces")
        let range = try #require(first["range"] as? [String: Any])
        #expect(range["filename"] as? String == "Tests/BlueprintTests/Fixtures/bad/unknown-keys.yaml")
        #expect((range["start"] as? [String: Any])?["line"] as? Int == 6)
        #expect((range["start"] as? [String: Any])?["column"] as? Int == 5)
    }

    @Test func textOutputShowsTheSourceLineAndHint() throws {
        let result = try CLI.run(["validate", "Tests/BlueprintTests/Fixtures/bad/unknown-keys.yaml"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("Error: Unknown key"))
        #expect(result.stderr.contains("on Tests/BlueprintTests/Fixtures/bad/unknown-keys.yaml line 6, column 5, in services.api.instnces:"))
        #expect(result.stderr.contains("6:     instnces: 2"))
        #expect(result.stderr.contains("Did you mean `instances`?"))
    }

    /// Files that are not blueprints at all: each is a diagnostic and exit 1, never a crash or a hang.
    @Test func unreadableInputs() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let big = dir.appendingPathComponent("big.yaml")
        #expect(FileManager.default.createFile(atPath: big.path, contents: Data(count: 50 * 1024 * 1024)))
        let cases: [(String, String)] = [
            (dir.path, "Not a file"),
            (dir.appendingPathComponent("missing.yaml").path, "File not found"),
            (big.path, "File too large"),
        ]
        for (path, summary) in cases {
            let result = try CLI.run(["validate", path])
            #expect(result.status == 1, "\(path)")
            #expect(result.stderr.contains("Error: \(summary)"), "\(result.stderr)")
        }
    }

    /// A --policies folder that is not there is named as the problem (it was read as an empty
    /// library, so the only errors blamed the blueprint's policy names).
    @Test func missingPoliciesFolderIsNamed() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("policys").path
        let decideInput = dir.appendingPathComponent("decide.json")
        try Data(#"{"now": "2026-01-01T12:00:00Z", "current": 1, "max": 3, "policy": {"name": "p", "rules": [{"metric": "cpu", "target": "70%"}]}, "metrics": {}}"#.utf8)
            .write(to: decideInput)
        let runs: [[String]] = [
            ["validate", "blueprints/qc-platform.yaml", "--policies", missing],
            ["show", "blueprints/qc-platform.yaml", "--env", "production", "--policies", missing],
            ["decide", "--input", decideInput.path, "--policies", missing],
        ]
        for arguments in runs {
            let result = try CLI.run(arguments)
            #expect(result.status == 1, "\(arguments[0]): \(result.stderr)")
            #expect(result.stderr.contains("Error: Folder not found"), "\(arguments[0]): \(result.stderr)")
            #expect(result.stderr.contains("There is no policies folder at '\(missing)' (--policies)."), "\(arguments[0]): \(result.stderr)")
        }
        let file = try CLI.run(["validate", "blueprints/qc-platform.yaml", "--policies", "blueprints/qc-platform.yaml"])
        #expect(file.status == 1)
        #expect(file.stderr.contains("Error: Not a folder"), "\(file.stderr)")
        // The folder given explicitly still works.
        #expect(try CLI.run(["validate", "blueprints/qc-platform.yaml", "--policies", "policies"]).status == 0)
    }

    @Test(arguments: ["malformed.yaml", "alias-bomb.yaml", "empty.yaml", "non-utf8.yaml", "duplicate-keys.yaml", "wrong-types.yaml", "capacity.yaml"])
    func badCorpusExitsOne(_ file: String) throws {
        let result = try CLI.run(["validate", "Tests/BlueprintTests/Fixtures/bad/" + file])
        #expect(result.status == 1)
        #expect(result.stderr.contains("Error: "))
    }
}

@Suite struct ShowCommandTests {
    @Test func jsonShape() throws {
        let result = try CLI.run(["show", "blueprints/qc-platform.yaml", "--env", "production", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["project"] as? String == "qc-platform")
        #expect(json["environment"] as? String == "production")
        let services = try #require(json["services"] as? [[String: Any]])
        let backend = try #require(services.first { $0["name"] as? String == "backend-api" })
        #expect(backend["plan"] as? String == "standard")
        #expect(backend["type"] as? String == "web")
        let scaling = try #require(backend["scaling"] as? [String: Any])
        #expect(scaling["min"] as? Int == 2 && scaling["max"] as? Int == 5 && scaling["policy"] as? String == "web-default")
        let datastores = try #require(json["datastores"] as? [[String: Any]])
        #expect(datastores.contains { $0["name"] as? String == "postgres" && ($0["maxConnections"] as? Int ?? 0) >= 200 })
        #expect(!result.stdout.contains("sk-"))
    }

    @Test func developmentHasNoScaling() throws {
        let result = try CLI.run(["show", "blueprints/qc-platform.yaml", "--env", "development", "--format", "json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let services = try #require(json["services"] as? [[String: Any]])
        #expect(services.count == 3)
        #expect(services.allSatisfy { $0["scaling"] is NSNull && $0["instances"] as? Int == 1 })
    }

    @Test func secretsNeverPrintTheirValues() throws {
        let result = try CLI.run(["show", "blueprints/qc-platform.yaml", "--env", "production"], environment: ["OPENAI_API_KEY": "sk-test-must-not-appear"])
        #expect(result.status == 0)
        #expect(!result.stdout.contains("sk-test-must-not-appear"))
        #expect(result.stdout.contains("(sensitive value"))
    }

    @Test func unknownEnvironmentSuggestsOne() throws {
        let result = try CLI.run(["show", "blueprints/qc-platform.yaml", "--env", "prod"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("Did you mean `production`?"))
    }

    /// Without --env a blueprint with several environments is refused, not resolved as its bare base:
    /// a plan of the base against a workspace where production runs would adopt production's services
    /// and propose to shrink them.
    @Test func severalEnvironmentsNeedEnv() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let commands: [[String]] = [
            ["show"], ["cost"],
            ["plan", "--sandbox", dir.appendingPathComponent("sandbox").path, "--state", dir.appendingPathComponent("state.json").path],
            ["decide", "--input", "-", "--service", "worker", "--blueprint"],
        ]
        for command in commands {
            let result = try CLI.run(command + ["blueprints/qc-platform.yaml"])
            #expect(result.status == 1, "\(command[0]): \(result.stdout)\(result.stderr)")
            #expect(result.stdout.isEmpty, "\(command[0]): \(result.stdout)")
            #expect(result.stderr.contains("Error: No environment given"), "\(command[0]): \(result.stderr)")
            #expect(result.stderr.contains("on blueprints/qc-platform.yaml line 10"), "\(command[0]): \(result.stderr)")
            #expect(result.stderr.contains("declares 2 environments (development, production); name one with --env"), "\(command[0]): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("state.json").path))
    }
}

@Suite struct ImportCommandTests {
    @Test func importThenValidate() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("mastodon.yaml").path
        let imported = try CLI.run(["import", "../shared/render-blueprints/render-examples__mastodon__render.yaml", "--out", out])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stderr.contains("Warning: Deprecated key"))
        let validated = try CLI.run(["validate", out])
        #expect(validated.status == 0, "\(validated.stderr)")
    }
}

/// `NAME=URL` Redis options name a keyvalue datastore; a typo is refused naming the known ones, not
/// ignored (every queue metric then read "no Redis connection").
@Suite struct QueueRedisOptionTests {
    @Test func unknownDatastoreNameIsRefused() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sandbox = dir.appendingPathComponent("sandbox").path
        let url = "redis://:pw-s3cret@127.0.0.1:1/0"
        let runs: [(flag: String, arguments: [String])] = [
            ("--redis", ["metrics", "blueprints/qc-platform.yaml", "--env", "production", "--sandbox", sandbox, "--redis", "redix=" + url]),
            ("--queue-redis", ["controller", "run", "blueprints/qc-platform.yaml", "--env", "production", "--sandbox", sandbox, "--once",
                               "--dry-run", "--journal", dir.appendingPathComponent("journal.jsonl").path, "--queue-redis", "redix=" + url]),
        ]
        for (flag, arguments) in runs {
            let result = try CLI.run(arguments)
            #expect(result.status == 1, "\(flag): \(result.stdout)\(result.stderr)")
            #expect(result.stderr.contains("Error: \(flag) redix=…: 'redix' is not a keyvalue datastore of production (known: redis); did you mean 'redis'?"),
                    "\(flag): \(result.stderr)")
            #expect(!(result.stdout + result.stderr).contains("pw-s3cret"))
        }
    }
}

/// A Redis URL option that cannot be used is an error naming the option, with the URL's password masked.
@Suite struct RedisURLOptionTests {
    @Test func unusableRedisURLsNameTheOptionWithoutThePassword() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sandbox = dir.appendingPathComponent("sandbox").path
        let bad = "redis://:pw-s3cret@127.0.0.1:6379/zz"
        let why = "database \"zz\" is not a non-negative number"
        let env = ["blueprints/qc-platform.yaml", "--env", "production"]
        let runs: [(arguments: [String], shown: String)] = [
            (["cost"] + env + ["--journal", bad], "--journal redis://:***@127.0.0.1:6379/zz: "),
            (["controller", "decisions"] + env + ["--redis", bad], "--redis redis://:***@127.0.0.1:6379/zz: "),
            (["controller", "run"] + env + ["--sandbox", sandbox, "--once", "--dry-run", "--redis", bad], "--redis redis://:***@127.0.0.1:6379/zz: "),
            (["controller", "run"] + env + ["--sandbox", sandbox, "--once", "--dry-run", "--journal", dir.appendingPathComponent("j.jsonl").path,
                                           "--queue-redis", "redis=" + bad], "--queue-redis redis=redis://:***@127.0.0.1:6379/zz: "),
        ]
        for (arguments, shown) in runs {
            let result = try CLI.run(arguments)
            let output = result.stdout + result.stderr
            #expect(result.status == 1, "\(arguments[0]): \(output)")
            #expect(result.stderr.contains("Error: \(shown)"), "\(arguments[0]): \(result.stderr)")
            #expect(result.stderr.contains(why), "\(arguments[0]): \(result.stderr)")
            #expect(!output.contains("pw-s3cret"), "\(arguments[0]): \(output)")
        }
    }
}

/// `--format` help lists exactly the formats the command accepts (cost and simulate listed yaml, and
/// simulate markdown, then refused them).
@Suite struct FormatHelpTests {
    @Test(arguments: [("cost", ["text", "json", "markdown", "html"]), ("simulate", ["text", "json", "html"])])
    func helpListsTheAcceptedFormats(_ command: String, _ formats: [String]) throws {
        let help = try CLI.run([command, "--help"])
        #expect(help.status == 0)
        let flat = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(flat.contains("(values: \(formats.joined(separator: ", ")); default: text)"), "\(help.stdout)")
        let offered = ["text", "json", "markdown", "html", "yaml"]
        for format in offered where !formats.contains(format) {
            let refused = try CLI.run([command, "--format", format, "blueprints/qc-platform.yaml"])
            #expect(refused.status == 64, "\(command) --format \(format): \(refused.stderr)")
            #expect(refused.stderr.contains("The value '\(format)' is invalid for '--format <format>'"), "\(refused.stderr)")
        }
    }
}

/// `controller decisions --service` with a name the environment does not have and the journal never
/// saw is an error with the names it has, not "No decisions".
@Suite struct DecisionsServiceTests {
    @Test func unknownServiceIsNamed() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let journal = dir.appendingPathComponent("journal.jsonl").path
        try Data().write(to: URL(fileURLWithPath: journal))
        let common = ["controller", "decisions", "blueprints/qc-platform.yaml", "--env", "production", "--journal", journal, "--service"]
        let typo = try CLI.run(common + ["workr"])
        #expect(typo.status == 1, "\(typo.stdout)")
        #expect(typo.stderr.contains("Error: --service workr: no service 'workr' in production (services: backend-api, ai-service, worker)"), "\(typo.stderr)")
        #expect(typo.stderr.contains("did you mean 'worker'?"), "\(typo.stderr)")
        let known = try CLI.run(common + ["worker"])
        #expect(known.status == 0, "\(known.stderr)")
        #expect(known.stdout.contains("No decisions in the last 1h"))
    }
}

/// `controller run --once` on a sandbox where the blueprint was never applied names the services it
/// could not find and why, instead of counting them as held.
@Suite struct ControllerOnceTests {
    @Test func servicesNotOnTheProviderAreNamed() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try CLI.run(["controller", "run", "blueprints/qc-platform.yaml", "--env", "production",
                                  "--sandbox", dir.appendingPathComponent("sandbox").path, "--once", "--dry-run",
                                  "--journal", dir.appendingPathComponent("journal.jsonl").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("| 0 held | backend-api, ai-service, worker: not found on the provider (apply the blueprint first) |"),
                "\(result.stdout)")
        #expect(result.stderr.contains("not found on the provider (apply the blueprint first)"), "\(result.stderr)")
    }
}

/// A port that is taken is reported with the address, not only as NIO's bind error.
@Suite struct ListenAddressTests {
    @Test func aTakenPortNamesTheAddress() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Hold a port: a listening socket of this process.
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(socketFD >= 0)
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        #expect(bound == 0)
        #expect(listen(socketFD, 1) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))

        let sandbox = try CLI.run(["sandbox", "serve", "--port", String(port), "--state", dir.appendingPathComponent("served").path])
        #expect(sandbox.status == 1)
        #expect(sandbox.stderr.contains("Error: cannot listen on 127.0.0.1:\(port): "), "\(sandbox.stderr)")

        let controller = try CLI.run(["controller", "run", "blueprints/qc-platform.yaml", "--env", "production",
                                      "--sandbox", dir.appendingPathComponent("sandbox").path, "--once", "--dry-run",
                                      "--journal", dir.appendingPathComponent("journal.jsonl").path, "--listen", "127.0.0.1:\(port)"])
        #expect(controller.status == 1)
        #expect(controller.stderr.contains("Error: cannot serve /healthz, /readyz and /metrics on 127.0.0.1:\(port): "), "\(controller.stderr)")
        // No tick ran (without --dry-run one could have scaled before the process failed): no leader, no summary.
        #expect(!controller.stdout.contains("| 0 held |") && !controller.stderr.contains("became leader"), "\(controller.stdout)\(controller.stderr)")
    }
}

/// `controller run --once` (for cron) exits 1 when a problem held the whole tick, 0 otherwise.
@Suite struct ControllerOnceExitTests {
    @Test func aTickHeldByAProblemExitsOne() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let common = ["controller", "run", "blueprints/qc-platform.yaml", "--env", "production", "--sandbox", dir.appendingPathComponent("sandbox").path,
                      "--once", "--dry-run", "--journal", dir.appendingPathComponent("journal.jsonl").path]
        // Redis that does not answer: no leader can be proven, nothing is done.
        let held = try CLI.run(common + ["--redis", "redis://127.0.0.1:1/0"])
        #expect(held.status == 1, "\(held.stdout)\(held.stderr)")
        #expect(held.stdout.contains("problems: no leader can be proven"), "\(held.stdout)")
        let fine = try CLI.run(common)
        #expect(fine.status == 0, "\(fine.stdout)\(fine.stderr)")
    }
}

/// `sandbox serve --record FILE` where FILE cannot be written names the file and why, not Foundation's
/// "Error Domain=NSCocoaErrorDomain Code=4".
@Suite struct SandboxRecordOptionTests {
    @Test func anUnwritableRecordFileIsNamed() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let record = dir.appendingPathComponent("missing-folder/traffic.jsonl").path
        let result = try CLI.run(["sandbox", "serve", "--port", "0", "--state", dir.appendingPathComponent("sandbox").path, "--record", record])
        #expect(result.status == 1)
        #expect(result.stderr.contains("Error: cannot record to '\(record)': "), "\(result.stderr)")
        #expect(!result.stderr.contains("NSCocoaErrorDomain"), "\(result.stderr)")
    }
}

/// `--sandbox PATH` where PATH is a file says so, not Foundation's "Error Domain=NSCocoaErrorDomain Code=516".
@Suite struct SandboxFolderTests {
    @Test func aFileGivenAsTheSandboxFolderIsNamed() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("not-a-folder").path
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        for arguments in [["plan", "blueprints/qc-platform.yaml", "--env", "production", "--state", dir.appendingPathComponent("state.json").path],
                          ["sandbox", "serve", "--port", "0", "--state", file]] {
            let sandbox = arguments[0] == "sandbox" ? [] : ["--sandbox", file]
            let result = try CLI.run(arguments + sandbox)
            #expect(result.status == 1, "\(arguments[0]): \(result.stderr)")
            #expect(result.stderr.contains("cannot use '\(file)' as the sandbox's folder: "), "\(arguments[0]): \(result.stderr)")
            #expect(!result.stderr.contains("NSCocoaErrorDomain"), "\(arguments[0]): \(result.stderr)")
        }
    }
}

/// A state path or journal path that is a folder says why in words, not as Foundation's
/// "Error Domain=NSCocoaErrorDomain Code=256 "(null)"".
@Suite struct FolderGivenAsAFileTests {
    @Test func stateAndJournalThatAreFolders() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = dir.appendingPathComponent("a-folder")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let sandbox = dir.appendingPathComponent("sandbox").path
        let plan = try CLI.run(["plan", "blueprints/qc-platform.yaml", "--env", "production", "--sandbox", sandbox, "--state", folder.path],
                               environment: ["DATABASE_URL": "x", "REDIS_URL": "x", "OPENAI_API_KEY": "x"])
        #expect(plan.status == 1)
        #expect(plan.stderr.contains("read-state \(folder.path): Is a directory"), "\(plan.stderr)")
        // The services must exist for the controller to journal their start.
        let applied = try CLI.run(["apply", "blueprints/qc-platform.yaml", "--env", "production", "--sandbox", sandbox, "--auto-approve",
                                   "--allow-cost-increase", "--state", dir.appendingPathComponent("state.json").path],
                                  environment: ["DATABASE_URL": "x", "REDIS_URL": "x", "OPENAI_API_KEY": "x"])
        #expect(applied.status == 0, "\(applied.stderr)")
        let controller = try CLI.run(["controller", "run", "blueprints/qc-platform.yaml", "--env", "production", "--sandbox", sandbox,
                                      "--once", "--dry-run", "--journal", folder.path])
        #expect(controller.stdout.contains("cannot write the journal file \(folder.path): Is a directory"), "\(controller.stdout)")
        for result in [plan, controller] {
            #expect(!(result.stdout + result.stderr).contains("NSCocoaErrorDomain"), "\(result.stdout)\(result.stderr)")
        }
    }
}

/// A change that fails for want of a secret says so once per line, after its address.
@Suite struct ApplyFailureLineTests {
    @Test func aMissingSecretNamesTheServiceOnce() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var environment = ProcessInfo.processInfo.environment
        for name in ["DATABASE_URL", "REDIS_URL", "OPENAI_API_KEY"] { environment[name] = nil }
        let result = try CLI.runClean(["apply", "blueprints/qc-platform.yaml", "--env", "production", "--sandbox", dir.appendingPathComponent("sandbox").path,
                                       "--state", dir.appendingPathComponent("state.json").path, "--auto-approve", "--allow-cost-increase"],
                                      environment: environment)
        #expect(result.status == 1)
        // Every secret is checked before anything is created: each service names all it lacks.
        let missing = "secrets DATABASE_URL (for DATABASE_URL), REDIS_URL (for REDIS_URL) not set in the environment; nothing was applied"
        #expect(result.stdout.contains("service.worker: Failed: \(missing)"), "\(result.stdout)")
        #expect(result.stderr.contains("failed         service.worker: \(missing)"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("state.json").path), "nothing was applied, so no state was written")
        #expect(!(result.stdout + result.stderr).contains("service.worker: service.worker:"))
    }
}

/// Help paragraphs are wrapped by the terminal width only: a sentence broken by a hard line break in
/// the source printed as a short line followed by its continuation.
@Suite struct HelpWrappingTests {
    @Test(arguments: [["plan"], ["apply"], ["cost"], ["simulate"], ["decide"], ["controller", "run"], ["metrics", "show"], ["validate"]])
    func noSentenceIsBrokenEarly(_ command: [String]) throws {
        let help = try CLI.run(command + ["--help"], environment: ["COLUMNS": "80"])
        #expect(help.status == 0)
        // The discussion: between the overview and the usage line.
        let lines = help.stdout.components(separatedBy: "\n")
        guard let usage = lines.firstIndex(where: { $0.hasPrefix("USAGE:") }) else { Issue.record("no USAGE in \(help.stdout)"); return }
        for index in 0..<max(0, usage - 1) {
            let line = lines[index], next = lines[index + 1]
            // A line starting with `ballast` is a command form of its own, not a continuation.
            guard let first = next.first, first.isLowercase, !next.hasPrefix("ballast "), !line.isEmpty else { continue }
            #expect(line.count >= 60, "\(command.joined(separator: " ")): '\(line)' then '\(next)'")
        }
    }
}

/// `controller run --log-level` takes one of the levels its help lists; anything else was run at info.
@Suite struct LogLevelOptionTests {
    @Test func anUnknownLevelIsAUsageError() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let common = ["controller", "run", "blueprints/qc-platform.yaml", "--env", "production", "--sandbox", dir.appendingPathComponent("sandbox").path,
                      "--once", "--dry-run", "--journal", dir.appendingPathComponent("journal.jsonl").path, "--log-level"]
        let bad = try CLI.run(common + ["verbose"])
        #expect(bad.status == 64, "\(bad.stdout)\(bad.stderr)")
        #expect(bad.stderr.contains("--log-level: expected trace, debug, info, notice, warning or error, not 'verbose'."), "\(bad.stderr)")
        #expect(try CLI.run(common + ["warning"]).status == 0)
    }

    /// A zero --interval (a tick every 50 ms) or --metric-timeout is refused, not run.
    @Test(arguments: [("--interval", "0s"), ("--metric-timeout", "0")])
    func zeroDurationsAreUsageErrors(_ flag: String, _ value: String) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try CLI.run(["controller", "run", "blueprints/qc-platform.yaml", "--env", "production", "--sandbox", dir.appendingPathComponent("sandbox").path,
                                  "--once", "--dry-run", "--journal", dir.appendingPathComponent("journal.jsonl").path, flag, value])
        #expect(result.status == 64, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("\(flag): expected a duration above zero"), "\(result.stderr)")
    }
}

/// `apply PLANFILE --env NAME` says the file is a saved plan, instead of reading it as a blueprint that
/// "declares no environments".
@Suite struct ApplyPlanFileWithEnvTests {
    @Test func aPlanFileWithEnvIsNamedAsAPlan() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let secrets = ["DATABASE_URL": "x", "REDIS_URL": "x", "OPENAI_API_KEY": "x"]
        let planFile = dir.appendingPathComponent("plan.json").path
        let planned = try CLI.run(["plan", "blueprints/qc-platform.yaml", "--env", "production", "--sandbox", dir.appendingPathComponent("sandbox").path,
                                   "--state", dir.appendingPathComponent("state.json").path, "--allow-cost-increase", "--out", planFile],
                                  environment: secrets)
        #expect(planned.status == 0, "\(planned.stderr)")
        let result = try CLI.run(["apply", planFile, "--env", "production"], environment: secrets)
        #expect(result.status == 1)
        #expect(result.stderr.contains("Error: '\(planFile)' is a saved plan (qc-platform, production), not a blueprint: apply it without --env production"),
                "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("state.json").path))
    }
}
