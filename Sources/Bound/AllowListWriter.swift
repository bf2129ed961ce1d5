import KernelModel
import Rules

/// Bounds for protected guests, in pKVM's allow-list idiom (arch/arm64/kvm/hyp/nvhe/sys_regs.c with
/// hyp/include/nvhe/fixed_config.h, 5.15 to 6.12): each register's `get_pvm_*()` returns the hypervisor's
/// copy of the sanitised value ANDed with a `PVM_*_ALLOW` mask, ORed with a `set_mask` of restricted
/// fields.
/// - An unsigned field is capped the way the header documents: it leaves `PVM_*_ALLOW` for the register's
///   `PVM_*_RESTRICT_UNSIGNED` mask, which `get_restricted_features_unsigned()` applies (the mask, and the
///   call, are added where the register has none yet); hidden, it only leaves the allow mask.
/// - A signed field is held in signed order with the statement upstream wrote for TGRAN4 and TGRAN64
///   (`set_mask |= SYS_FIELD_PREP(…, min_t(int, cpuid_feature_extract_signed_field(…), …))`), so that a
///   host without the feature still shows NI.
/// Anything else (a `get_pvm_*()` of another shape, a tree whose pKVM limits fields another way) fails
/// closed.
struct AllowListWriter {
    let tree: BoundWriter

    /// The register's `get_pvm_*()` and the names it uses.
    struct Function {
        let name: String
        let body: (open: Int, close: Int)
        /// The hypervisor's copy of the sanitised value (`id_aa64pfr0_el1_sys_val`) and the allow mask.
        let value: String
        let allow: String
        var restrict: String { allow.replacingOccurrences(of: "_ALLOW", with: "_RESTRICT_UNSIGNED") }
    }

    func write(_ limits: [FieldLimit]) throws -> (edits: [FileEdit], written: [BoundWriter.Written]) {
        var files: [String: [String]] = [:], originals: [String: String] = [:], order: [String] = []
        func lines(_ path: String) throws -> [String] {
            if let l = files[path] { return l }
            guard let text = tree.read(path) else { throw BoundWriter.Failure("cannot read \(path)") }
            originals[path] = text
            order.append(path)
            files[path] = FileEdit.lines(text)
            return files[path]!
        }
        var written: [BoundWriter.Written] = []
        var registers: [String] = []
        for l in limits where !registers.contains(l.register) { registers.append(l.register) }
        for register in registers {
            let group = limits.filter { $0.register == register }
            guard let view = group.lazy.compactMap({ self.tree.views[$0.key] }).first, let branch = view.protectedBranch
            else { throw BoundWriter.Failure("pKVM's read path takes no branch for \(register) that ftrlint can find") }
            let path = branch.path
            var source = try lines(path)
            // The branch's line is the tree's; the function is looked up, by name, in the file as edited so far.
            let name = try helper(register, branch: branch, in: CSource(path: path, text: originals[path]!))
            var fn = try function(name, of: register, in: CSource(path: path, text: source.joined(separator: "\n")))
            guard let header = try self.header(defining: fn.allow, from: path, lines: lines) else {
                throw BoundWriter.Failure("\(fn.name)() uses \(fn.allow), whose definition ftrlint cannot find")
            }
            // The masks may be defined in the pKVM file itself: then both kinds of edit go to one copy.
            var macros = header == path ? source : try lines(header)
            // Each restriction with the spellings that name its field in a restriction already there.
            var restricted: [(names: [String], line: String)] = [], statements: [[String]] = [], items: [String] = []
            // The header's own spelling of a restriction: 6.12's enum form where it has one.
            let enumForm = macros.contains { $0.hasPrefix("\tSYS_FIELD_PREP_ENUM(") }
            for l in group {
                guard let stem = tree.stem(l) else { throw BoundWriter.Failure("no macro in this tree names \(l.key)") }
                let entry = "ARM64_FEATURE_MASK(\(stem))"
                Self.remove(entry, from: fn.allow, in: &macros)
                let text: [String]
                if l.signed {
                    text = signedCap(l, stem: stem, value: fn.value)
                    statements.append(text)
                } else if l.limit > 0 {
                    let field = stem.hasPrefix(l.register + "_") ? String(stem.dropFirst(l.register.count + 1)) : nil
                    let name = tree.valueName(l, l.limit)
                    let line =
                        if enumForm, tree.generated(l), let field, let name {
                            "SYS_FIELD_PREP_ENUM(\(l.register), \(field), \(name))"
                        } else {
                            "FIELD_PREP(\(entry), \(value(l, stem: stem)))"
                        }
                    restricted.append((names: [entry] + (field.map { ["(\(l.register), \($0),"] } ?? []), line: line))
                    items.append("\(l.field) up to \(name ?? String(l.limit))" + (l.features[l.limit].map { " (\($0))" } ?? ""))
                    text = [line]
                } else {
                    text = ["\(fn.allow) without \(entry)"]
                }
                written.append(
                    BoundWriter.Written(limit: l, lines: text))
            }
            if !restricted.isEmpty {
                let existed = Self.restrict(restricted, in: fn.restrict, in: &macros)
                if !existed {
                    try Self.define(fn.restrict, after: fn.allow, entries: restricted.map(\.line), items: items, in: &macros)
                }
                if !source[fn.body.open...fn.body.close].contains(where: { $0.contains(fn.restrict) }) {
                    statements.insert(
                        ["set_mask |= get_restricted_features_unsigned(\(fn.value),", "\t\(fn.restrict));"], at: 0)
                }
            }
            if header == path {
                source = macros
                fn = try function(name, of: register, in: CSource(path: path, text: source.joined(separator: "\n")))
            } else {
                files[header] = macros
            }
            if !statements.isEmpty { try Self.insert(statements, into: fn, in: &source) }
            files[path] = source
        }
        let edits = order.compactMap { path -> FileEdit? in
            let edit = FileEdit(path: path, original: originals[path]!, patched: files[path]!)
            return edit.changes.isEmpty ? nil : edit
        }
        return (edits, written)
    }

