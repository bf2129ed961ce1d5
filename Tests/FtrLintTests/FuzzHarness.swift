import Foundation
import KernelModel
import KernelTree
import Patch
import SysregSpec
import TranslationUnits

/// One input through each parser ftrlint writes itself, with the properties every outcome must have. Shared by
/// the XCTest fuzz pass (FuzzTests) and the libFuzzer executables of the Fuzz/ package (which link this file):
/// a violated property traps, which libFuzzer reports as a crash with the input that caused it.
///
/// - sysreg file (`SysregSpec(text:)`): parse; on success every query and the header generator run, every name
///   is a C identifier and every field lies in 0...63; on failure the error is one line.
/// - policy (`Policy(yaml:path:)`): parse; on success every key looks itself up; on failure one line.
/// - compile_commands.json (`CompilationDatabase`): parse; on success every entry's filtered arguments hold no
///   option that writes, loads or reads options (`-o`, `-M*`, `-fplugin`, `-Xclang`, `@file`...), and every
///   path they name is absolute; on failure one line.
/// - baseline (`Baseline(json:path:)`): parse; on success the encoded file parses back to the same baseline.
/// - b4 patch (`GitPatch(parsing:)`): parse; on success apply the patch to a stand-in tree; on failure, and when
///   the patch does not apply, the error is one line.
/// - C text (`FunctionBodies(source:)`, `Preamble(of:)`, what KvmUnit reads before any parse): the preamble is a
///   prefix and blanking it keeps every offset; bodies lie in order from a `{` to a `}`; blanking every body
///   keeps the length and every newline, and the blanked text scans again with only the bodies kept.
public enum FuzzHarness {
    public enum Parser: String, CaseIterable, Sendable {
        case sysreg, policy, compiledb, baseline, patch, bodies
    }

    /// Why a property failed: the message libFuzzer prints before the crash.
    static func violated(_ parser: Parser, _ what: String) -> Never {
        fatalError("fuzz property violated (\(parser.rawValue)): \(what)")
    }

    static func oneLine(_ parser: Parser, _ error: Error) {
        let text = "\(error)"
        if text.contains("\n") || text.isEmpty { violated(parser, "error is not one line: \(text.debugDescription)") }
    }

    // MARK: - sysreg

    /// Whether the input parsed.
    @discardableResult
    public static func sysreg(_ data: Data) -> Bool {
        let spec: SysregSpec
        do { spec = try SysregSpec(data: data, path: "fuzz.sysreg") } catch {
            oneLine(.sysreg, error)
            return false
        }
        func identifier(_ name: String) -> Bool {
            guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else {
                return false
            }
            return name.unicodeScalars.allSatisfy {
                $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
            }
        }
        var names: [String] = spec.registers.map(\.name) + spec.types.map(\.name)
        for name in names where !identifier(name) {
            violated(.sysreg, "register name \(name.debugDescription) is not a C identifier")
        }
        for name in names {
            let fields = spec.fields(of: name)
            for f in fields {
                guard 0 <= f.lsb, f.lsb <= f.msb, f.msb <= 63 else {
                    violated(.sysreg, "\(name).\(f.name) has bits \(f.msb):\(f.lsb)")
                }
                // Field names only follow a register's in macro names: digits may lead.
                if f.name.isEmpty || !identifier("_" + f.name) {
                    violated(.sysreg, "field name \(f.name.debugDescription) cannot be part of a C name")
                }
            }
            for lsb in stride(from: 0, through: 63, by: 7) { _ = spec.field(register: name, lsb: lsb) }
            _ = spec.field(register: name, name: fields.first?.name ?? "x")
        }
        names.append("no such register")
        _ = spec.fields(of: names.last!)
        let header = SysregDefsHeader.render(spec)
        if header.contains("$(") || header.contains("`") { violated(.sysreg, "the header carries shell text") }
        return true
    }

    // MARK: - policy

