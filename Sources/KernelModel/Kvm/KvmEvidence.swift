import Foundation
import KernelTree

/// Where KVM's code uses the names the policy gives as evidence of a level's `needs`: a control bit it
/// sets (`HCRX_EL2_MSCEn`, `HCR_TSW`), a PSTATE bit its emulated exception entry keeps (`PSR_DIT_BIT`),
/// an exception class it handles (`ESR_ELx_EC_CP15_32`).
///
/// KVM's code is every C file and header under arch/arm64/kvm and the kvm_*.h headers of
/// arch/arm64/include/asm. A use is the name in code: comments and string literals do not count, and
/// neither does the name a `#define` defines (a definition is not a use); a macro that combines it
/// (`#define HCR_GUEST_FLAGS (HCR_TSC | ...)`) does.
///
/// For trap controls it also tells how the code uses the name (CodeContext): a use that programs it, as
/// opposed to testing it in a condition, clearing it under `~` or listing it as a designated initializer's
/// value (the nested-virtualisation tables that describe a guest hypervisor's own traps), and whether that
/// programming runs only where a feature test fails: the first argument of a `NEEDS_FEAT(bits, FEAT_X)`
/// entry of KVM's feature maps (arch/arm64/kvm/config.c), or a branch such as the `else` of
/// `if (kvm_has_mte(vcpu->kvm))`. A programmed value is taken as set; what the code then does with the
/// variable it went into is not followed.
///
/// Read from the tree's text on every run (not from the result cache): the files are not all ones the
/// parsed units include, so the cache could not tell when they change.
public struct KvmEvidence: Sendable, Equatable {
    /// A feature test whose failure a use of a name depends on.
    public enum Gate: Hashable, Sendable {
        /// The guest lacks the feature of a field, `REGISTER.Field` (a feature map's FEAT_X, a
        /// `kvm_has_feat(kvm, REGISTER, Field, ...)` test, a test of the field's own macro).
        case field(String)
        /// A run-time test fails, by its text with spaces, outer parentheses and member chains folded
        /// (`kvm_has_mte(vcpu->kvm)` and `kvm_has_mte(kvm)` are both `kvm_has_mte(kvm)`).
        case condition(String)
    }

    /// Name → its first use, by path and then position.
    public let uses: [String: SourceRef]
    /// Name → its first use that programs it whatever the guest's features.
    public let ungated: [String: SourceRef]
    /// Name → for each use that programs it only where feature tests fail, those tests (any one failing
    /// runs the code).
    public let gates: [String: [Set<Gate>]]
    /// Name → its first use under a `~`: code that clears the bits.
    public let cleared: [String: SourceRef]

    /// Function-like macros of KVM's code by name.
    public let macros: [String: Macro]

    public init(
        uses: [String: SourceRef], ungated: [String: SourceRef]? = nil, gates: [String: [Set<Gate>]] = [:],
        cleared: [String: SourceRef] = [:], macros: [String: Macro] = [:]
    ) {
        self.uses = uses
        self.ungated = ungated ?? uses
        self.gates = gates
        self.cleared = cleared
        self.macros = macros
    }

    /// The first use of any of `names`.
    public func firstUse(of names: [String]) -> (name: String, at: SourceRef)? {
        names.compactMap { n in uses[n].map { (n, $0) } }.min { $0.1 < $1.1 }
    }

