import Costing
import Foundation
import Reports
import Testing

/// Headless Chromium (Debian's `chromium`), when installed.
enum Chromium {
    static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs Chromium headless with `arguments`; returns standard output (through a file, so a large
    /// DOM cannot fill a pipe). Killed after 60 s.
    static func run(_ arguments: [String]) throws -> String {
        let outputURL = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("ballast-chromium-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outputURL) }
        let profile = NSTemporaryDirectory() + "ballast-chromium-profile-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let output = try FileHandle(forWritingTo: outputURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path!)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                             "--no-first-run", "--user-data-dir=" + profile] + arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try output.close()
        return String(decoding: try Data(contentsOf: outputURL), as: UTF8.self)
    }
}

@Suite("HTML report in a browser", .enabled(if: Chromium.path != nil, "needs Debian's chromium"), .serialized)
struct HTMLRenderingTests {
    @Test func rendersNonBlankWithTheKeyNumbersInTheDOM() throws {
        let projection = fullProjection()
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("ballast-cost-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = folder.appendingPathComponent("cost.html")
        let blank = folder.appendingPathComponent("blank.html")
        try Data(CostReport.html(projection).utf8).write(to: report)
        try Data("<!DOCTYPE html><html><body></body></html>".utf8).write(to: blank)

        // The DOM after rendering holds the numbers a reader checks.
        let dom = try Chromium.run(["--dump-dom", report.absoluteString])
        #expect(dom.contains("<svg"))
        for number in [projection.totals.expected, projection.totals.min, projection.totals.max, projection.budget!.monthly,
                       projection.actuals!.monthToDate, projection.actuals!.projectedMonthEnd] {
            #expect(dom.contains(number.formatted), "\(number.formatted) missing from the DOM")
        }
        for service in projection.services { #expect(dom.contains(service.name)) }

        // The screenshot is not blank: far more image data than an empty page of the same size.
        let shot = folder.appendingPathComponent("cost.png"), empty = folder.appendingPathComponent("blank.png")
        _ = try Chromium.run(["--screenshot=" + shot.path, "--window-size=1100,1800", report.absoluteString])
        _ = try Chromium.run(["--screenshot=" + empty.path, "--window-size=1100,1800", blank.absoluteString])
        let image = try Data(contentsOf: shot), baseline = try Data(contentsOf: empty)
        #expect(image.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(image.count > 20_000)
        #expect(image.count > baseline.count * 5, "screenshot \(image.count) bytes vs blank \(baseline.count)")
    }
}
