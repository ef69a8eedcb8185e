import ArgumentParser
import Blueprint

/// `ballast catalog`: prints the built-in pricing catalog, to read or to copy and edit for `--catalog`.
struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Print the built-in pricing catalog (copy it, edit it, pass it with --catalog).")

    @Option(name: .long, help: "Check this catalog file instead of printing the built-in one.")
    var check: String?

    func run() async throws {
        guard let path = check else {
            try emit(Catalog.builtinYAML, to: nil)
            return
        }
        var diagnostics = Diagnostics()
        _ = Workspace.loadCatalog(path, into: &diagnostics)
        DiagnosticsReportPrinter.text(diagnostics, lines: SourceFiles.LineSource()).write(toStandardError: ())
        if diagnostics.hasErrors { throw ExitCode(1) }
        printError("Success! The catalog is valid.")
    }
}

extension String {
    func write(toStandardError: Void) {
        if !isEmpty { printError(self) }
    }
}
