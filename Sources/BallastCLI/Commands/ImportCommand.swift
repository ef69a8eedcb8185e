import ArgumentParser
import Blueprint
import Foundation

/// `ballast import`: a Render Blueprint (`render.yaml`) as a Ballast blueprint.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert a Render Blueprint (render.yaml) into a Ballast blueprint.",
        discussion: "Every key that cannot be carried over is reported as a warning. Exit 1 when the file cannot be read.")

    @Argument(help: "The render.yaml file.")
    var renderYAML: String

    @Option(name: .long, help: "Write the blueprint here instead of standard output.")
    var out: String?

    @Option(name: .long, help: "Project name for the blueprint (default: the file's folder or name).")
    var project: String?

    func run() async throws {
        let lines = SourceFiles.LineSource()
        switch SourceFiles.read(renderYAML, what: "Render Blueprint") {
        case .failure(let diagnostic):
            printError(DiagnosticsReportPrinter.text(Diagnostics([diagnostic]), lines: lines))
            throw ExitCode(1)
        case .success(let bytes):
            let url = URL(fileURLWithPath: renderYAML)
            var name = project ?? url.deletingPathExtension().lastPathComponent
            if project == nil, name == "render" { name = url.deletingLastPathComponent().lastPathComponent }
            if project == nil, let range = name.range(of: "__render") { name = String(name[..<range.lowerBound]) }
            let result = RenderBlueprintImporter.convert(bytes, file: renderYAML, project: name.isEmpty ? "imported" : name)
            let report = DiagnosticsReportPrinter.text(result.diagnostics, lines: lines)
            if !report.isEmpty { printError(report) }
            guard let yaml = result.yaml else { throw ExitCode(1) }
            try emit(yaml, to: out)
            if let out { printError("Wrote \(out) with \(result.diagnostics.warningCount) warning\(result.diagnostics.warningCount == 1 ? "" : "s").") }
        }
    }
}