    /// The uses of `names` in `tree`'s KVM code.
    public init(tree: KernelTree, names: Set<String>) throws {
        var uses: [String: SourceRef] = [:], ungated: [String: SourceRef] = [:], cleared: [String: SourceRef] = [:]
        var gated: [String: [Set<Gate>]] = [:]
        // Feature maps' entries, resolved once every file's `#define FEAT_X` is known.
        var mapped: [String: [[String]]] = [:]
        guard !names.isEmpty else {
            self.init(uses: uses)
            return
        }
        // Most identifiers are none of the names: tell them apart by a hash of their bytes, with no String made.
        var byHash: [UInt64: String] = [:]
        for n in names { byHash[Self.hash(Array(n.utf8)[...])] = n }
        var features: [String: String] = [:]
        var macros: [String: Macro] = [:]
        for path in Self.files(of: tree) {
            let text = try tree.read(path)
            for d in Self.defines(text) {
                if let parameters = d.parameters {
                    macros[d.name] = Macro(parameters: parameters, body: d.body)
                } else if let field = Self.featureDefinition(d) {
                    features[d.name] = field
                }
            }
            var context = CodeContext()
            // Inside NEEDS_FEAT*( ... ): depth of parentheses, and whether the first argument is still read.
            var map: (depth: Int, first: Bool, controls: [String], features: [String])?
            var pendingMap = false
            Self.scan(text) { token, line, column in
                let role = context.step(token)
                if pendingMap || map != nil || Self.startsNeedsFeat(token) {
                    let t = String(decoding: token, as: UTF8.self)
                    if pendingMap {
                        pendingMap = false
                        if t == "(" {
                            map = (1, true, [], [])
                            return
                        }
                    }
                    if var m = map {
                        switch t {
                        case "(": m.depth += 1
                        case ")": m.depth -= 1
                        case "," where m.depth == 1: m.first = false
                        default:
                            if m.first { m.controls.append(t) } else if t.hasPrefix("FEAT_") { m.features.append(t) }
                        }
                        if m.depth == 0 {
                            for c in m.controls where names.contains(c) { mapped[c, default: []].append(m.features) }
                            map = nil
                        } else {
                            map = m
                        }
                    } else if t.hasPrefix("NEEDS_FEAT") {
                        pendingMap = true
                    }
                }
                guard let name = byHash[Self.hash(token)], name.utf8.elementsEqual(token) else { return }
                let ref = SourceRef(path: path, line: line, column: column)
                if uses[name] == nil { uses[name] = ref }
                guard map == nil else { return }
                switch role {
                case .program:
                    let gates = context.gates
                    if !gates.isEmpty {
                        gated[name, default: []].append(gates)
                    } else if ungated[name] == nil {
                        ungated[name] = ref
                    }
                case .clear:
                    if cleared[name] == nil { cleared[name] = ref }
                case .test, .table:
                    break
                }
            }
        }
        for (name, entries) in mapped {
            gated[name, default: []] += entries.map { Set($0.compactMap { features[$0] }.map(Gate.field)) }
        }
        self.init(uses: uses, ungated: ungated, gates: gated, cleared: cleared, macros: macros)
    }

