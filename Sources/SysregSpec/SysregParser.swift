/// Reads sysreg text line by line with the block rules of the kernel's gen-sysreg.awk (7.x):
/// Root > Sysreg | SysregFields > Prefix > Enum, fields listed from bit 63 down without gaps.
/// Deliberate differences: blank lines may hold whitespace and CR counts as whitespace; names,
/// encodings and enum values are checked (the awk pastes them into C unchecked: a name with a
/// dash, CRm 16 or 0b100 in a 2-bit field would pass it); duplicate enum values are accepted,
/// because linux-6.12's own file has one and its generator (like 6.1's) allowed it.
struct SysregParser {
    private let path: String
    private var registers: [Sysreg] = []
    private var types: [SysregType] = []
    private var registerLines: [String: Int] = [:]
    private var typeLines: [String: Int] = [:]
    private var block: OpenBlock?
    private var openEnum: OpenEnum?
    private var line = 0

    /// A `Sysreg` or `SysregFields` block being read.
    private struct OpenBlock {
        let name: String
        let line: Int
        /// nil for `SysregFields`.
        let encoding: SysregEncoding?
        var fields: [SysregField] = []
        var reference: SysregReference?
        /// The generator's `next_bit`: the highest bit not yet described, -1 when all are.
        var nextBit = 63
        var prefix: (name: String, line: Int)?
        var prefixLines: [String: Int] = [:]

        var directive: String { encoding == nil ? "SysregFields" : "Sysreg" }
        var terminator: String { "End" + directive }
    }

    /// An `Enum`, `UnsignedEnum` or `SignedEnum` block being read.
    private struct OpenEnum {
        let kind: SysregFieldKind
        let directive: String
        let name: String
        let msb: Int
        let lsb: Int
        let line: Int
        var values: [SysregEnumValue] = []
    }

    private init(path: String) {
        self.path = path
    }

    /// Parses a whole file into its registers and field sets, in file order.
    static func parse(_ text: String, path: String) throws -> (registers: [Sysreg], types: [SysregType]) {
        var parser = SysregParser(path: path)
        try SysregLexer.forEachStatement(in: text) { line, words in
            guard let directive = words.first else { return }
            parser.line = line
            try parser.statement(directive, Array(words.dropFirst()))
        }
        try parser.finish()
        return (parser.registers, parser.types)
    }

    private func fail(_ message: String, at line: Int? = nil) -> SysregSpecError {
        SysregSpecError(path: path, line: line ?? self.line, message: message)
    }

    // MARK: Statements

    private mutating func statement(_ directive: String, _ args: [String]) throws {
        if openEnum != nil {
            try enumStatement(directive, args)
            return
        }
        switch directive {
        case "Sysreg": try openRegister(args)
        case "SysregFields": try openType(args)
        case "EndSysreg", "EndSysregFields": try closeBlock(directive, args)
        case "Fields", "Mapping": try reference(directive, args)
        case "Prefix": try openPrefix(args)
        case "EndPrefix": try closePrefix(args)
        case "Field": try plainField(args)
        case "Res0": try reserved(.res0, directive, args)
        case "Res1": try reserved(.res1, directive, args)
        case "Unkn": try reserved(.unkn, directive, args)
        case "Raz": try reserved(.raz, directive, args)
        case "Enum": try openEnumeration(.enumeration, directive, args)
        case "UnsignedEnum": try openEnumeration(.unsignedEnum, directive, args)
        case "SignedEnum": try openEnumeration(.signedEnum, directive, args)
        case "EndEnum": throw fail("EndEnum without an open Enum")
        default:
            if directive.hasPrefix("0b") { throw fail("enum value \(Self.quoted(directive)) outside an Enum block") }
            throw fail("unknown directive \(Self.quoted(directive))")
        }
    }

