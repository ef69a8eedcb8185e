import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program and reports its wall time, peak resident memory (`wait4`'s `ru_maxrss`), exit
/// code and standard output: how the benches time whole commands (`ballast validate FILE`) and the
/// C libyaml baseline.
///
/// ```swift
/// let run = try ChildProcess.run(["/proc/self/exe", "validate", path])
/// run.seconds; run.peakRSS; run.exitCode
/// ```
struct ChildProcess {
    var seconds: Double
    var peakRSS: Int
    var exitCode: Int32
    var output: String

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The path of the running executable, to run it again as a child.
    static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    static func run(_ arguments: [String], environment: [String: String]? = nil) throws -> ChildProcess {
        guard let program = arguments.first else { throw Failure(description: "no program to run") }
        let outputPath = NSTemporaryDirectory() + "ballast-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).out"
        defer { unlink(outputPath) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envStrings = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let envp: [UnsafeMutablePointer<CChar>?] = envStrings.map { strdup($0) } + [nil]
        defer { envp.forEach { free($0) } }

        var pid: pid_t = 0
        let start = ContinuousClock.now
        let spawned = posix_spawn(&pid, program, &actions, nil, argv, envp)
        guard spawned == 0 else {
            throw Failure(description: "cannot run \(program): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw Failure(description: "wait4 failed for \(program): \(String(cString: strerror(errno)))") }
        }
        let seconds = Stopwatch.seconds(ContinuousClock.now - start)
        // WIFEXITED / WEXITSTATUS, which Swift does not import.
        let exitCode: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return ChildProcess(seconds: seconds, peakRSS: Int(usage.ru_maxrss) * 1024, exitCode: exitCode, output: output)
    }

    /// Starts a long-running program (a server) with its output discarded; stop it with ``terminate(_:)``.
    static func spawn(_ arguments: [String]) throws -> pid_t {
        guard let program = arguments.first else { throw Failure(description: "no program to run") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, program, &actions, nil, argv, envp)
        guard spawned == 0 else {
            throw Failure(description: "cannot run \(program): \(String(cString: strerror(spawned)))")
        }
        return pid
    }

    /// Stops a program started with ``spawn(_:)``: SIGTERM, then SIGKILL after 5 s; reaps it.
    static func terminate(_ pid: pid_t) {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<100 {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(50_000)
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
    }
}
