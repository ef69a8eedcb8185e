import Blueprint
import Foundation
import Reports

/// `ballast bench blueprint`: `validate` and `show` on generated blueprints of growing size, against
/// libyaml parsing the same file alone.
///
/// Per size it measures, in-process and best of `runs`: libyaml's event parse alone (the C program
/// `scripts/bench-libyaml.c`, when given), `YAMLReader.parse` (libyaml events plus our node tree
/// with marks), `Blueprint.parse`, `validate` (read + parse + every environment resolved and
/// checked) and `show` (one environment resolved, rendered as JSON); then the real command
/// `ballast validate FILE` as a child process, for its wall time and peak memory.
struct BlueprintBench {
    var sizes: [Int]
    var runs: Int
    var policiesFolder: String
    var libyamlTool: String?
    var keepFolder: String?
    /// Services per shared pair of datastores (nil: the generator's default).
    var groupSize: Int?

    func run() throws -> BenchReport {
        var report = BenchReport(bench: "blueprint", columns: [
            "services", "file MB", "libyaml ms", "YAMLReader ms", "parse ms", "validate ms", "validate CPU ms", "x libyaml",
            "µs/service", "show ms", "peak MB", "cmd s", "cmd peak MB", "cmd exit",
        ])
        let policies = Workspace.loadPolicies(policiesFolder)
        guard !policies.scale.isEmpty else {
            throw CLIError("no scale policies in '\(policiesFolder)': run from the repository root or pass --policies")
        }
        let catalog = Catalog.builtin()
        let folder = try keepFolder ?? Self.temporaryFolder()
        defer { if keepFolder == nil { try? FileManager.default.removeItem(atPath: folder) } }

        var perService: [(Int, Double)] = []
        var worstRatio: (Int, Double)?
        for size in sizes {
            let generator = BlueprintGenerator(services: size, groupSize: groupSize ?? BlueprintGenerator.defaultGroupSize)
            let path = (folder as NSString).appendingPathComponent("bench-\(size).yaml")
            try Data(generator.yaml().utf8).write(to: URL(fileURLWithPath: path))
            let fileBytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0

            let libyaml = try libyamlTool.map { try Self.libyamlSeconds(tool: $0, file: path, runs: runs) }

            BenchMachine.resetPeakRSS()
            let validate = try Stopwatch.best(of: runs) { () throws -> Diagnostics in
                guard case .success(let bytes) = SourceFiles.read(path, what: "blueprint") else {
                    throw CLIError("cannot read the generated blueprint '\(path)'")
                }
                let (blueprint, parsed) = Blueprint.parse(bytes, file: path)
                var diagnostics = parsed
                if let blueprint {
                    diagnostics.append(contentsOf: blueprint.validateAll(catalog: catalog, policies: policies))
                }
                return diagnostics
            }
            let peak = BenchMachine.peakRSS()
            if validate.value.hasErrors {
                let first = validate.value.items.first { $0.severity == .error }.map { "\($0.summary): \($0.detail)" } ?? ""
                report.note("\(size) services: the generated blueprint has errors (\(first.prefix(160))…)")
            }

            guard case .success(let bytes) = SourceFiles.read(path, what: "blueprint") else {
                throw CLIError("cannot read the generated blueprint '\(path)'")
            }
            let reader = Stopwatch.best(of: runs) { YAMLReader.parse(bytes).root != nil }
            let parse = Stopwatch.best(of: runs) { Blueprint.parse(bytes, file: path).0 }
            guard let blueprint = parse.value else { throw CLIError("the generated blueprint did not parse") }
            let show = Stopwatch.best(of: runs) { () -> Int in
                let (resolved, _) = blueprint.resolve(environment: "production", catalog: catalog, policies: policies)
                guard let resolved else { return 0 }
                return DesiredStateReport(resolved, catalog: catalog).json().utf8.count
            }

            let command = try ChildProcess.run([ChildProcess.currentExecutable, "validate", path, "--policies", policiesFolder])

            let ratio = libyaml.map { validate.cpu / $0.cpu }
            if let ratio, worstRatio == nil || ratio > worstRatio!.1 { worstRatio = (size, ratio) }
            perService.append((size, validate.cpu / Double(size) * 1e6))
            report.add([
                .int(size), .number(Double(fileBytes) / 1_048_576, digits: 2),
                libyaml.map { .number($0.cpu * 1000, digits: 1) } ?? .text("-"),
                .number(reader.cpu * 1000, digits: 1), .number(parse.cpu * 1000, digits: 1),
                .number(validate.seconds * 1000, digits: 1), .number(validate.cpu * 1000, digits: 1),
                ratio.map { .number($0, digits: 1) } ?? .text("-"),
                .number(validate.cpu / Double(size) * 1e6, digits: 1),
                .number(show.cpu * 1000, digits: 1), BenchMachine.megabytes(peak),
                .number(command.seconds, digits: 2), BenchMachine.megabytes(command.peakRSS), .int(Int(command.exitCode)),
            ])
        }

        report.note("services in threes (Node API, Python AI service, BullMQ worker) with env vars, uses, overlays and production scaling; every \(groupSize ?? BlueprintGenerator.defaultGroupSize) services share a Key Value and a Supabase Postgres")
        report.note("libyaml: scripts/bench-libyaml.c, libyaml's event parse alone from memory; YAMLReader: libyaml events + our node tree with marks; parse: Blueprint.parse")
        report.note("validate: read + Blueprint.parse + validateAll (both environments resolved and checked); show: resolve production + DesiredStateReport.json()")
        report.note("best of \(runs) runs; ms columns are CPU time except `validate ms` (wall); x libyaml = validate CPU / libyaml CPU; peak MB = VmHWM during validate (reset before); cmd = `ballast validate FILE` as a child process (wall incl. start-up, ru_maxrss)")
        if let worstRatio {
            let met = worstRatio.1 <= 5
            report.note("target validate within 5x libyaml alone: \(met ? "met" : "MISSED") (worst \(BenchFormat.fixed(worstRatio.1, digits: 1))x at \(worstRatio.0) services)")
        } else {
            report.note("libyaml baseline not run: pass --libyaml PATH (scripts/bench builds it from scripts/bench-libyaml.c)")
        }
        if let first = perService.first, let last = perService.last, perService.count > 1 {
            report.note("growth: validate \(BenchFormat.fixed(first.1, digits: 1)) µs/service at \(first.0), \(BenchFormat.fixed(last.1, digits: 1)) µs/service at \(last.0) (ratio \(BenchFormat.fixed(last.1 / first.1, digits: 2)); 1.0 is linear)")
        }
        return report
    }

    static func temporaryFolder() throws -> String {
        let folder = NSTemporaryDirectory() + "ballast-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Runs the C baseline: its output is "<wall seconds> <cpu seconds> <events>".
    static func libyamlSeconds(tool: String, file: String, runs: Int) throws -> (wall: Double, cpu: Double) {
        let result = try ChildProcess.run([tool, file, String(runs)])
        let fields = result.output.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
        guard result.exitCode == 0, fields.count >= 2 else {
            throw CLIError("the libyaml baseline '\(tool)' failed (exit \(result.exitCode)); build it with scripts/bench")
        }
        return (fields[0], fields[1])
    }
}