    private mutating func openRegister(_ args: [String]) throws {
        try expectRoot("Sysreg", args)
        try expect("Sysreg", args, count: 6, usage: "<name> <op0> <op1> <crn> <crm> <op2>")
        let name = try validName(args[0], "register name", startsMacro: true)
        if let first = registerLines[name] { throw fail("duplicate Sysreg \(name) (first defined at line \(first))") }
        let encoding = SysregEncoding(
            op0: try encodingField(args[1], "op0", max: 3), op1: try encodingField(args[2], "op1", max: 7),
            crn: try encodingField(args[3], "CRn", max: 15), crm: try encodingField(args[4], "CRm", max: 15),
            op2: try encodingField(args[5], "op2", max: 7))
        registerLines[name] = line
        block = OpenBlock(name: name, line: line, encoding: encoding)
    }

    private mutating func openType(_ args: [String]) throws {
        try expectRoot("SysregFields", args)
        try expect("SysregFields", args, count: 1, usage: "<name>")
        let name = try validName(args[0], "field set name", startsMacro: true)
        if let first = typeLines[name] { throw fail("duplicate SysregFields \(name) (first defined at line \(first))") }
        typeLines[name] = line
        block = OpenBlock(name: name, line: line, encoding: nil)
    }

    private mutating func closeBlock(_ directive: String, _ args: [String]) throws {
        let open = try takeBlock(directive)
        if let prefix = open.prefix {
            throw fail("\(directive) inside Prefix \(prefix.name) (line \(prefix.line)); missing EndPrefix?")
        }
        guard directive == open.terminator else {
            throw fail("\(directive) closes \(open.directive) \(open.name) (line \(open.line)); expected \(open.terminator)")
        }
        try expect(directive, args, count: 0, usage: "")
        try expectComplete(open, open.name)
        if let encoding = open.encoding {
            registers.append(
                Sysreg(name: open.name, encoding: encoding, fields: open.fields, reference: open.reference, line: open.line))
        } else {
            types.append(SysregType(name: open.name, fields: open.fields, line: open.line))
        }
    }

    private mutating func reference(_ directive: String, _ args: [String]) throws {
        var open = try takeBlock(directive)
        guard open.encoding != nil, open.prefix == nil else {
            throw fail("\(directive) is only allowed directly inside a Sysreg block")
        }
        try expect(directive, args, count: 1, usage: "<name>")
        guard open.nextBit == 63 else {
            throw fail("\(directive) in \(open.name) after some of its fields are already described")
        }
        let target = try validName(args[0], "\(directive) target", startsMacro: true)
        open.reference = directive == "Fields" ? .fields(target) : .mapping(target)
        // The referenced block describes every bit, as the generator's next_bit = -1 says.
        open.nextBit = -1
        block = open
    }

    private mutating func openPrefix(_ args: [String]) throws {
        var open = try takeBlock("Prefix")
        if let prefix = open.prefix {
            throw fail("Prefix inside Prefix \(prefix.name) (line \(prefix.line)); missing EndPrefix?")
        }
        try expect("Prefix", args, count: 1, usage: "<name>")
        guard open.nextBit == 63 else { throw fail("Prefix in \(open.name) must precede its non-prefixed fields") }
        let name = try validName(args[0], "prefix", startsMacro: true)
        if let first = open.prefixLines[name] { throw fail("duplicate Prefix \(name) in \(open.name) (first at line \(first))") }
        open.prefixLines[name] = line
        open.prefix = (name, line)
        block = open
    }

    private mutating func closePrefix(_ args: [String]) throws {
        var open = try takeBlock("EndPrefix")
        guard let prefix = open.prefix else { throw fail("EndPrefix without an open Prefix") }
        try expect("EndPrefix", args, count: 0, usage: "")
        try expectComplete(open, "\(open.name) (Prefix \(prefix.name))")
        open.prefix = nil
        open.nextBit = 63
        block = open
    }

    private mutating func plainField(_ args: [String]) throws {
        var open = try takeBlock("Field")
        try expect("Field", args, count: 2, usage: "<msb>[:<lsb>] <name>")
        let name = try validName(args[1], "field name")
        let bits = try claim(args[0], field: name, in: &open)
        open.fields.append(
            SysregField(
                name: name, msb: bits.msb, lsb: bits.lsb, kind: .field, values: [],
                prefix: open.prefix?.name, line: line))
        block = open
    }

