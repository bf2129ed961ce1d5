import Foundation
#if canImport(FtrLint)
@testable import FtrLint
#endif

/// The patch parser of `check --b4` (GitPatch, in the FtrLint executable module) under the same contract as
/// the other parsers (FuzzHarness): parse; on success apply the patch to a stand-in tree; every failure is one
/// line. Compiled into the test target (with FtrLint imported) and, with GitPatch.swift beside it, into the
/// fuzz-patch executable of the Fuzz/ package.
enum FuzzPatchHarness {
    /// The text every file of the stand-in tree has: lines a fuzzed hunk's context can match.
    static let file = (1...40).map { "line \($0)" }.joined(separator: "\n") + "\n"

    /// Whether the input parsed.
    @discardableResult
    static func patch(_ data: Data) -> Bool {
        let patch: GitPatch
        do { patch = try GitPatch(parsing: String(decoding: data, as: UTF8.self)) } catch {
            oneLine(error)
            return false
        }
        _ = patch.summary
        do {
            _ = try patch.apply { path in path.contains("new") ? nil : file }
        } catch {
            oneLine(error)
        }
        return true
    }

    static func oneLine(_ error: Error) {
        let text = "\(error)"
        if text.contains("\n") || text.isEmpty { fatalError("fuzz property violated (patch): error is not one line: \(text.debugDescription)") }
    }
}
