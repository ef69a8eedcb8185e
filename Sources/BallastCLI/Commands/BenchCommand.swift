import ArgumentParser
import Foundation

/// `ballast bench`: the benchmarks behind the figures in `docs/benchmarks.md`.
///
/// Meant for a release build (`swift build -c release`, then `.build/release/ballast bench …`);
/// `scripts/bench` builds it and runs every bench into `bench-out/`.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run the built-in benchmarks (use a release build).",
        discussion: """
        Each bench prints its measurements and the machine's core count. Results and the exact \
        commands are in docs/benchmarks.md; scripts/bench runs them all into bench-out/.
        """,
        subcommands: [Blueprint.self, Engine.self, Redis.self, PlanScale.self, ApplyScale.self, ControllerLoop.self]
    )

    /// Options every bench shares.
    struct Common: ParsableArguments {
        @Option(help: "Output format: text or json.")
        var format: Format = .text

        @Option(name: .customLong("json-out"), help: "Also write the results as JSON to FILE.")
        var jsonOut: String?

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case text, json
        }

        func emit(_ report: BenchReport) throws {
            if let jsonOut { try BallastCLI.emit(report.render(.json), to: jsonOut) }
            try BallastCLI.emit(report.render(format == .json ? .json : .text), to: nil)
        }
    }

    static func sizes(_ text: String) throws -> [Int] {
        let sizes = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")) }
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("sizes are positive whole numbers separated by commas, like 100,1000,10000")
        }
        return sizes
    }

    /// `ballast bench blueprint`
    struct Blueprint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "validate and show on generated blueprints of 100, 1,000 and 10,000 services, against libyaml alone.")

        @Option(help: "Numbers of services, comma-separated.")
        var sizes = "100,1000,10000"

        @Option(help: "Runs per measurement; the best is reported.")
        var runs = 3

        @Option(help: "The policies folder the generated blueprints refer to.")
        var policies = "policies"

        @Option(help: "The libyaml baseline program (built by scripts/bench from scripts/bench-libyaml.c).")
        var libyaml: String?

        @Option(help: "Keep the generated blueprints in this folder instead of a temporary one.")
        var keep: String?

        @Option(name: .customLong("group-size"), help: "Services per shared Key Value + Postgres pair (default 50).")
        var groupSize: Int?

        @OptionGroup var common: Common

        func run() async throws {
            let bench = BlueprintBench(sizes: try BenchCommand.sizes(sizes), runs: max(1, runs), policiesFolder: policies,
                                       libyamlTool: libyaml, keepFolder: keep, groupSize: groupSize.map { max(1, $0) })
            try common.emit(try bench.run())
        }
    }

    /// `ballast bench engine`
    struct Engine: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Scaling decisions per second for one service and for ticks of 1,000 services with 5 rules each.")

        @Option(help: "Numbers of services per tick, comma-separated.")
        var services = "1,1000"

        @Option(help: "Measured ticks (after a warm-up that fills the policy windows).")
        var ticks = 200

        @Option(help: "The policies folder (web-default is measured too when found).")
        var policies = "policies"

        @OptionGroup var common: Common

        func run() async throws {
            let bench = EngineBench(services: try BenchCommand.sizes(services), ticks: max(1, ticks), policiesFolder: policies)
            try common.emit(try bench.run())
        }
    }

    /// `ballast bench redis`
    struct Redis: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue reads for 100 queues: one round trip each vs one pipelined round trip (starts its own redis-server).")

        @Option(help: "Number of queues.")
        var queues = 100

        @Option(help: "Timed reads of all queues per row.")
        var samples = 200

        @Option(help: "Jobs put in each queue.")
        var jobs = 50

        @Option(name: .customLong("redis-server"), help: "The redis-server program.")
        var redisServer = "/usr/bin/redis-server"

        @OptionGroup var common: Common

        func run() async throws {
            let bench = RedisBench(queues: max(1, queues), samples: max(1, samples), jobsPerQueue: max(1, jobs), serverPath: redisServer)
            try common.emit(try await bench.run())
        }
    }
}