    // MARK: - Where

    /// The `get_pvm_*()` pKVM's read path calls for the register at `branch` (`return get_pvm_…(vcpu);`).
    func helper(_ register: String, branch: SourceRef, in s: CSource) throws -> String {
        let line = branch.line >= 1 && branch.line <= s.lines.count ? s.trimmed(branch.line - 1) : ""
        guard line.hasPrefix("return "), line.hasSuffix("(vcpu);"), let paren = line.firstIndex(of: "(") else {
            throw BoundWriter.Failure(
                "\(s.path):\(branch.line): pKVM's branch for \(register) is not a `return get_pvm_…(vcpu);` ftrlint can follow")
        }
        return String(line[line.index(line.startIndex, offsetBy: 7)..<paren])
    }

    /// The function `name`, and the value and allow mask it returns.
    func function(_ name: String, of register: String, in s: CSource) throws -> Function {
        guard let body = s.function(name) else { throw BoundWriter.Failure("\(s.path): no definition of \(name)()") }
        let text = s.text(body)
        guard let allow = CSource.identifiers(text).first(where: { $0.hasPrefix("PVM_") && $0.hasSuffix("_ALLOW") }),
            let value = CSource.identifiers(text).first(where: { $0.hasSuffix("_sys_val") })
        else {
            throw BoundWriter.Failure(
                "\(name)() does not limit \(register) with a PVM_*_ALLOW mask of a *_sys_val copy: not pKVM's allow-list idiom")
        }
        return Function(name: name, body: body, value: value, allow: allow)
    }

    /// The file that defines `macro`: the pKVM file itself or a header it includes from hyp/include.
    func header(defining macro: String, from path: String, lines: (String) throws -> [String]) throws -> String? {
        let own = try lines(path)
        var candidates = [path]
        let folder = path.split(separator: "/").dropLast().map(String.init)
        for line in own {
            if line.hasPrefix("#include <nvhe/") {
                candidates.append("arch/arm64/kvm/hyp/include/" + line.dropFirst("#include <".count).prefix { $0 != ">" })
            } else if line.hasPrefix("#include \"") {
                // Relative to the including file, `..` resolved.
                var parts = folder
                for part in line.dropFirst("#include \"".count).prefix(while: { $0 != "\"" }).split(separator: "/") {
                    if part == ".." { _ = parts.popLast() } else if part != "." { parts.append(String(part)) }
                }
                candidates.append(parts.joined(separator: "/"))
            }
        }
        for c in candidates where tree.read(c)?.contains("#define \(macro) ") ?? false { return c }
        return nil
    }

    // MARK: - The mask macros

