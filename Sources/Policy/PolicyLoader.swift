import Foundation
import Yams

/// Reads the policy YAML strictly. Every problem becomes a `PolicyError` naming the file,
/// the line and the entry; malformed input never traps.
struct PolicyLoader {
    let path: String

    private static let topKeys: Set<String> = ["version", "fields", "traps", "conditions"]
    private static let entryKeys: Set<String> = ["class", "bound", "reason", "levels", "aliases", "bits", "minimum", "maximum"]
    private static let levelKeys: Set<String> = ["feature", "registers", "needs", "evidence"]

    func load(_ yaml: String) throws -> Policy {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw yamlError(error)
        } catch {
            throw PolicyError(path: path, problem: "not valid YAML: \(error)")
        }
        guard let root else {
            throw PolicyError(path: path, problem: "the file is empty; expected a mapping with 'version' and 'fields'")
        }
        guard let top = root.mapping else {
            throw fail(nil, root, "the document must be a mapping with 'version' and 'fields'")
        }

        var version: Int?
        var fieldsNode: Node?
        var traps: [String: [String]] = [:]
        var conditions: [String: Policy.Condition] = [:]
        for (keyNode, value) in top {
            let name = try keyString(keyNode, entry: nil, context: "top-level key")
            switch name {
            case "version": version = try integer(value, entry: nil, what: "'version'")
            case "fields": fieldsNode = value
            case "traps": traps = try self.traps(value)
            case "conditions": conditions = try self.conditions(value)
            default:
                throw fail(nil, keyNode, "unknown top-level key '\(name)' (expected: version, fields, traps, conditions)")
            }
        }
        guard let version else { throw fail(nil, root, "missing 'version'") }
        guard version == Policy.schemaVersion else {
            throw fail(nil, root, "unsupported schema version \(version) (this ftrlint reads version \(Policy.schemaVersion))")
        }
        guard let fieldsNode else { throw fail(nil, root, "missing 'fields'") }
        if fieldsNode.null != nil, case .scalar = fieldsNode {
            return Policy(version: version, entries: [:], traps: traps, conditions: conditions)
        }
        guard let fields = fieldsNode.mapping else {
            throw fail(nil, fieldsNode, "'fields' must be a mapping of REGISTER.Field to entries")
        }

