import Blueprint
import Foundation

/// Paths of the repository and the shared material, found from this file's location.
enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = root.appendingPathComponent("Tests/BlueprintTests/Fixtures")
    static let shared = root.deletingLastPathComponent().appendingPathComponent("shared")

    static func bytes(_ url: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url))
    }

    /// The repository's own `policies/` folder as a library.
    static func policies() throws -> PolicyLibrary {
        var library = PolicyLibrary()
        let folder = root.appendingPathComponent("policies")
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where name.hasSuffix(".yaml") {
            library.add(try bytes(folder.appendingPathComponent(name)), file: "policies/" + name)
        }
        return library
    }

    static func resolve(_ text: String, env: String? = nil, policies: PolicyLibrary = PolicyLibrary()) -> (ResolvedEnvironment?, Diagnostics) {
        let (blueprint, parseDiagnostics) = Blueprint.parse(text, file: "test.yaml")
        guard let blueprint else { return (nil, parseDiagnostics) }
        var (resolved, diagnostics) = blueprint.resolve(environment: env, catalog: .builtin(), policies: policies)
        diagnostics = Diagnostics(parseDiagnostics.items + diagnostics.items)
        return (resolved, diagnostics)
    }
}