    /// FNV-1a of a token's bytes.
    static func hash<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var h: UInt64 = 0xcbf29ce484222325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return h
    }

    private static let needsFeat = Array("NEEDS_FEAT".utf8)

    private static func startsNeedsFeat(_ token: UnsafeBufferPointer<UInt8>) -> Bool {
        token.count >= needsFeat.count && token.prefix(needsFeat.count).elementsEqual(needsFeat)
    }

    /// `#define FEAT_X REGISTER, Field, VALUE` of KVM's feature maps: "REGISTER.Field".
    static func featureDefinition(_ d: (name: String, parameters: [String]?, body: String)) -> String? {
        guard d.parameters == nil, d.name.hasPrefix("FEAT_") else { return nil }
        let words = d.body.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," })
        guard words.count >= 3, words[0].hasSuffix("_EL1") || words[0].hasSuffix("_EL0") else { return nil }
        return "\(words[0]).\(words[1])"
    }

    /// A function-like macro of KVM's code: its parameters and body, which a test it names stands for
    /// (`kvm_has_mte(kvm)` is `(system_supports_mte() && test_bit(...))`).
    public struct Macro: Sendable, Equatable {
        public let parameters: [String]
        public let body: String
    }

    /// Every `#define` of C text, continuation lines joined, comments left in: its name, its parameters
    /// for a function-like macro, and its body. A pass over the bytes: most lines are no `#define`, and
    /// Foundation's substring search would cost more than the scan.
    static func defines(_ text: String) -> [(name: String, parameters: [String]?, body: String)] {
        var text = text
        return text.withUTF8 { bytes in
            var result: [(name: String, parameters: [String]?, body: String)] = []
            let prefix = Array("#define".utf8)
            var lineStart = 0
            while lineStart < bytes.count {
                var lineEnd = lineStart
                while lineEnd < bytes.count, bytes[lineEnd] != 10 || (lineEnd > 0 && bytes[lineEnd - 1] == 92) { lineEnd += 1 }
                if lineEnd - lineStart > prefix.count,
                    UnsafeBufferPointer(rebasing: bytes[lineStart..<lineStart + prefix.count]).elementsEqual(prefix)
                {
                    var line = String(
                        decoding: UnsafeBufferPointer(rebasing: bytes[lineStart + prefix.count..<lineEnd]), as: UTF8.self)
                    if line.contains("\\\n") { line = line.replacingOccurrences(of: "\\\n", with: " ") }
                    if let d = define(line) { result.append(d) }
                }
                lineStart = lineEnd + 1
            }
            return result
        }
    }

    /// ` NAME(a, b) body` or ` NAME body`: the rest of a `#define` line.
    private static func define(_ line: String) -> (name: String, parameters: [String]?, body: String)? {
        let rest = line.drop(while: { $0 == " " || $0 == "\t" })
        let name = rest.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" })
        guard !name.isEmpty else { return nil }
        let after = rest.dropFirst(name.count)
        guard after.first == "(", let close = after.firstIndex(of: ")") else {
            return (String(name), nil, after.trimmingCharacters(in: .whitespaces))
        }
        let parameters = after[after.index(after: after.startIndex)..<close].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }
        return (String(name), parameters, after[after.index(after: close)...].trimmingCharacters(in: .whitespaces))
    }

    /// KVM's C files and headers, sorted: arch/arm64/kvm with its sub-folders, and asm/kvm_*.h.
    static func files(of tree: KernelTree) -> [String] {
        var found = Set<String>()
        let kvm = "arch/arm64/kvm"
        if let walk = FileManager.default.enumerator(atPath: tree.absolutePath(kvm)) {
            for case let name as String in walk where name.hasSuffix(".c") || name.hasSuffix(".h") {
                if tree.exists(kvm + "/" + name) { found.insert(kvm + "/" + name) }
            }
        }
        found.formUnion(tree.overlay.keys.filter { $0.hasPrefix(kvm + "/") && ($0.hasSuffix(".c") || $0.hasSuffix(".h")) })
        found.formUnion(
            tree.files(in: "arch/arm64/include/asm", endingWith: ".h").filter {
                ($0 as NSString).lastPathComponent.hasPrefix("kvm_")
            })
        return found.sorted()
    }

    /// Calls `use` for every token of C text in code (an identifier, a number, or one byte of punctuation),
    /// with its 1-based line and column, skipping comments, string and character literals, and the name each
    /// `#define` defines.
    static func scan(_ text: String, _ use: (UnsafeBufferPointer<UInt8>, Int, Int) -> Void) {
        var text = text
        text.withUTF8 { scan(bytes: $0, use) }
    }

    private static func scan(bytes: UnsafeBufferPointer<UInt8>, _ use: (UnsafeBufferPointer<UInt8>, Int, Int) -> Void) {
        var i = 0, line = 1, lineStart = 0
        var atLineStart = true, afterDefine = false, directive = false
        func isIdentStart(_ b: UInt8) -> Bool { b == 95 || (b | 0x20) >= 97 && (b | 0x20) <= 122 }
        func isIdent(_ b: UInt8) -> Bool { isIdentStart(b) || (b >= 48 && b <= 57) }
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case 10:
                // A directive ends at a newline no backslash continues.
                if !(i > 0 && bytes[i - 1] == 92) {
                    directive = false
                    afterDefine = false
                    atLineStart = true
                }
                i += 1
                line += 1
                lineStart = i
            case 32, 9, 13, 12, 11, 92:
                i += 1
            case 47 where i + 1 < bytes.count && bytes[i + 1] == 42:  // /* ... */
                i += 2
                while i + 1 < bytes.count, !(bytes[i] == 42 && bytes[i + 1] == 47) {
                    if bytes[i] == 10 {
                        line += 1
                        lineStart = i + 1
                    }
                    i += 1
                }
                i += 2
            case 47 where i + 1 < bytes.count && bytes[i + 1] == 47:  // // ...
                while i < bytes.count, bytes[i] != 10 { i += 1 }
            case 34, 39:  // "..." and '...'
                i += 1
                while i < bytes.count, bytes[i] != b, bytes[i] != 10 { i += bytes[i] == 92 ? 2 : 1 }
                i += 1
                atLineStart = false
            case 35 where atLineStart:  // #define NAME: the next identifier is defined, not used
                directive = true
                i += 1
                while i < bytes.count, bytes[i] == 32 || bytes[i] == 9 { i += 1 }
                let start = i
                while i < bytes.count, isIdent(bytes[i]) { i += 1 }
                afterDefine = bytes[start..<i].elementsEqual("define".utf8)
                atLineStart = false
            default:
                atLineStart = false
                guard isIdentStart(b) else {
                    let start = i
                    i += 1
                    if b >= 48 && b <= 57 { while i < bytes.count, isIdent(bytes[i]) { i += 1 } }
                    use(UnsafeBufferPointer(rebasing: bytes[start..<i]), line, start - lineStart + 1)
                    continue
                }
                let start = i
                while i < bytes.count, isIdent(bytes[i]) { i += 1 }
                if directive && afterDefine {
                    afterDefine = false
                    continue
                }
                use(UnsafeBufferPointer(rebasing: bytes[start..<i]), line, start - lineStart + 1)
            }
        }
    }
}