    /// Whether the input parsed.
    @discardableResult
    public static func policy(_ data: Data) -> Bool {
        let policy: Policy
        do { policy = try Policy(yaml: String(decoding: data, as: UTF8.self), path: "fuzz.yaml") } catch {
            oneLine(.policy, error)
            return false
        }
        for (key, entry) in policy.entries {
            guard policy.entry(key: key) != nil else { violated(.policy, "\(key) does not look itself up") }
            _ = policy.entry(register: entry.register, field: entry.field)
            for level in entry.levels { _ = entry.level(level.value) }
        }
        _ = policy.merging(additions: policy)
        _ = policy.entry(key: "ID_AA64PFR0_EL1.AMU")
        _ = policy.entry(key: "no-dot")
        return true
    }

    // MARK: - compile_commands.json

    /// Clang driver options that write files, load code, read further options or print into ftrlint's output:
    /// the filtered arguments must never hold them, as flags (exact) or in their joined forms (prefixes).
    static let forbiddenExact: Set<String> = [
        "-o", "-c", "-S", "-E", "-M", "-MM", "-MD", "-MMD", "-MG", "-MP", "-MJ", "-MF", "-MT", "-MQ", "-H", "-v", "-###",
        "-save-temps", "-save-stats", "-emit-interface-stubs", "-emit-llvm", "-emit-ast", "-fsyntax-only", "-pipe",
        "-fsave-optimization-record", "-ftime-trace", "-ftime-report", "-fmodules", "-fcrash-diagnostics", "-ftest-coverage",
        "-fstack-usage", "-fembed-bitcode", "-flto", "--config", "-gen-cdb-fragment-path", "-Xclang", "-mllvm", "-load",
        "-plugin", "-dependency-dot", "-dependency-file", "-ivfsoverlay", "--serialize-diagnostics", "-B", "-fplugin",
        "-fpass-plugin", "-fprofile-generate", "-fprofile-instr-generate", "-fdump-record-layouts", "-print-stats",
    ]
    static let forbiddenPrefixes = [
        "-MJ", "-MF", "-MT", "-MQ", "-fplugin=", "-fplugin-arg-", "-fpass-plugin=", "-Wl,", "-Wp,", "-Wa,", "@", "-B",
        "--config=", "-save-temps=", "-save-stats=", "-fprofile", "-fcs-profile", "-fcoverage", "-ftime-trace=",
        "-ftime-trace-", "-fcrash-diagnostics-dir=", "-fcrash-diagnostics=", "-fmodules-", "-fmodule-file", "-fmodule-map-file",
        "-fsave-optimization-record=", "-foptimization-record-", "-fdump-", "-fxray", "-fsanitize", "--output=",
        "-fembed-bitcode=",
        "-flto=", "-Xclang", "-mllvm",
    ]
    /// Options whose value is the next argument in the filtered output.
    static let pairs: Set<String> = [
        "-D", "-U", "-I", "-include", "-imacros", "-isystem", "-iquote", "-idirafter", "-target", "-x",
    ]
    static let pathPairs: Set<String> = ["-I", "-include", "-imacros", "-isystem", "-iquote", "-idirafter"]

    /// `data` is a compile_commands.json in which "@TREE@" stands for `tree`'s root; `scratch` is a file to
    /// write it to (CompilationDatabase reads a path).
    /// Whether the input parsed.
    @discardableResult
    public static func compiledb(_ data: Data, tree: KernelTree, scratch: String) -> Bool {
        let text = Data(String(decoding: data, as: UTF8.self).replacingOccurrences(of: "@TREE@", with: tree.root).utf8)
        let bytes = String(decoding: data, as: UTF8.self) == String(decoding: text, as: UTF8.self) ? data : text
        guard FileManager.default.createFile(atPath: scratch, contents: bytes) else {
            violated(.compiledb, "cannot write \(scratch)")
        }
        let toolchain = ClangToolchain(builtinIncludeDirectory: "/usr/lib/llvm-14/lib/clang/14.0.6/include", version: 140006)
        let db: CompilationDatabase
        do { db = try CompilationDatabase(path: scratch, tree: tree, toolchain: toolchain) } catch {
            oneLine(.compiledb, error)
            return false
        }
        for file in db.files + ["arch/arm64/kernel/cpufeature.c", "../outside.c"] {
            let args: [String]
            do { args = try db.arguments(for: file) } catch {
                oneLine(.compiledb, error)
                continue
            }
            var i = 0
            while i < args.count {
                let arg = args[i]
                if pairs.contains(arg) {
                    guard i + 1 < args.count else { violated(.compiledb, "\(arg) without its value in \(args)") }
                    if pathPairs.contains(arg), !args[i + 1].hasPrefix("/") {
                        violated(.compiledb, "\(arg) \(args[i + 1]) is not absolute")
                    }
                    i += 2
                    continue
                }
                if forbiddenExact.contains(arg) || forbiddenPrefixes.contains(where: { arg.hasPrefix($0) }) {
                    violated(.compiledb, "unsafe argument \(arg.debugDescription) kept: \(args)")
                }
                if !arg.hasPrefix("-") { violated(.compiledb, "input \(arg.debugDescription) kept: \(args)") }
                if arg.hasPrefix("-I"), !arg.dropFirst(2).hasPrefix("/") { violated(.compiledb, "\(arg) is not absolute") }
                i += 1
            }
        }
        return true
    }