    /// The entry lines of the `#define NAME (\` … `)` macro: (first entry, the closing line).
    static func macro(_ name: String, in lines: [String]) -> (first: Int, close: Int)? {
        guard let d = lines.firstIndex(where: { $0.hasPrefix("#define \(name) (\\") }),
            let close = lines[(d + 1)...].firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == ")" })
        else { return nil }
        return (d + 1, close)
    }

    /// Drops `entry`'s line from the macro; a new last entry loses its `|`, and a mask left with no entry
    /// is written as the header writes an empty one, `(0ULL)`.
    static func remove(_ entry: String, from name: String, in lines: inout [String]) {
        guard let m = macro(name, in: lines), let i = (m.first..<m.close).first(where: { lines[$0].contains(entry) }) else {
            return
        }
        if m.close - m.first == 1 {
            lines.replaceSubrange((m.first - 1)...m.close, with: ["#define \(name) (0ULL)"])
            return
        }
        lines.remove(at: i)
        if i == m.close - 1 { lines[i - 1] = lines[i - 1].replacingOccurrences(of: " | \\", with: " \\") }
    }

    /// Puts each restriction in the macro, if it exists (whether it did): in place of the line that
    /// already restricts its field, else appended.
    static func restrict(_ entries: [(names: [String], line: String)], in name: String, in lines: inout [String]) -> Bool {
        guard macro(name, in: lines) != nil else { return false }
        for e in entries {
            let m = macro(name, in: lines)!
            if let i = (m.first..<m.close).first(where: { i in e.names.contains { lines[i].contains($0) } }) {
                lines[i] = "\t" + e.line + (lines[i].hasSuffix("| \\") ? " | \\" : " \\")
                continue
            }
            if m.close > m.first { lines[m.close - 1] = lines[m.close - 1].replacingOccurrences(of: " \\", with: " | \\") }
            lines.insert("\t" + e.line + " \\", at: m.close)
        }
        return true
    }

    /// A new `#define NAME (\` after the allow mask, with the header's kind of comment.
    static func define(
        _ name: String, after allow: String, entries: [String], items: [String], in lines: inout [String]
    ) throws {
        guard let m = macro(allow, in: lines) else { throw BoundWriter.Failure("cannot find the definition of \(allow)") }
        var block = ["", "/*", " * Restrict to the following *unsigned* features for protected VMs:"]
        block += items.map { " * - \($0)" }
        block += [" */", "#define \(name) (\\"]
        block += entries.enumerated().map { i, e in "\t" + e + (i == entries.count - 1 ? " \\" : " | \\") }
        block += ["\t)"]
        lines.insert(contentsOf: block, at: m.close + 1)
    }

    // MARK: - The function

    /// Adds `statements` to the function's `set_mask` before its return; a function that returns
    /// `value & ALLOW` alone gets the `set_mask` its siblings have.
    static func insert(_ statements: [[String]], into fn: Function, in lines: inout [String]) throws {
        let body = Array(lines[(fn.body.open + 1)..<fn.body.close])
        let code = statements.flatMap { $0.map { "\t" + $0 } }
        let meaningful = body.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if body.contains(where: { $0.contains("set_mask") }) {
            guard let ret = (fn.body.open..<fn.body.close).last(where: { lines[$0].hasPrefix("\treturn ") }) else {
                throw BoundWriter.Failure("\(fn.name)() has no return ftrlint can add a bound before")
            }
            let at = lines[ret - 1].isEmpty ? ret - 1 : ret
            lines.insert(contentsOf: code, at: at)
            return
        }
        let plain = ["return \(fn.value) & \(fn.allow);", "return \(fn.allow) & \(fn.value);"]
        guard meaningful.count == 1, plain.contains(meaningful[0]) else {
            throw BoundWriter.Failure("\(fn.name)() is not `return \(fn.value) & \(fn.allow);`, the shape ftrlint can extend")
        }
        let new = ["\tu64 set_mask = 0;", ""] + code + ["", "\treturn (\(fn.value) & \(fn.allow)) | set_mask;"]
        lines.replaceSubrange((fn.body.open + 1)..<fn.body.close, with: new)
    }

    // MARK: - What

    /// The value's name where the tree defines one (`ID_AA64PFR0_EL1_CSV2_IMP`), else the number.
    func value(_ l: FieldLimit, stem: String) -> String {
        if tree.generated(l), let name = tree.valueName(l, l.limit) { return "\(stem)_\(name)" }
        return String(l.limit)
    }

    /// upstream's signed cap (6.12's get_pvm_id_aa64mmfr0()), wrapped as upstream wrapped it.
    func signedCap(_ l: FieldLimit, stem: String, value sysVal: String) -> [String] {
        let name = value(l, stem: stem)
        let prep =
            tree.generated(l) ? "SYS_FIELD_PREP(\(l.register), \(l.field)," : "FIELD_PREP(ARM64_FEATURE_MASK(\(stem)),"
        let minT = "min_t(int, cpuid_feature_extract_signed_field("
        let shiftColumn = 16 + minT.count, valueColumn = 16 + "min_t(".count
        return [
            "set_mask |= \(prep)",
            "\t\(minT)\(sysVal),",
            CSource.padding(to: shiftColumn - 8) + "\(stem)_SHIFT),",
            CSource.padding(to: valueColumn - 8) + "\(name)));",
        ]
    }
}