        var entries: [String: Policy.Entry] = [:]
        for (keyNode, value) in fields {
            let key = try keyString(keyNode, entry: nil, context: "field key")
            guard RegisterNames.splitKey(key) != nil else {
                throw fail(key, keyNode, "a field key must be REGISTER.Field (one '.', text on both sides)")
            }
            if entries[key] != nil { throw fail(key, keyNode, "duplicate entry") }
            entries[key] = try entry(key, value)
        }
        return Policy(version: version, entries: entries, traps: traps, conditions: conditions)
    }

    /// `conditions`: a condition as KVM spells it → `bounds` (REGISTER.Field → highest host value) and `reason`.
    private func conditions(_ node: Node) throws -> [String: Policy.Condition] {
        guard let map = node.mapping else { throw fail(nil, node, "'conditions' must be a mapping of condition to facts") }
        var result: [String: Policy.Condition] = [:]
        for (keyNode, value) in map {
            let text = try keyString(keyNode, entry: nil, context: "conditions key")
            guard let fact = value.mapping else { throw fail(text, value, "a condition needs 'bounds' and 'reason'") }
            var bounds: [String: Int]?, reason: String?
            for (k, v) in fact {
                switch try keyString(k, entry: text, context: "condition key") {
                case "bounds":
                    guard let m = v.mapping else { throw fail(text, v, "'bounds' must map REGISTER.Field to a value") }
                    bounds = try Dictionary(
                        m.map {
                            (
                                try keyString($0.key, entry: text, context: "field"),
                                try integer($0.value, entry: text, what: "a bound")
                            )
                        }
                    ) { a, _ in a }
                case "reason": reason = try string(v, entry: text, what: "'reason'")
                case let other: throw fail(text, k, "unknown key '\(other)' (expected: bounds, reason)")
                }
            }
            guard let bounds, !bounds.isEmpty, let reason else {
                throw fail(text, value, "a condition needs 'bounds' and 'reason'")
            }
            result[Policy.conditionKey(text)] = Policy.Condition(bounds: bounds, reason: reason)
        }
        return result
    }

    /// `traps`: register → its trap controls, each `REGISTER.FIELD` or, for an enable, `REGISTER.FIELD=0`.
    private func traps(_ node: Node) throws -> [String: [String]] {
        guard let map = node.mapping else { throw fail(nil, node, "'traps' must be a mapping of register to trap controls") }
        var result: [String: [String]] = [:]
        for (keyNode, value) in map {
            let register = try keyString(keyNode, entry: nil, context: "traps key")
            let controls = try strings(value, entry: register, what: "trap controls")
            for c in controls where RegisterNames.splitKey(Policy.trapControl(c).name) == nil {
                throw fail(register, value, "a trap control must be REGISTER.FIELD or REGISTER.FIELD=0, not '\(c)'")
            }
            guard !controls.isEmpty else { throw fail(register, value, "a register in 'traps' needs at least one control") }
            result[register] = controls
        }
        return result
    }

    // MARK: Entries

    private func entry(_ key: String, _ node: Node) throws -> Policy.Entry {
        guard let map = node.mapping else {
            throw fail(key, node, "an entry must be a mapping with class, reason and, for kvm/el2, bound")
        }
        var fieldClass: Policy.FieldClass?
        var bound: Int?
        var reason: String?
        var levels: [Policy.Level]?
        var levelsNode: Node?
        var aliases: [String] = []
        var bits: ClosedRange<Int>?
        var minimum: Int?, maximum: Int?
        for (keyNode, value) in map {
            let name = try keyString(keyNode, entry: key, context: "entry key")
            switch name {
            case "class":
                let text = try string(value, entry: key, what: "'class'")
                guard let parsed = Policy.FieldClass(rawValue: text) else {
                    throw fail(key, value, "unknown class '\(text)' (expected: isa, el2, kvm)")
                }
                fieldClass = parsed
            case "bound":
                bound = try integer(value, entry: key, what: "'bound'")
            case "minimum":
                minimum = try integer(value, entry: key, what: "'minimum'")
            case "maximum":
                maximum = try integer(value, entry: key, what: "'maximum'")
            case "reason":
                reason = try string(value, entry: key, what: "'reason'")
            case "levels":
                levels = try self.levels(value, entry: key)
                levelsNode = value
            case "aliases":
                aliases = try strings(value, entry: key, what: "'aliases'")
            case "bits":
                let text = try string(value, entry: key, what: "'bits'")
                let parts = text.split(separator: ":").compactMap { Int($0) }
                guard parts.count == 2, (0...63).contains(parts[0]), (0...parts[0]).contains(parts[1]) else {
                    throw fail(key, value, "'bits' must be \"msb:lsb\" within 63:0, not '\(text)'")
                }
                bits = parts[1]...parts[0]
            default:
                let known = Self.entryKeys.sorted().joined(separator: ", ")
                throw fail(key, keyNode, "unknown key '\(name)' (expected: \(known))")
            }
        }
        guard let fieldClass else { throw fail(key, node, "missing 'class' (isa, el2 or kvm)") }
        guard let reason, !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw fail(key, node, "missing or empty 'reason'")
        }
        switch fieldClass {
        case .kvm:
            guard bound != nil else { throw fail(key, node, "a kvm entry needs 'bound'") }
            guard let levels, !levels.isEmpty else {
                throw fail(key, levelsNode ?? node, "a kvm entry needs 'levels' describing what each value brings")
            }
        case .el2:
            guard bound != nil else { throw fail(key, node, "an el2 entry needs 'bound'") }
            if levels != nil { throw fail(key, levelsNode ?? node, "'levels' are for kvm entries only") }
        case .isa:
            if levels != nil { throw fail(key, levelsNode ?? node, "'levels' are for kvm entries only") }
        }
        if let minimum, let maximum, minimum > maximum {
            throw fail(key, node, "'minimum' \(minimum) is above 'maximum' \(maximum)")
        }
        return Policy.Entry(
            key: key, fieldClass: fieldClass, bound: bound, reason: reason,
            levels: levels ?? [], aliases: aliases, bits: bits, minimum: minimum, maximum: maximum)
    }

    private func levels(_ node: Node, entry: String) throws -> [Policy.Level] {
        guard let map = node.mapping else {
            throw fail(entry, node, "'levels' must be a mapping of field value to level")
        }
        var result: [Policy.Level] = []
        var seen: Set<Int> = []
        for (keyNode, value) in map {
            guard keyNode.scalar != nil, Self.isTagged(keyNode, .int), let number = keyNode.int else {
                let text = keyNode.scalar?.string ?? "a non-scalar"
                throw fail(entry, keyNode, "level key '\(text)' is not an integer")
            }
            guard seen.insert(number).inserted else { throw fail(entry, keyNode, "level \(number) appears twice") }
            result.append(try level(number, value, entry: entry))
        }
        return result.sorted { $0.value < $1.value }
    }

    private func level(_ number: Int, _ node: Node, entry: String) throws -> Policy.Level {
        if case .scalar = node, node.null != nil { return Policy.Level(value: number) }
        guard let map = node.mapping else {
            throw fail(entry, node, "level \(number) must be a mapping with feature, registers, needs")
        }
        var feature: String?
        var registers: [String] = []
        var needs: String?
        var evidence: [String] = []
        for (keyNode, value) in map {
            let name = try keyString(keyNode, entry: entry, context: "level \(number) key")
            switch name {
            case "feature": feature = try string(value, entry: entry, what: "level \(number) 'feature'")
            case "registers": registers = try strings(value, entry: entry, what: "level \(number) 'registers'")
            case "needs": needs = try string(value, entry: entry, what: "level \(number) 'needs'")
            case "evidence": evidence = try strings(value, entry: entry, what: "level \(number) 'evidence'")
            default:
                let known = Self.levelKeys.sorted().joined(separator: ", ")
                throw fail(entry, keyNode, "unknown key '\(name)' in level \(number) (expected: \(known))")
            }
        }
        if !evidence.isEmpty, needs == nil {
            throw fail(entry, node, "level \(number) has 'evidence' but no 'needs' saying what it shows")
        }
        return Policy.Level(value: number, feature: feature, registers: registers, needs: needs, evidence: evidence)
    }

    // MARK: Scalars

    private func keyString(_ node: Node, entry: String?, context: String) throws -> String {
        guard let scalar = node.scalar else { throw fail(entry, node, "a \(context) must be a plain scalar") }
        return scalar.string
    }

    private func string(_ node: Node, entry: String?, what: String) throws -> String {
        guard let scalar = node.scalar, Self.isTagged(node, .str) else {
            throw fail(entry, node, "\(what) must be a string, not \(describe(node))")
        }
        return scalar.string
    }

    private func integer(_ node: Node, entry: String?, what: String) throws -> Int {
        guard node.scalar != nil, Self.isTagged(node, .int), let value = node.int else {
            throw fail(entry, node, "\(what) must be an integer, not \(describe(node))")
        }
        return value
    }

    private func strings(_ node: Node, entry: String?, what: String) throws -> [String] {
        guard let sequence = node.sequence else {
            throw fail(entry, node, "\(what) must be a list of strings, not \(describe(node))")
        }
        return try sequence.map { try string($0, entry: entry, what: "each of \(what)") }
    }

    private func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case let .scalar(scalar):
            if Self.isTagged(node, .int) { return "the integer \(scalar.string)" }
            if Self.isTagged(node, .float) { return "the number \(scalar.string)" }
            if Self.isTagged(node, .bool) { return "the boolean \(scalar.string)" }
            if Self.isTagged(node, .null) { return "null" }
            return "'\(scalar.string)'"
        }
    }

    /// Whether the node's resolved tag is `name` (Yams keeps `Tag.name` internal).
    private static func isTagged(_ node: Node, _ name: Tag.Name) -> Bool {
        node.tag.rawValue == name.rawValue
    }

    // MARK: Errors

    private func fail(_ entry: String?, _ node: Node?, _ problem: String) -> PolicyError {
        PolicyError(path: path, key: entry, line: node?.mark?.line, problem: problem)
    }

    private func yamlError(_ error: YamlError) -> PolicyError {
        switch error {
        case let .scanner(context, problem, mark, _),
            let .parser(context, problem, mark, _),
            let .composer(context, problem, mark, _):
            let prefix = context.map { PolicyError.oneLine($0.text) + ": " } ?? ""
            return PolicyError(path: path, line: mark.line, problem: "not valid YAML: \(prefix)\(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return PolicyError(path: path, line: context.mark.line, problem: "duplicate key(s) \(keys) in one mapping")
        case let .reader(problem, _, _, _):
            return PolicyError(path: path, problem: "not readable as YAML: \(problem)")
        default:
            return PolicyError(path: path, problem: "not valid YAML: \(error)")
        }
    }
}
