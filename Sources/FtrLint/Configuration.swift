import Foundation
import Rules
import Yams

/// `.ftrlint.yaml` at the tree's root, or the file `--config` names: what a project wants every run to
/// use, so CI and a developer's terminal agree. Command-line options win over it; lists (`ignore`) add
/// to it. Every key is optional; an unknown key, a wrong type or an unknown rule id is an error (exit 2),
/// so a typo never silently turns a check off.
///
///     policy-additions: ftrlint-policy.yaml   # paths are relative to this file
///     ignore: [latent, stale-mask]
///     only: [leak, nv-leak]
///     fail-on: warning
///     min-severity: warning
///     baseline: ftrlint-baseline.json
struct Configuration: Equatable {
    static let fileName = ".ftrlint.yaml"
    static let keys = ["policy-additions", "ignore", "only", "fail-on", "min-severity", "baseline"]

    var policyAdditions: String?
    var ignore: [String] = []
    var only: [String] = []
    var failOn: Severity?
    var minSeverity: Severity?
    var baseline: String?

    init() {}

    /// The file `explicit` names, else `.ftrlint.yaml` in the tree's root when there is one, else no configuration.
    static func load(explicit: String?, tree: String) throws -> Configuration {
        if let explicit { return try load(file: explicit) }
        let found = (tree as NSString).appendingPathComponent(fileName)
        return FileManager.default.fileExists(atPath: found) ? try load(file: found) : Configuration()
    }

    static func load(file: String) throws -> Configuration {
        guard let data = FileManager.default.contents(atPath: file) else { throw CheckProblem("cannot read \(file)") }
        return try Configuration(yaml: String(decoding: data, as: UTF8.self), path: file)
    }

    init(yaml: String, path: String) throws {
        func problem(_ text: String) -> CheckProblem { CheckProblem("\(path): \(text)") }
        let node: Any?
        do { node = try Yams.load(yaml: yaml) } catch { throw problem("not YAML: \(oneLine("\(error)"))") }
        guard let node else { return }
        guard let map = node as? [String: Any] else {
            throw problem("expected a mapping of \(Self.keys.joined(separator: ", "))")
        }
        for key in map.keys.sorted() where !Self.keys.contains(key) {
            throw problem("unknown key '\(key)'; the keys are \(Self.keys.joined(separator: ", "))")
        }
        let folder = (path as NSString).deletingLastPathComponent
        func pathValue(_ key: String) throws -> String? {
            guard let value = map[key] else { return nil }
            guard let text = value as? String, !text.isEmpty else { throw problem("'\(key)' must be a path") }
            return text.hasPrefix("/") ? text : (folder as NSString).appendingPathComponent(text)
        }
        func severity(_ key: String) throws -> Severity? {
            guard let value = map[key] else { return nil }
            guard let text = value as? String, let s = Severity(rawValue: text) else {
                throw problem("'\(key)' must be one of note, warning, error")
            }
            return s
        }
        func rules(_ key: String) throws -> [String] {
            guard let value = map[key] else { return [] }
            guard let list = (value as? [Any]) ?? (value as? String).map({ [$0] }), list.allSatisfy({ $0 is String }) else {
                throw problem("'\(key)' must be a list of rule ids")
            }
            return try list.map { try RuleSelection.identifier($0 as! String, from: "\(path): '\(key)'") }
        }
        policyAdditions = try pathValue("policy-additions")
        baseline = try pathValue("baseline")
        failOn = try severity("fail-on")
        minSeverity = try severity("min-severity")
        ignore = try rules("ignore")
        only = try rules("only")
    }
}