    // MARK: - baseline

    /// Whether the input parsed.
    @discardableResult
    public static func baseline(_ data: Data) -> Bool {
        let baseline: Baseline
        do { baseline = try Baseline(json: data, path: "fuzz.json") } catch {
            oneLine(.baseline, error)
            return false
        }
        let encoded = baseline.encoded()
        do {
            let again = try Baseline(json: Data(encoded.utf8), path: "encoded.json")
            if again != baseline { violated(.baseline, "the encoded baseline reads back differently") }
        } catch {
            violated(.baseline, "the encoded baseline does not read back: \(error)")
        }
        for e in baseline.entries where !baseline.accepts(rule: e.rule, key: e.key) {
            violated(.baseline, "\(e.rule) \(e.key) is not accepted by its own baseline")
        }
        _ = baseline.unmatched([(rule: "leak", key: "A.B")])
        return true
    }

    // MARK: - b4 patch

    /// The text every file of the stand-in tree has: lines a fuzzed hunk's context can match.
    static let standInFile = (1...40).map { "line \($0)" }.joined(separator: "\n") + "\n"

    /// Whether the input parsed.
    @discardableResult
    public static func patch(_ data: Data) -> Bool {
        let patch: GitPatch
        do { patch = try GitPatch(parsing: String(decoding: data, as: UTF8.self)) } catch {
            oneLine(.patch, error)
            return false
        }
        _ = patch.summary
        do {
            _ = try patch.apply { path in path.contains("new") ? nil : standInFile }
        } catch {
            oneLine(.patch, error)
        }
        return true
    }

    // MARK: - C text

    /// Whether function bodies were found.
    @discardableResult
    public static func bodies(_ data: Data) -> Bool {
        let source = [UInt8](data)
        if let p = Preamble(of: source) {
            if !source.starts(with: p.text) { violated(.bodies, "the preamble is not a prefix of the file") }
            if !sameLines(p.rest, source) { violated(.bodies, "blanking the preamble moved an offset or a line") }
        }
        guard let scan = FunctionBodies(source: source) else { return false }
        var end = -1
        for b in scan.bodies {
            guard end < b.open, b.open < b.close, b.close < source.count,
                source[b.open] == UInt8(ascii: "{"), source[b.close] == UInt8(ascii: "}")
            else {
                violated(.bodies, "a body at \(b.open)...\(b.close) is not a braced range after the last one")
            }
            end = b.close
        }
        let blanked = FunctionBodies.blanking(source, scan.bodies) { _ in true }
        if !sameLines(blanked, source) { violated(.bodies, "blanking moved an offset or a line") }
        guard let again = FunctionBodies(source: blanked) else { violated(.bodies, "the blanked text does not scan") }
        if again.bodies.map(\.open) != scan.bodies.filter({ !$0.blankable }).map(\.open) {
            violated(.bodies, "the blanked text has other bodies than those not blanked")
        }
        return true
    }

    /// Same length, and a newline wherever `b` has one.
    private static func sameLines(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { ($0 == UInt8(ascii: "\n")) == ($1 == UInt8(ascii: "\n")) }
    }
}
