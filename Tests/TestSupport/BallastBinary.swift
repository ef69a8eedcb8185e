import Foundation

/// The `ballast` executable as a user runs it, from tests that check commands end to end.
public enum BallastBinary {
    /// The executable next to the test bundle (SwiftPM builds both into the same folder), or `.build/debug`.
    public static func path() throws -> String {
        let bundleFolder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for folder in [bundleFolder, bundleFolder.deletingLastPathComponent(), repositoryRoot.appendingPathComponent(".build/debug")] {
            let candidate = folder.appendingPathComponent("ballast").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw HarnessError("the ballast executable was not found next to the tests; run `swift build` first")
    }

    /// Runs `ballast` with `arguments` from the repository root and returns its exit status and output.
    public static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try path())
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read on a thread so a chatty child cannot block on a full pipe while we wait.
        let (stdout, stderr) = await withCheckedContinuation { (continuation: CheckedContinuation<(String, String), Never>) in
            Thread {
                let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                continuation.resume(returning: (stdout, stderr))
            }.start()
        }
        return (process.terminationStatus, stdout, stderr)
    }
}
