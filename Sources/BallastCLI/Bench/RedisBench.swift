import Foundation
import MetricSources
import RedisClient

/// `ballast bench redis`: reading 100 queues one round trip each vs in one pipelined round trip,
/// against a real `redis-server` the bench starts on a free port and stops afterwards.
///
/// Each of `queues` BullMQ queues holds jobs in `wait`, `active` and `delayed` (with job hashes, so
/// that the oldest-job lookup has work to do). Measured, `samples` times each:
/// - `BullMQQueue.read` for every queue, one after another: one script round trip per queue (`EVAL`/`EVALSHA`), what
///   `RedisQueueSource` does today;
/// - the same reads started concurrently on the one client (its serial queue still makes them one
///   round trip each);
/// - the counts of every queue (`LLEN`/`ZCARD` × 5 per queue) in one `pipeline` call: one round trip;
/// - `LLEN` per queue one at a time (`RedisListQueue.read`) vs all in one pipeline.
struct RedisBench {
    var queues: Int
    var samples: Int
    var jobsPerQueue: Int
    var serverPath: String

    func run() async throws -> BenchReport {
        var report = BenchReport(bench: "redis", columns: [
            "read", "queues", "round trips", "p50 ms", "p99 ms", "µs/queue", "est. ms at 1 ms RTT",
        ])
        let server = try RedisServerProcess.start(path: serverPath)
        defer { server.stop() }
        let redis = RedisClient(RedisConfiguration(host: "127.0.0.1", port: server.port, commandTimeout: .seconds(10)))
        try await redis.ping()
        try await fill(redis)

        let names = (0..<queues).map { "bench-\(BlueprintGenerator.pad($0, width: 3))" }
        let bull = names.map { BullMQQueue(redis: redis, name: $0) }
        let lists = names.map { RedisListQueue(redis: redis, key: "list:\($0)") }
        let now = Date()

        // Warm up the connection and Redis's script cache.
        for queue in bull { _ = try await queue.read(now: now) }

        func add(_ label: String, roundTrips: Int, _ times: [Double]) {
            let p50 = Percentiles.of(times, 50)
            report.add([
                .text(label), .int(queues), .int(roundTrips),
                .number(p50 * 1000, digits: 3), .number(Percentiles.of(times, 99) * 1000, digits: 3),
                .number(p50 / Double(queues) * 1e6, digits: 1),
                .number((p50 + Double(roundTrips) * 0.001) * 1000, digits: 1),
            ])
        }

        let sequential = try await sample {
            for queue in bull { _ = try await queue.read(now: now) }
        }
        add("BullMQ script, one round trip each", roundTrips: queues, sequential)

        let concurrent = try await sample {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for queue in bull { group.addTask { _ = try await queue.read(now: now) } }
                try await group.waitForAll()
            }
        }
        add("BullMQ script, all started concurrently", roundTrips: queues, concurrent)

        let countCommands = names.flatMap { name -> [[String]] in
            let base = "bull:\(name):"
            return [["LLEN", base + "wait"], ["LLEN", base + "paused"], ["ZCARD", base + "prioritized"],
                    ["LLEN", base + "active"], ["ZCARD", base + "delayed"]]
        }
        let pipelined = try await sample {
            let replies = try await redis.pipeline(countCommands, retryOnConnectionLoss: true)
            precondition(replies.count == countCommands.count)
        }
        add("BullMQ counts (5 per queue), one pipeline", roundTrips: 1, pipelined)

        let listSequential = try await sample {
            for list in lists { _ = try await list.read(now: now) }
        }
        add("list LLEN, one round trip each", roundTrips: queues, listSequential)

        let llen = names.map { ["LLEN", "list:\($0)"] }
        let listPipelined = try await sample {
            _ = try await redis.pipeline(llen, retryOnConnectionLoss: true)
        }
        add("list LLEN, one pipeline", roundTrips: 1, listPipelined)

        await redis.close()
        let speedup = Percentiles.of(sequential, 50) / Percentiles.of(pipelined, 50)
        report.note("redis-server \(server.version) on 127.0.0.1:\(server.port) (loopback round trip ≈ \(BenchFormat.fixed(Percentiles.of(listSequential, 50) / Double(queues) * 1e6, digits: 0)) µs); \(jobsPerQueue) jobs per queue; \(samples) samples per row")
        report.note("one pipelined round trip reads the counts of \(queues) queues \(BenchFormat.fixed(speedup, digits: 1))x faster than one script call per queue on loopback; the last column adds 1 ms per round trip, as to a Key Value across a network")
        report.note("not measured: the oldest-job age of 100 BullMQ queues in one round trip: MetricSources reads each queue with its own script call and has no batch read (the script is internal to BullMQQueue)")
        return report
    }

    /// Times `body` `samples` times.
    func sample(_ body: () async throws -> Void) async throws -> [Double] {
        var times: [Double] = []
        times.reserveCapacity(samples)
        for _ in 0..<samples {
            times.append(try await Stopwatch.time(body).seconds)
        }
        return times
    }

    /// BullMQ's layout: `bull:<name>:wait` (LPUSHed ids), `:active`, `:delayed` (zset), job hashes.
    func fill(_ redis: RedisClient) async throws {
        let created = Int(Date().timeIntervalSince1970 * 1000) - 60_000
        for index in 0..<queues {
            let name = "bench-\(BlueprintGenerator.pad(index, width: 3))"
            let base = "bull:\(name):"
            var commands: [[String]] = [["DEL", base + "wait", base + "active", base + "delayed", "list:\(name)"]]
            for job in 0..<jobsPerQueue {
                let id = String(job + 1)
                commands.append(["HSET", base + id, "timestamp", String(created + job * 100), "name", "job"])
                switch job % 10 {
                case 0: commands.append(["LPUSH", base + "active", id])
                case 1: commands.append(["ZADD", base + "delayed", String(created + 120_000), id])
                default: commands.append(["LPUSH", base + "wait", id])
                }
                commands.append(["LPUSH", "list:\(name)", id])
            }
            _ = try await redis.pipeline(commands)
        }
    }
}

/// A `redis-server` on a free loopback port, without persistence, for one bench run.
///
/// Started with `posix_spawn` and stopped with SIGTERM + `waitpid` (Foundation's
/// `Process.waitUntilExit` can hang when called from a task on Linux).
struct RedisServerProcess {
    let pid: pid_t
    let port: Int
    let version: String

    static func start(path: String) throws -> RedisServerProcess {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw CLIError("no redis-server at '\(path)' (apt-get install redis-server, or pass --redis-server PATH)")
        }
        let port = try FreePort.pick()
        let pid = try ChildProcess.spawn([path, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                          "--daemonize", "no", "--loglevel", "warning"])
        // Wait until it accepts connections (up to 5 s).
        for _ in 0..<100 {
            if FreePort.isListening(port) {
                let version = (try? ChildProcess.run([path, "--version"]).output)?
                    .split(separator: " ").first { $0.hasPrefix("v=") }.map { String($0.dropFirst(2)) } ?? "?"
                return RedisServerProcess(pid: pid, port: port, version: version)
            }
            usleep(50_000)
        }
        ChildProcess.terminate(pid)
        throw CLIError("redis-server did not start on port \(port)")
    }

    func stop() {
        ChildProcess.terminate(pid)
    }
}

/// Loopback ports for servers the benches start.
enum FreePort {
    /// A port the kernel reports free now (bind to 0, read it back, close).
    static func pick() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CLIError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw CLIError("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    static func isListening(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return connected == 0
    }
}
