import Foundation
import ToolError

/// Findings a project has accepted: `check --baseline FILE` reports only what is not in it.
///
/// Entries match on rule and REGISTER.Field, never on line numbers, so a baseline survives unrelated edits
/// to cpufeature.c or sys_regs.c. The file is versioned JSON (`"version": 1`) and only grows additively;
/// `ftrlint baseline` writes it.
public struct Baseline: Equatable, Sendable {
    public struct Entry: Hashable, Sendable, Codable {
        /// The rule identifier ("leak"), as printed inside [ftrlint-…].
        public let rule: String
        /// REGISTER.Field.
        public let key: String
        /// The finding's message when the baseline was written: for readers, never matched on.
        public let message: String?

        public init(rule: String, key: String, message: String? = nil) {
            self.rule = rule
            self.key = key
            self.message = message
        }
    }

    public static let version = 1
    public let entries: [Entry]
    /// The kernel release the baseline was written for, for readers.
    public let kernel: String?
    private let index: Set<String>

    public init(entries: [Entry], kernel: String? = nil) {
        var seen = Set<String>()
        self.entries = entries.filter { seen.insert(Self.match($0.rule, $0.key)).inserted }
            .sorted { ($0.key, $0.rule) < ($1.key, $1.rule) }
        self.kernel = kernel
        index = seen
    }

    public static func == (a: Baseline, b: Baseline) -> Bool { a.entries == b.entries && a.kernel == b.kernel }

    /// Whether the baseline accepts findings of `rule` on `key`.
    public func accepts(rule: String, key: String) -> Bool { index.contains(Self.match(rule, key)) }

    /// The entries no finding in `found` (rule, key pairs) matches any more: fixed since the baseline was written.
    public func unmatched(_ found: [(rule: String, key: String)]) -> [Entry] {
        let present = Set(found.map { Self.match($0.rule, $0.key) })
        return entries.filter { !present.contains(Self.match($0.rule, $0.key)) }
    }

    private static func match(_ rule: String, _ key: String) -> String { rule + "\u{0}" + key }

    /// A JSON integer: not a boolean, not a fraction (Foundation hands all three over as NSNumber).
    private static func integer(_ value: Any) -> Int? {
        guard let n = value as? NSNumber else { return nil }
        let type = String(cString: n.objCType)
        guard type != "c", type != "B", type != "d", type != "f" else { return nil }
        return n.intValue
    }

    // MARK: - The file

    /// The file's JSON: sorted keys, one entry per finding, a trailing newline.
    public func encoded() -> String {
        struct Document: Encodable {
            let version: Int
            let tool = "ftrlint"
            let kernel: String?
            let findings: [Entry]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try! encoder.encode(Document(version: Self.version, kernel: kernel, findings: entries))
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Reads a baseline file; every problem is one `BaselineError` line naming the file.
    public static func load(file: String) throws -> Baseline {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw BaselineError(path: file, problem: "cannot read the file")
        }
        return try Baseline(json: data, path: file)
    }

    /// Parses a baseline document. Unknown keys are ignored (later versions only add); a newer version,
    /// a missing or mistyped member, or an entry without rule and key is an error.
    public init(json data: Data, path: String) throws {
        func fail(_ problem: String) -> BaselineError { BaselineError(path: path, problem: problem) }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw fail("not valid JSON")
        }
        guard let top = object as? [String: Any] else { throw fail("expected a JSON object with 'version' and 'findings'") }
        guard let version = top["version"].flatMap(Self.integer) else {
            throw fail("missing or non-integer 'version'")
        }
        guard version >= 1 else { throw fail("unsupported version \(version)") }
        guard version <= Self.version else {
            throw fail("version \(version) was written by a newer ftrlint (this one reads version \(Self.version))")
        }
        guard let list = top["findings"] as? [Any] else { throw fail("missing 'findings' (a list)") }
        var entries: [Entry] = []
        for (i, item) in list.enumerated() {
            guard let e = item as? [String: Any] else { throw fail("findings[\(i)] is not an object") }
            guard let rule = e["rule"] as? String, !rule.isEmpty else { throw fail("findings[\(i)] has no 'rule' string") }
            guard let key = e["key"] as? String, key.contains(".") else {
                throw fail("findings[\(i)] has no 'key' string of the form REGISTER.Field")
            }
            if let m = e["message"], !(m is String) { throw fail("findings[\(i)]: 'message' is not a string") }
            entries.append(Entry(rule: rule, key: key, message: e["message"] as? String))
        }
        if let k = top["kernel"], !(k is String) { throw fail("'kernel' is not a string") }
        self.init(entries: entries, kernel: top["kernel"] as? String)
    }
}

/// A baseline file that cannot be used: always one line, `path: problem`.
public struct BaselineError: ToolError, Equatable {
    public let path: String
    public let problem: String

    public var description: String { "\(path): not a usable ftrlint baseline: \(problem)" }
}
