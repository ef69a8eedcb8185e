import ArgumentParser
import Foundation
import Hosting

/// `ballast sandbox`: the built-in emulation of Render's API.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run the built-in Render API sandbox.",
        subcommands: [Serve.self]
    )

    /// `ballast sandbox serve`: Render's API at http://HOST:PORT/v1, state in DIR.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Serve the sandbox over HTTP as Render's API (/v1/...), plus POST /_sandbox/load.",
            discussion: """
            Point Ballast (or curl) at it with RENDER_API_URL=http://127.0.0.1:PORT/v1 and any RENDER_API_KEY.
            State is shared with `--sandbox DIR` on the other commands.
            """
        )

        @Option(help: "Port to listen on (0 picks a free one).")
        var port: Int = 10000

        @Option(help: "Address to listen on.")
        var host: String = "127.0.0.1"

        @Option(name: .customLong("state"), help: "Directory holding the sandbox state.")
        var state: String = Sandbox.defaultDirectory

        @Option(name: .customLong("rate-limits"), help: "Enforce Render's rate limits: on or off.")
        var rateLimits: Toggle = .on

        @Option(help: "Latency added to every API request, in milliseconds.")
        var latency: Int = 0

        @Option(name: .customLong("fault-rate"), help: "Fraction of API requests answered 500/503/429 or cut (0...1).")
        var faultRate: Double = 0

        @Option(help: "Seed for fault injection, so runs are reproducible.")
        var seed: UInt64 = 1

        @Option(help: "Append every request and response to FILE as JSON lines.")
        var record: String?

        @Option(name: .customLong("boot-delay"), help: "Seconds before new instances serve (after create, scale, resume).")
        var bootDelay: Double = 0

        enum Toggle: String, ExpressibleByArgument {
            case on, off
        }

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535.") }
            guard (0...1).contains(faultRate) else { throw ValidationError("--fault-rate must be between 0 and 1.") }
            guard latency >= 0 else { throw ValidationError("--latency must not be negative.") }
            guard bootDelay >= 0 else { throw ValidationError("--boot-delay must not be negative.") }
        }

        func run() async throws {
            let sandbox = try Sandbox(directory: state, options: SandboxOptions(bootDelay: bootDelay))
            let options = SandboxServerOptions(rateLimits: rateLimits == .on, latencyMs: latency, faultRate: faultRate, seed: seed,
                                               recordPath: record)
            let server = try SandboxServer(sandbox: sandbox, host: host, port: port, options: options)
            let owner = try sandbox.defaultOwnerId()
            let host = self.host
            let state = self.state
            try await server.run { boundPort in
                let banner = """
                Render API sandbox listening on http://\(host):\(boundPort)/v1 (state: \(state), workspace: \(owner))
                  export RENDER_API_URL=http://\(host):\(boundPort)/v1 RENDER_API_KEY=rnd_sandbox
                  curl -H "Authorization: Bearer rnd_sandbox" http://\(host):\(boundPort)/v1/services
                Press Ctrl-C to stop.

                """
                // Unbuffered, so a script waiting for the banner sees it at once.
                FileHandle.standardOutput.write(Data(banner.utf8))
            }
        }
    }
}