    private mutating func reserved(_ kind: SysregFieldKind, _ directive: String, _ args: [String]) throws {
        var open = try takeBlock(directive)
        try expect(directive, args, count: 1, usage: "<msb>[:<lsb>]")
        let tag = directive.uppercased()
        let bits = try claim(args[0], field: tag, in: &open)
        // The generator names reserved ranges RES0_<msb>_<lsb> and so on; keep that naming.
        open.fields.append(
            SysregField(
                name: "\(tag)_\(bits.msb)_\(bits.lsb)", msb: bits.msb, lsb: bits.lsb, kind: kind,
                values: [], prefix: open.prefix?.name, line: line))
        block = open
    }

    private mutating func openEnumeration(_ kind: SysregFieldKind, _ directive: String, _ args: [String]) throws {
        var open = try takeBlock(directive)
        try expect(directive, args, count: 2, usage: "<msb>[:<lsb>] <name>")
        let name = try validName(args[1], "field name")
        let bits = try claim(args[0], field: name, in: &open)
        block = open
        openEnum = OpenEnum(kind: kind, directive: directive, name: name, msb: bits.msb, lsb: bits.lsb, line: line)
    }

    private mutating func enumStatement(_ directive: String, _ args: [String]) throws {
        guard var current = openEnum.take() else { return }
        if directive == "EndEnum" {
            try expect("EndEnum", args, count: 0, usage: "")
            var open = try takeBlock(directive)
            open.fields.append(
                SysregField(
                    name: current.name, msb: current.msb, lsb: current.lsb, kind: current.kind,
                    values: current.values, prefix: open.prefix?.name, line: current.line))
            block = open
            return
        }
        let owner = block?.name ?? ""
        guard directive.hasPrefix("0b") else {
            throw fail(
                "\(Self.quoted(directive)) inside \(current.directive) \(owner).\(current.name) (line \(current.line)); missing EndEnum?"
            )
        }
        try expect("enum value", args, count: 1, usage: "<name> after the 0b value")
        let name = try validName(args[0], "enum value name")
        let value = try enumValue(directive, width: current.msb - current.lsb + 1, owner: owner, field: current.name)
        current.values.append(SysregEnumValue(value: value, name: name, literal: directive, line: line))
        openEnum = current
    }

    private func finish() throws {
        if let current = openEnum, let open = block {
            throw fail("\(current.directive) \(open.name).\(current.name) is never closed by EndEnum", at: current.line)
        }
        if let open = block {
            if let prefix = open.prefix {
                throw fail("Prefix \(prefix.name) in \(open.name) is never closed by EndPrefix", at: prefix.line)
            }
            throw fail("\(open.directive) \(open.name) is never closed by \(open.terminator)", at: open.line)
        }
    }

    // MARK: Checks

    private func expectRoot(_ directive: String, _ args: [String]) throws {
        guard let open = block else { return }
        let opened = ([directive] + args.prefix(1).map { String($0.prefix(40)) }).joined(separator: " ")
        throw fail("\(opened) inside \(open.directive) \(open.name) (line \(open.line)); missing \(open.terminator)?")
    }

    /// Moves the open block out so that appending to its fields does not copy them; callers put it back.
    private mutating func takeBlock(_ directive: String) throws -> OpenBlock {
        guard let open = block.take() else { throw fail("\(directive) outside a Sysreg or SysregFields block") }
        return open
    }

    private func expect(_ directive: String, _ args: [String], count: Int, usage: String) throws {
        guard args.count != count else { return }
        let wanted = count == 0 ? "no arguments" : "\(count) argument\(count == 1 ? "" : "s") (\(usage))"
        let hint = args.contains { $0.hasPrefix("#") } ? "; # starts a comment only at the start of a line" : ""
        throw fail("\(directive) takes \(wanted), found \(args.count)\(hint)")
    }

    /// The generator requires every bit of a block (or prefix) to be described before it ends.
    private func expectComplete(_ open: OpenBlock, _ label: String) throws {
        guard open.nextBit >= 0 else { return }
        throw fail("\(label): bits \(open.nextBit):0 are not described")
    }

