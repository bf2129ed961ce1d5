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
        // Most identifiers are none of the names: tell them apart by a hash of their bytes, with no String made.
        var byHash: [UInt64: String] = [:]
        for n in names { byHash[Self.hash(Array(n.utf8)[...])] = n }
        var features: [String: String] = [:]
        for path in Self.files(of: tree) {
            let text = try tree.read(path)
            for (name, field) in Self.featureDefinitions(text) { features[name] = field }
            // Inside NEEDS_FEAT*( ... ): depth of parentheses, and whether the first argument is still read.
            var map: (depth: Int, first: Bool, controls: [String], features: [String])?
            var pendingMap = false
            Self.scan(text) { token, line, column in
                if pendingMap || map != nil || Self.startsNeedsFeat(token) {
                    let t = String(decoding: token, as: UTF8.self)
                    if pendingMap {
                        pendingMap = false
                        if t == "(" { map = (1, true, [], []); return }
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
                            for c in m.controls where names.contains(c) { gated[c, default: []].formUnion(m.features) }
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
                if map == nil, ungated[name] == nil { ungated[name] = ref }
            }
        }
        let resolved = gated.mapValues { Set($0.compactMap { features[$0] }) }
        self.init(uses: uses, ungated: ungated, gates: resolved)
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

    /// `#define FEAT_X REGISTER, Field, VALUE` of KVM's feature maps: FEAT_X → "REGISTER.Field". A pass over
    /// the bytes: most files have none, and Foundation's substring search would cost more than the scan.
    static func featureDefinitions(_ text: String) -> [(String, String)] {
        var text = text
        return text.withUTF8 { bytes in
            var result: [(String, String)] = []
            let prefix = Array("#define".utf8)
            var lineStart = 0
            while lineStart < bytes.count {
                var lineEnd = lineStart
                while lineEnd < bytes.count, bytes[lineEnd] != 10 { lineEnd += 1 }
                if lineEnd - lineStart > prefix.count, UnsafeBufferPointer(rebasing: bytes[lineStart..<lineStart + prefix.count]).elementsEqual(prefix) {
                    let words = String(decoding: UnsafeBufferPointer(rebasing: bytes[lineStart..<lineEnd]), as: UTF8.self)
                        .split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," })
                    if words.count >= 5, words[1].hasPrefix("FEAT_"), words[2].hasSuffix("_EL1") || words[2].hasSuffix("_EL0") {
                        result.append((String(words[1]), "\(words[2]).\(words[3])"))
                    }
                }
                lineStart = lineEnd + 1
            }
            return result
        }
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
                afterDefine = bytes[start..<i].elementsEqual("define".utf8)
                atLineStart = false
            case 40, 41, 44:  // ( ) ,
                atLineStart = false
                use(UnsafeBufferPointer(rebasing: bytes[i...i]), line, i - lineStart + 1)
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
                use(UnsafeBufferPointer(rebasing: bytes[start..<i]), line, start - lineStart + 1)
            }
        }
    }
}
