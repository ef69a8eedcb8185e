import ArgumentParser
import Blueprint
import Foundation

/// The options every command that reads a blueprint shares.
struct BlueprintOptions: ParsableArguments {
    @Argument(help: "The blueprint file (YAML).")
    var blueprint: String

    @Option(name: .long, help: "The environment to resolve (development, production, …).")
    var env: String?

    @Option(name: .long, help: "A pricing catalog file to use instead of the built-in one (see `ballast catalog`).")
    var catalog: String?

    @Option(name: .long, help: "The folder of policy files (default: ./policies, else policies/ beside the blueprint's folder).")
    var policies: String?
}

/// Everything a command needs from configuration: the blueprint, catalog and policies, loaded once.
struct Workspace {
    var blueprint: Blueprint?
    var catalog: Catalog
    var policies: PolicyLibrary
    /// Problems found while reading files (blueprint, catalog, policies).
    var diagnostics: Diagnostics
    let lines = SourceFiles.LineSource()

    static func load(_ options: BlueprintOptions) -> Workspace {
        load(blueprintPath: options.blueprint, catalogPath: options.catalog, policiesPath: options.policies)
    }

    static func load(blueprintPath: String, catalogPath: String?, policiesPath: String?) -> Workspace {
        var diagnostics = Diagnostics()
        let catalog = loadCatalog(catalogPath, into: &diagnostics)
        if let policiesPath, let missing = missingPoliciesFolder(policiesPath) { diagnostics.append(missing) }
        let policies = loadPolicies(policiesPath ?? defaultPoliciesFolder(for: blueprintPath))
        diagnostics.append(contentsOf: policies.diagnostics)
        var blueprint: Blueprint?
        switch SourceFiles.read(blueprintPath, what: "blueprint") {
        case .failure(let diagnostic):
            diagnostics.append(diagnostic)
        case .success(let bytes):
            let (parsed, found) = Blueprint.parse(bytes, file: blueprintPath)
            blueprint = parsed
            diagnostics.append(contentsOf: found)
        }
        return Workspace(blueprint: blueprint, catalog: catalog ?? Catalog.builtin(), policies: policies, diagnostics: diagnostics)
    }

    static func loadCatalog(_ path: String?, into diagnostics: inout Diagnostics) -> Catalog? {
        guard let path else { return Catalog.builtin() }
        switch SourceFiles.read(path, what: "catalog") {
        case .failure(let diagnostic):
            diagnostics.append(diagnostic)
            return nil
        case .success(let bytes):
            let (catalog, found) = Catalog.parse(String(decoding: bytes, as: UTF8.self), file: path)
            diagnostics.append(contentsOf: found)
            return catalog
        }
    }

    static func defaultPoliciesFolder(for blueprintPath: String) -> String {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: "policies", isDirectory: &isDirectory), isDirectory.boolValue { return "policies" }
        let beside = URL(fileURLWithPath: blueprintPath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("policies").path
        return beside
    }

    /// Why a folder given with --policies cannot be one (it does not exist or is a file), else nil.
    /// Read as an empty library, it made every policy name of the blueprint "unknown" instead.
    static func missingPoliciesFolder(_ path: String) -> Diagnostic? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return Diagnostic(.error, "Folder not found", detail: "There is no policies folder at '\(path)' (--policies).", path: "", range: nil)
        }
        guard isDirectory.boolValue else {
            return Diagnostic(.error, "Not a folder", detail: "'\(path)' is a file; --policies takes the folder of policy files.", path: "", range: nil)
        }
        return nil
    }

    /// Reads every `*.yaml`/`*.yml` file of a folder; a missing folder is an empty library.
    static func loadPolicies(_ folder: String) -> PolicyLibrary {
        var library = PolicyLibrary()
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: folder) else { return library }
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let path = (folder as NSString).appendingPathComponent(name)
            switch SourceFiles.read(path, what: "policy file") {
            case .failure(let diagnostic): library.report(diagnostic)
            case .success(let bytes): library.add(bytes, file: path)
            }
        }
        return library
    }

    /// One environment resolved, with the loading diagnostics in front.
    func resolve(_ environment: String?) -> (ResolvedEnvironment?, Diagnostics) {
        var all = diagnostics
        guard let blueprint else { return (nil, all) }
        // Without --env the base alone would be resolved (as `default`): a plan of it against a
        // workspace where the declared environments run adopts their services by name and proposes
        // to shrink them to the base. One declared environment is taken as meant; several need a name.
        if environment == nil, blueprint.environments.count > 1, let first = blueprint.environments.first {
            let names = blueprint.environmentNames
            all.append(Diagnostic(.error, "No environment given",
                                  detail: "This blueprint declares \(names.count) environments (\(names.joined(separator: ", "))); "
                                      + "name one with --env, e.g. --env \(names.last!).",
                                  path: "environments", range: .init(filename: blueprint.file, start: first.keyMark)))
            return (nil, all)
        }
        let (resolved, found) = blueprint.resolve(environment: environment, catalog: catalog, policies: policies)
        all.append(contentsOf: found)
        return (resolved, all)
    }

    /// Prints diagnostics to standard error in Terraform's style.
    func printDiagnostics(_ diagnostics: Diagnostics) {
        guard !diagnostics.items.isEmpty else { return }
        let report = DiagnosticsReportPrinter.text(diagnostics, lines: lines)
        FileHandle.standardError.write(Data(report.utf8))
    }

    /// Resolves an environment for commands that cannot go on with errors: prints the diagnostics
    /// and exits 1 when there are errors, prints warnings and returns otherwise.
    func requireResolved(_ environment: String?) throws -> ResolvedEnvironment {
        let (resolved, diagnostics) = resolve(environment)
        printDiagnostics(diagnostics)
        guard let resolved, !diagnostics.hasErrors else {
            throw ExitCode(1)
        }
        return resolved
    }
}

extension ResolvedEnvironment {
    /// The names a `NAME=URL` Redis option may give: the keyvalue datastores and the Redis names the
    /// services' queue bindings use.
    var queueRedisNames: [String] {
        var names = datastores.filter { $0.type == .keyvalue }.map(\.name)
        for name in services.compactMap({ $0.scaling?.queue?.redis }) where !names.contains(name) { names.append(name) }
        return names
    }

    /// Refuses `flag NAME=URL` when NAME is none of ``queueRedisNames`` (a typo was silently ignored and
    /// every queue read as "no Redis connection"). The URL is not shown: it may hold a password.
    func checkQueueRedisName(_ name: String, flag: String) throws {
        let known = queueRedisNames
        guard !known.contains(name) else { return }
        var message = "\(flag) \(name)=…: '\(name)' is not a keyvalue datastore of \(environment)"
        message += known.isEmpty ? " (it has none)" : " (known: \(known.joined(separator: ", ")))"
        if let hint = closestMatch(to: name, in: known) { message += "; did you mean '\(hint)'?" }
        throw CLIError(message)
    }
}
