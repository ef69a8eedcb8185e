import ArgumentParser
import Blueprint
import Foundation
import Reports
import Scaling
import Simulation

/// `ballast simulate`: replays a traffic trace through a service model under a scale policy (the
/// same `ScalingEngine` the controller runs) and the baselines, and reports cost, SLO and the SPEC
/// RG elasticity metrics side by side. The file reading happens here; `Simulation` only computes.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Backtest a scale policy on a traffic trace against baselines and the offline optimum.",
        discussion: """
        The trace is `timestamp,value` CSV (arrivals per interval), resampled to --interval. Each instance serves \
        --capacity requests (or jobs) per second; new instances boot for --boot (billed, not serving); the policy \
        sees metrics --metric-delay old. SLOs: `p95<=2s` (estimated p95 latency, M/M/1 per instance), `wait<=60s` \
        (oldest queued job) or `util<=85%` (utilisation, no backlog). The model and the optimum are described in \
        docs/simulation.md.
        """)

    @Option(name: .long, help: "The trace: a `timestamp,value` CSV file of arrivals per interval.")
    var trace: String

    @Option(name: .long, help: "The blueprint file (YAML).")
    var blueprint: String

    @Option(name: .long, help: "The environment to resolve (e.g. production).")
    var env: String?

    @Option(name: .long, help: "The service to simulate.")
    var service: String

    @Option(name: .long, help: "A scale policy from policies/ (repeat to compare several; default: the service's policy; `none` for baselines only).")
    var policy: [String] = []

    @Option(name: .long, help: "Requests or jobs per second one instance serves (default: the trace's peak needs --max instances at 70 %).")
    var capacity: Double?

    @Option(name: .long, help: "Multiply the trace's values by this factor (size a trace to the service).")
    var scale: Double = 1

    @Option(name: .long, help: "Boot time of a new instance (billed, not serving).")
    var boot: String = "60s"

    @Option(name: .long, help: "The controller interval; the trace is resampled to it.")
    var interval: String = "15s"

    @Option(name: .long, help: "How old the newest metric the policy sees is.")
    var metricDelay: String = "30s"

    @Option(name: .long, help: "p95<=2s, wait<=60s or util<=85% (default: p95<=2s for web services, wait<=60s for workers).")
    var slo: String?

    @Option(name: .long, help: "Comma-separated: static-peak, static-mean, hpa-cpu70, render-native, optimal (or none).")
    var baselines: String = "static-peak,static-mean,hpa-cpu70,render-native,optimal"

    @Option(name: .long, help: "Override the blueprint's scaling.min.")
    var min: Int?

    @Option(name: .long, help: "Override the blueprint's scaling.max.")
    var max: Int?

    @Option(name: .long, help: "A pricing catalog file to use instead of the built-in one.")
    var catalog: String?

    @Option(name: .long, help: "The folder of policy files (default: ./policies, else policies/ beside the blueprint's folder).")
    var policies: String?

    @Option(name: .long, help: "text, json or html.")
    var format: Format = .text

    /// The report formats of simulate (help listed markdown and yaml too, then validation refused them).
    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, html }

    @Option(name: .long, help: "Write the report to this file instead of standard output.")
    var out: String?

    func validate() throws {
        for (name, value) in [("--boot", boot), ("--interval", interval), ("--metric-delay", metricDelay)] {
            guard let seconds = SLO.parseDuration(value), seconds >= 0 else { throw ValidationError("\(name) '\(value)' is not a duration (e.g. 60s, 1m).") }
            if name == "--interval" && seconds <= 0 { throw ValidationError("--interval must be positive.") }
        }
        if !(scale > 0) { throw ValidationError("--scale must be positive.") }
        if let capacity, !(capacity > 0) { throw ValidationError("--capacity must be a positive number of requests per second.") }
    }

    func run() async throws {
        let workspace = Workspace.load(blueprintPath: blueprint, catalogPath: catalog, policiesPath: policies)
        let environment = try workspace.requireResolved(env)
        guard let spec = environment.service(named: service) else {
            throw CLIError("no service '\(service)' in \(environment.environment); services: \(environment.services.map(\.name).joined(separator: ", "))")
        }

        let text: String
        do {
            text = try String(contentsOfFile: trace, encoding: .utf8)
        } catch {
            throw CLIError("cannot read the trace '\(trace)': \(error.localizedDescription)")
        }
        let name = URL(fileURLWithPath: trace).deletingPathExtension().lastPathComponent
        let loaded: Trace
        do {
            loaded = try Trace.parse(text, name: name).scaled(by: scale)
        } catch {
            throw CLIError("\(trace):\(error.line > 0 ? "\(error.line):" : "") \(error.message)")
        }

        // Policies: named, else the service's own (render-native is a baseline, not a file).
        var names = policy.isEmpty ? [spec.scaling?.policy].compactMap { $0 } : policy
        names.removeAll { $0 == "none" || $0 == ScalingSpec.renderNative }
        var scalePolicies: [ScalePolicy] = []
        for name in names {
            guard let found = workspace.policies.scale[name] else {
                let known = workspace.policies.scale.keys.sorted().joined(separator: ", ")
                throw CLIError("no scale policy '\(name)' in the policies folder" + (known.isEmpty ? "" : "; known: \(known)"))
            }
            scalePolicies.append(found)
            for metric in found.metricNames where !Simulator.metricNames.contains(metric) {
                printError("warning: policy '\(name)' reads '\(metric)', which the simulation does not model (it models \(Simulator.metricNames.joined(separator: ", "))); rules on it see it as unavailable.")
            }
        }

        let lo = min ?? spec.scaling?.min ?? Swift.max(spec.instances, 1)
        let hi = max ?? spec.scaling?.max ?? Swift.max(spec.instances, 1)
        let dt = SLO.parseDuration(interval)!
        let sloValue = try slo.map { s throws(SimulationError) in try SLO.parse(s) } ?? (spec.type == .worker ? .oldestJob(60) : .latencyP95(2))
        let peakRate = loaded.peak / loaded.interval
        let perInstance = capacity ?? Swift.max(peakRate / (0.7 * Double(Swift.max(hi, 1))), 1e-6)
        let model = ServiceModel(capacity: perInstance, boot: SLO.parseDuration(boot)!, interval: dt,
                                 metricDelay: SLO.parseDuration(metricDelay)!, min: lo, max: hi, slo: sloValue)
        let price = workspace.catalog.monthlyPrice(ofPlan: spec.plan)
        if price == nil { printError("warning: plan '\(spec.plan)' is not in the catalog; costs are shown as $0.") }
        let target = spec.scaling?.targetCPUPercent.map { Double($0) / 100 } ?? 0.7

        let report: SimulationReport
        do {
            report = try Backtest.run(trace: loaded, service: service, model: model, policies: scalePolicies,
                                      baselines: try Baseline.parseList(baselines), pricePerInstanceMonth: price ?? 0,
                                      hoursPerMonth: workspace.catalog.hoursPerMonth, renderNativeTarget: target)
        } catch {
            throw CLIError(error.description)
        }
        switch format {
        case .json: try emit(SimulationView.json(report), to: out)
        case .html: try emit(SimulationView.html(report), to: out)
        case .text: try emit(SimulationView.text(report), to: out)
        }
    }
}
