import Foundation
import KernelModel
import XCTest

@testable import FtrLint

/// The HTML matrix in a real headless browser (Debian's chromium): the page loads, its script runs, and
/// the DOM it ends with has a cell and a table row for every field.
final class HtmlMatrixTests: XCTestCase {
    /// Debian's chromium, which scripts/install-deps installs; the test skips only where it could not.
    static func chromium() throws -> String {
        for path in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        where FileManager.default.isExecutableFile(atPath: path) { return path }
        throw XCTSkip("no chromium: scripts/install-deps could not install Debian's")
    }

    /// Loads `html` in headless chromium and returns the DOM after its scripts ran.
    static func dumpDOM(_ html: String, screenshot: String? = nil) throws -> String {
        let browser = try chromium()
        let dir = NSTemporaryDirectory() + "ftrlint-html-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let page = dir + "/matrix.html"
        try html.write(toFile: page, atomically: true, encoding: .utf8)
        let common = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--user-data-dir=\(dir)/profile", "--window-size=1600,1000",
        ]
        if let screenshot {
            _ = try TestProcess.run([browser] + common + ["--screenshot=\(screenshot)", "file://" + page], timeout: 120)
        }
        let r = try TestProcess.run([browser] + common + ["--dump-dom", "file://" + page], timeout: 120)
        XCTAssertEqual(r.status, 0, r.error)
        return r.output
    }

    func testRendersEveryFieldInABrowser() throws {
        let m = MatrixSamples.matrix
        let dom = try Self.dumpDOM(
            MatrixFormat.html.render(m),
            screenshot: ProcessInfo.processInfo.environment["FTRLINT_HTML_SCREENSHOT"])
        try Self.assertRendered(dom, m)
    }

    static func assertRendered(_ dom: String, _ m: FieldMatrix, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertTrue(
            dom.contains("<html lang=\"en\" data-ready=\"1\">"), "the page's script ran to its end", file: file, line: line)
        for r in m.rows {
            XCTAssertTrue(dom.contains("data-key=\"\(r.key)\""), "cell \(r.key)", file: file, line: line)
            XCTAssertTrue(dom.contains("data-row=\"\(r.key)\""), "row \(r.key)", file: file, line: line)
        }
        XCTAssertEqual(
            dom.components(separatedBy: "<button type=\"button\" class=\"cell ").count - 1, m.rows.count,
            "one grid cell per field", file: file, line: line)
        for reg in m.registers {
            XCTAssertTrue(dom.contains("data-register=\"\(reg.name)\""), reg.name, file: file, line: line)
        }
    }
}
