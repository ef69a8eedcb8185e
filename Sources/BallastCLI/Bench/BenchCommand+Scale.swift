import ArgumentParser
import Foundation

extension BenchCommand {
    /// `ballast bench plan`
    struct PlanScale: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "plan",
            abstract: "plan on an unchanged environment of 100, 1,000 and 5,000 services in the sandbox server with 40 ms latency: time and API calls.")

        @Option(help: "Numbers of services, comma-separated.")
        var sizes = "100,1000,5000"

        @Option(help: "Latency the sandbox server adds to every API request, in milliseconds.")
        var latency = 40

        @Option(help: "The policies folder the generated blueprints refer to.")
        var policies = "policies"

        @OptionGroup var common: Common

        func run() async throws {
            let bench = PlanBench(sizes: try BenchCommand.sizes(sizes), latencyMs: max(0, latency), policiesFolder: policies)
            try common.emit(try await bench.run())
        }
    }

    /// `ballast bench apply`
    struct ApplyScale: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "apply",
            abstract: "apply 1,000 changes against the sandbox server with Render's rate limits on: time and 429s received.")

        @Option(help: "Services to change (one change each: start command and an env var).")
        var services = 1000

        @Option(help: "Latency the sandbox server adds to every API request, in milliseconds.")
        var latency = 40

        @Option(name: .customLong("time-scale"), help: "Divide every rate-limit window by this (1 = Render's real limits: 1,000 writes take 33 minutes).")
        var timeScale = 30.0

        @Option(help: "Changes in flight at once.")
        var parallelism = 10

        @Option(help: "The policies folder the generated blueprints refer to.")
        var policies = "policies"

        @OptionGroup var common: Common

        func validate() throws {
            guard timeScale >= 1 else { throw ValidationError("--time-scale must be at least 1.") }
        }

        func run() async throws {
            let bench = ApplyBench(services: max(1, services), latencyMs: max(0, latency), timeScale: timeScale,
                                   parallelism: max(1, parallelism), policiesFolder: policies)
            try common.emit(try await bench.run())
        }
    }
}

extension BenchCommand {
    /// `ballast bench controller`
    struct ControllerLoop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "controller",
            abstract: "The controller over 1,000 sandbox services with changing load for 10,000 ticks: tick time p50/p99 and memory.")

        @Option(help: "Services in the sandbox.")
        var services = 1000

        @Option(help: "Ticks to run (15 s of simulated time each).")
        var ticks = 10_000

        @Option(help: "The policies folder the generated blueprint refers to.")
        var policies = "policies"

        @Flag(name: .customLong("malloc-trim"),
              help: "At each memory sample also give glibc's free memory back (malloc_trim) and report what stays: live data apart from fragmentation.")
        var mallocTrim = false

        @OptionGroup var common: Common

        func run() async throws {
            let bench = ControllerBench(services: max(1, services), ticks: max(1, ticks), policiesFolder: policies, trim: mallocTrim)
            try common.emit(try await bench.run())
        }
    }
}
