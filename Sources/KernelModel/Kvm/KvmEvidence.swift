import Foundation
import KernelTree

/// Where KVM's code uses the names the policy gives as evidence of a level's `needs`: a control bit it
/// sets (`HCRX_EL2_MSCEn`, `HCR_TSW`), a PSTATE bit its emulated exception entry keeps (`PSR_DIT_BIT`),
/// an exception class it handles (`ESR_ELx_EC_CP15_32`).
///
/// KVM's code is every C file and header under arch/arm64/kvm and the kvm_*.h headers of
/// arch/arm64/include/asm. A use is the name in code: comments and string literals do not count, and
/// neither does the name a `#define` defines (a definition is not a use); a macro that combines it
/// (`#define HCR_GUEST_FLAGS (HCR_TSC | ...)`) does. What the code then does with the value is not
/// followed: the use of a trap bit is taken as KVM programming it, and said so where it is reported.
///
/// Read from the tree's text on every run (not from the result cache): the files are not all ones the
/// parsed units include, so the cache could not tell when they change.
public struct KvmEvidence: Sendable, Equatable {
    /// Name → its first use, by path and then position.
    public let uses: [String: SourceRef]
    /// Name → its first use outside KVM's feature maps (the first argument of a `NEEDS_FEAT(bits, FEAT_X)`
    /// entry of arch/arm64/kvm/config.c, which traps `bits` only for guests without FEAT_X).
    public let ungated: [String: SourceRef]
    /// Name → the fields (`REGISTER.Field`) whose features gate it in KVM's feature maps.
    public let gates: [String: Set<String>]

    public init(uses: [String: SourceRef], ungated: [String: SourceRef]? = nil, gates: [String: Set<String>] = [:]) {
        self.uses = uses; self.ungated = ungated ?? uses; self.gates = gates
    }

    /// The first use of any of `names`.
    public func firstUse(of names: [String]) -> (name: String, at: SourceRef)? {
        names.compactMap { n in uses[n].map { (n, $0) } }.min { $0.1 < $1.1 }
    }

    /// The uses of `names` in `tree`'s KVM code.
    public init(tree: KernelTree, names: Set<String>) throws {
        var uses: [String: SourceRef] = [:], ungated: [String: SourceRef] = [:]
        var gated: [String: Set<String>] = [:]
        guard !names.isEmpty else { self.init(uses: uses); return }
        var features: [String: String] = [:]
        for path in Self.files(of: tree) {
            let text = try tree.read(path)
            for (name, field) in Self.featureDefinitions(text) { features[name] = field }
            // Inside NEEDS_FEAT*( ... ): depth of parentheses, and whether the first argument is still read.
            var map: (depth: Int, first: Bool, controls: [String], features: [String])?
            var pendingMap = false
            Self.scan(text) { token, line, column in
                if pendingMap {
                    pendingMap = false
                    if token == "(" { map = (1, true, [], []); return }
                }
                if var m = map {
                    switch token {
                    case "(": m.depth += 1
                    case ")": m.depth -= 1
                    case "," where m.depth == 1: m.first = false
                    default:
                        if m.first { m.controls.append(token) } else if token.hasPrefix("FEAT_") { m.features.append(token) }
                    }
                    if m.depth == 0 {
                        for c in m.controls where names.contains(c) { gated[c, default: []].formUnion(m.features) }
                        map = nil
                    } else {
                        map = m
                    }
                } else if token.hasPrefix("NEEDS_FEAT") {
                    pendingMap = true
                }
                guard names.contains(token) else { return }
                let ref = SourceRef(path: path, line: line, column: column)
                if uses[token] == nil { uses[token] = ref }
                if map == nil, ungated[token] == nil { ungated[token] = ref }
            }
        }
        let resolved = gated.mapValues { Set($0.compactMap { features[$0] }) }
        self.init(uses: uses, ungated: ungated, gates: resolved)
    }

    /// `#define FEAT_X REGISTER, Field, VALUE` of KVM's feature maps: FEAT_X → "REGISTER.Field".
    static func featureDefinitions(_ text: String) -> [(String, String)] {
        guard text.contains("#define") && text.contains("FEAT_") else { return [] }
        var result: [(String, String)] = []
        for line in text.split(separator: "\n") where line.hasPrefix("#define") && line.contains("FEAT_") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," })
            guard words.count >= 5, words[1].hasPrefix("FEAT_"), words[2].hasSuffix("_EL1") || words[2].hasSuffix("_EL0") else { continue }
            result.append((String(words[1]), "\(words[2]).\(words[3])"))
        }
        return result
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
        found.formUnion(tree.files(in: "arch/arm64/include/asm", endingWith: ".h").filter {
            ($0 as NSString).lastPathComponent.hasPrefix("kvm_")
        })
        return found.sorted()
    }

    /// Calls `use` for every identifier of C text in code, and for each `(`, `)` and `,`, with its 1-based
    /// line and column, skipping comments, string and character literals, and the name each `#define`
    /// defines.
    static func scan(_ text: String, _ use: (String, Int, Int) -> Void) {
        let bytes = Array(text.utf8)
        var i = 0, line = 1, lineStart = 0
        var atLineStart = true, afterDefine = false, directive = false
        func isIdentStart(_ b: UInt8) -> Bool { b == 95 || (b | 0x20) >= 97 && (b | 0x20) <= 122 }
        func isIdent(_ b: UInt8) -> Bool { isIdentStart(b) || (b >= 48 && b <= 57) }
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case 10:
                // A directive ends at a newline no backslash continues.
                if !(i > 0 && bytes[i - 1] == 92) { directive = false; afterDefine = false; atLineStart = true }
                i += 1; line += 1; lineStart = i
            case 32, 9, 13, 12, 11, 92:
                i += 1
            case 47 where i + 1 < bytes.count && bytes[i + 1] == 42:  // /* ... */
                i += 2
                while i + 1 < bytes.count, !(bytes[i] == 42 && bytes[i + 1] == 47) {
                    if bytes[i] == 10 { line += 1; lineStart = i + 1 }
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
                afterDefine = String(decoding: bytes[start..<i], as: UTF8.self) == "define"
                atLineStart = false
            case 40, 41, 44:  // ( ) ,
                atLineStart = false
                use(String(UnicodeScalar(b)), line, i - lineStart + 1)
                i += 1
            default:
                atLineStart = false
                guard isIdentStart(b) else {
                    i += 1
                    if b >= 48 && b <= 57 { while i < bytes.count, isIdent(bytes[i]) { i += 1 } }
                    continue
                }
                let start = i
                while i < bytes.count, isIdent(bytes[i]) { i += 1 }
                if directive && afterDefine {
                    afterDefine = false
                    continue
                }
                use(String(decoding: bytes[start..<i], as: UTF8.self), line, start - lineStart + 1)
            }
        }
    }
}