    /// Names become parts of C macro names; those that start one (register, field set and prefix names) may
    /// not start with a digit.
    private func validName(_ token: String, _ what: String, startsMacro: Bool = false) throws -> String {
        let ok =
            token.utf8.count <= Self.maxNameLength
            && token.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
            }
        guard ok else {
            throw fail("invalid \(what) \(Self.quoted(token)) (letters, digits and _ only, at most \(Self.maxNameLength))")
        }
        if startsMacro, let first = token.utf8.first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) {
            throw fail("invalid \(what) \(Self.quoted(token)) (it starts a C macro name: not with a digit)")
        }
        return token
    }

    private func encodingField(_ token: String, _ what: String, max: Int) throws -> Int {
        guard let value = Self.decimal(token) else { throw fail("bad number \(Self.quoted(token)) for \(what)") }
        guard value <= max else { throw fail("\(what) \(value) is outside 0...\(max)") }
        return value
    }

    /// Parses `<msb>[:<lsb>]` and takes those bits, which must be the next undescribed ones.
    private func claim(_ spec: String, field: String, in open: inout OpenBlock) throws -> (msb: Int, lsb: Int) {
        let owner = open.name
        // Built only on failure, as most lines are fields.
        func failure(_ message: String) -> SysregSpecError { fail("\(owner).\(field): \(message)") }
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let msb = Self.decimal(parts[0]), let lsb = Self.decimal(parts.last ?? parts[0]) else {
            throw failure("invalid bit range \(Self.quoted(spec)) (expected <msb>[:<lsb>])")
        }
        for bit in [msb, lsb] where bit > 63 {
            throw failure("bit \(bit) is outside 0...63")
        }
        guard lsb <= msb else { throw failure("bit range \(Self.quoted(spec)) has msb below lsb") }
        if open.nextBit < 0 {
            if let reference = open.reference {
                throw failure("\(owner) takes its layout from \(reference.target) and cannot describe fields")
            }
            throw failure("all 64 bits are already described")
        }
        if msb > open.nextBit {
            throw failure("bits \(spec) overlap bits already described (next undescribed bit is \(open.nextBit))")
        }
        if msb < open.nextBit {
            throw failure("bits \(open.nextBit):\(msb + 1) are skipped (fields go from bit 63 down without gaps)")
        }
        open.nextBit = lsb - 1
        return (msb, lsb)
    }

    /// Decodes `0b<bits>`; the value must fit the field.
    private func enumValue(_ literal: String, width: Int, owner: String, field: String) throws -> Int {
        func failure(_ message: String) -> SysregSpecError { fail("\(owner).\(field): \(message)") }
        let digits = literal.utf8.dropFirst(2)
        guard !digits.isEmpty, digits.allSatisfy({ $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: "1") }) else {
            throw failure("bad enum value \(Self.quoted(literal)) (expected 0b followed by binary digits)")
        }
        var value = 0
        for digit in digits {
            let (doubled, overflow) = value.multipliedReportingOverflow(by: 2)
            // Int holds any value of a field up to 63 bits wide; no real enum is wider.
            guard !overflow else { throw failure("enum value \(Self.quoted(literal)) is too large") }
            value = doubled | (digit == UInt8(ascii: "1") ? 1 : 0)
            if width < 64 && value >> width != 0 {
                throw failure("enum value \(Self.quoted(literal)) does not fit in \(width) bit\(width == 1 ? "" : "s")")
            }
        }
        return value
    }

    /// Real names are under 40 characters; the cap keeps messages that echo names readable.
    private static let maxNameLength = 128

    /// A token in quotes for a message, cut short so that a garbage line cannot flood the output.
    private static func quoted(_ token: String) -> String {
        token.count <= 40 ? "'\(token)'" : "'\(token.prefix(40))...'"
    }

    /// A non-negative decimal number of at most a few digits; nil for anything else.
    private static func decimal<S: StringProtocol>(_ text: S) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 6 else { return nil }
        var value = 0
        for byte in text.utf8 {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
