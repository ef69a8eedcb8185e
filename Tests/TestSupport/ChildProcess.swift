import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Failures of the test harness itself (a missing binary or package, a server that did not start),
/// thrown so the test fails with a message saying what to install or fix.
public struct HarnessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The repository root, found from this file's path (Tests/TestSupport/…).
public let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A helper script under `tests-support/metrics/`.
public func supportScript(_ name: String) -> String {
    repositoryRoot.appendingPathComponent("tests-support/metrics/\(name)").path
}

/// A process the test starts and always stops: stdout is read line by line, stdin held open until `finish()`.
public final class ChildProcess: @unchecked Sendable {
    public let process = Process()
    public let name: String
    private let input = Pipe()
    private let output = Pipe()
    private let errors = Pipe()
    private var buffer = Data()
    private let lock = NSLock()

    public init(_ executable: String, _ arguments: [String], name: String? = nil) throws {
        self.name = name ?? URL(fileURLWithPath: executable).lastPathComponent
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
    }

    /// Runs `python3` (from PATH) on a support script.
    public static func python(_ script: String, _ arguments: [String]) throws -> ChildProcess {
        try ChildProcess("/usr/bin/env", ["python3", supportScript(script)] + arguments, name: script)
    }

    /// The next line of stdout, or an error naming the process (with its stderr) if none comes in time.
    /// Waits on a dispatch thread, so the test's cooperative threads stay free meanwhile.
    public func readLine(timeout: TimeInterval = 60) async throws -> String {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String, any Error>) in
            Thread {
                continuation.resume(with: Result { try self.blockingReadLine(timeout: timeout) })
            }.start()
        }
    }

    private func blockingReadLine(timeout: TimeInterval) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                return line
            }
            guard Date() < deadline else {
                stop()
                throw HarnessError("\(name) printed no line within \(Int(timeout)) s; stderr: \(stderrText())")
            }
            let chunk = readAvailable(before: deadline)
            if chunk.isEmpty && !process.isRunning {
                throw HarnessError("\(name) exited with status \(process.terminationStatus) before printing a line; stderr: \(stderrText())")
            }
            buffer.append(chunk)
        }
    }

    /// Reads what stdout has, waiting at most until `deadline` (polls so a hung child cannot hang the test).
    private func readAvailable(before deadline: Date) -> Data {
        let fd = output.fileHandleForReading.fileDescriptor
        var pollfd = Glibc.pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let millis = Int32(max(0, min(deadline.timeIntervalSinceNow, 0.2)) * 1000)
        guard poll(&pollfd, 1, millis) > 0 else { return Data() }
        var bytes = [UInt8](repeating: 0, count: 65536)
        let count = read(fd, &bytes, bytes.count)
        return count > 0 ? Data(bytes[0..<count]) : Data()
    }

    private func stderrText() -> String {
        let fd = errors.fileHandleForReading.fileDescriptor
        var text = Data()
        var pollfd = Glibc.pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while poll(&pollfd, 1, 50) > 0 {
            var bytes = [UInt8](repeating: 0, count: 65536)
            let count = read(fd, &bytes, bytes.count)
            if count <= 0 { break }
            text.append(contentsOf: bytes[0..<count])
        }
        let string = String(decoding: text.suffix(2000), as: UTF8.self)
        return string.isEmpty ? "(empty)" : string
    }

    /// Closes stdin (the support scripts exit on EOF) and waits; kills it if it does not exit.
    public func finish(timeout: TimeInterval = 10) {
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        stop()
    }

    /// Sends SIGKILL if still running, and reaps it.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}

/// A TCP port that was free a moment ago on 127.0.0.1, chosen below Linux's ephemeral range
/// (32768-60999): a port the kernel hands out for port 0 can be taken again at once by any outgoing
/// connection of a concurrent test, and the server started on it then fails to bind.
public func freePort() throws -> Int {
    for _ in 0..<200 {
        let port = Int.random(in: 10_000..<32_000)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if bound == 0 { return port }
    }
    throw HarnessError("no free TCP port found on 127.0.0.1 between 10000 and 32000")
}

/// Fails with an install hint when an executable is missing.
public func requireExecutable(_ path: String, hint: String) throws {
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw HarnessError("\(path) is missing: \(hint)")
    }
}

/// Fails with an install hint when Python or one of its packages is missing.
public func requirePython(modules: [String]) throws {
    let check = Process()
    check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    check.arguments = ["python3", "-c", modules.map { "import \($0)" }.joined(separator: "; ")]
    check.standardOutput = FileHandle.nullDevice
    check.standardError = FileHandle.nullDevice
    do { try check.run() } catch { throw HarnessError("python3 is not on PATH: install Python 3") }
    check.waitUntilExit()
    guard check.terminationStatus == 0 else {
        throw HarnessError("python3 cannot import \(modules.joined(separator: ", ")): run `pip install -r scripts/requirements.txt`")
    }
}

/// Decodes one JSON line printed by a support script.
public func jsonObject(_ line: String) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
        throw HarnessError("expected a JSON object, got: \(line)")
    }
    return object
}
