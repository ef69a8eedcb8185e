import Foundation
import Hosting
import Testing

/// Records a full exercise of the client against the sandbox server and checks every request and
/// response against Render's official spec with `scripts/conformance/check.py` (openapi-core).
///
/// - Important: needs `python3` with the packages in `scripts/requirements.txt`; without them the test
///   fails and says so rather than skipping.
@Suite struct ConformanceTests {
    @Test func recordedTrafficConformsToTheOfficialSpec() async throws {
        let spec = Paths.shared.appendingPathComponent("render-api/openapi.json")
        try #require(FileManager.default.fileExists(atPath: spec.path), "Render's spec is missing at ../shared/render-api/openapi.json")
        let directory = try temporaryDirectory("conformance")
        defer { try? FileManager.default.removeItem(at: directory) }
        let record = directory.appendingPathComponent("traffic.jsonl")

        let clock = ManualHostingClock()
        let sandbox = Sandbox(inMemory: SandboxOptions(bootDelay: 20, clock: clock))
        let served = try await ServedSandbox.start(sandbox: sandbox, options: SandboxServerOptions(rateLimits: true, recordPath: record.path))
        let provider = try served.provider(rateLimits: .render)
        try await Exercise.run(provider, clock: clock)
        // Pagination and the error shapes are part of the contract too.
        let owner = try sandbox.defaultOwnerId()
        for index in 0..<105 {
            _ = try await sandbox.createService(ServiceCreateRequest(name: "page-\(index)", type: .worker, runtime: "go", ownerId: owner))
        }
        #expect(try await provider.listServices().count == 105)
        _ = try await served.raw("GET", "/v1/services/srv-00000000000000000000")
        let duplicate = try await served.raw("POST", "/v1/services", body: #"{"type":"background_worker","name":"page-0","ownerId":"\#(owner)","serviceDetails":{"runtime":"go"}}"#)
        #expect(duplicate.status == 409)
        await served.stop()

        let lines = try String(contentsOf: record, encoding: .utf8).split(separator: "\n")
        #expect(lines.count > 40)
        #expect(!lines.contains { $0.contains("rnd_test_secret_key") }, "the API key leaked into the record")

        let result = try runChecker(record: record)
        #expect(result.status == 0, "conformance violations:\n\(result.output)")
        #expect(result.output.contains(" 0 violations"), "\(result.output)")
    }

    private func runChecker(record: URL) throws -> (status: Int32, output: String) {
        let script = Paths.repositoryRoot.appendingPathComponent("scripts/conformance/check.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, record.path, "--quiet"]
        process.currentDirectoryURL = Paths.repositoryRoot
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            Issue.record("cannot run python3 (needed for the conformance check; install it and `pip install -r scripts/requirements.txt`): \(error)")
            return (-1, "")
        }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 2 || process.terminationStatus == 127 {
            Issue.record("the conformance checker could not run (python3 with openapi-core is required; `pip install -r scripts/requirements.txt`):\n\(output)")
        }
        return (process.terminationStatus, output)
    }
}
