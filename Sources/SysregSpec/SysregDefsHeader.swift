/// The header the kernel build generates from the sysreg file (asm/sysreg-defs.h), made without running gen-sysreg.awk.
public enum SysregDefsHeader {
    /// The revisions of gen-sysreg.awk whose output differs for the same input.
    public enum Generator: Sendable, Hashable, CaseIterable {
        /// The first script (as in Linux 6.1): no `_UNKN` masks, macro bodies in column 48.
        case original
        /// Later scripts (6.12, 7.x): every register and field set also gets a `_UNKN` mask.
        case current

        /// The revision a gen-sysreg.awk is, told from its text (never run) by whether it emits `_UNKN`.
        public init(script: String) {
            self = script.contains("_UNKN") ? .current : .original
        }
    }

    /// The generated header for `spec`: the same macros, values and order as `generator` would print.
    public static func render(_ spec: SysregSpec, generator: Generator = .current) -> String {
        var out = Output(generator: generator)
        // Lines are about 64 bytes; reserving avoids regrowing a buffer that reaches 1 MB for 7.x.
        let fields = (spec.registers.map(\.fields) + spec.types.map(\.fields)).joined()
        let lines = 12 * (spec.registers.count + spec.types.count) + fields.reduce(0) { $0 + 6 + $1.values.count }
        out.bytes.reserveCapacity(lines * 64)
        out.line("#ifndef __ASM_SYSREG_DEFS_H")
        out.line("#define __ASM_SYSREG_DEFS_H")
        out.line("")
        out.line("/* Generated file - do not edit */")
        out.line("")
        // The script prints blocks as it meets them, so interleave both kinds by line.
        var registers = spec.registers[...]
        var types = spec.types[...]
        while !registers.isEmpty || !types.isEmpty {
            if let reg = registers.first, types.first.map({ reg.line < $0.line }) ?? true {
                out.register(reg)
                registers = registers.dropFirst()
            } else if let type = types.first {
                out.layout(type.fields, owner: type.name, reference: nil)
                types = types.dropFirst()
            }
        }
        out.line("#endif /* __ASM_SYSREG_DEFS_H */")
        return out.text
    }

    /// The text being built, mirroring the script's print statements.
    private struct Output {
        let generator: Generator
        /// Bytes, not a String: appending to a String costs several times more for a 1 MB header.
        var bytes: [UInt8] = []

        var text: String { String(decoding: bytes, as: UTF8.self) }

        mutating func line(_ string: String) {
            bytes += string.utf8
            bytes.append(UInt8(ascii: "\n"))
        }

        /// `#define NAME VALUE`, the value aligned in the script's column (and never glued to the name).
        mutating func define(_ name: String, suffix: String = "", _ value: String) {
            let column = generator == .original ? 48 : 56
            let start = bytes.count
            bytes += "#define ".utf8
            bytes += name.utf8
            bytes += suffix.utf8
            bytes += repeatElement(UInt8(ascii: " "), count: max(1, column - (bytes.count - start)))
            line(value)
        }

        mutating func register(_ reg: Sysreg) {
            let e = reg.encoding
            define("REG_\(reg.name)", "S\(e.op0)_\(e.op1)_C\(e.crn)_C\(e.crm)_\(e.op2)")
            define("SYS_\(reg.name)", "sys_reg(\(e.op0), \(e.op1), \(e.crn), \(e.crm), \(e.op2))")
            define("SYS_\(reg.name)_Op0", "\(e.op0)")
            define("SYS_\(reg.name)_Op1", "\(e.op1)")
            define("SYS_\(reg.name)_CRn", "\(e.crn)")
            define("SYS_\(reg.name)_CRm", "\(e.crm)")
            define("SYS_\(reg.name)_Op2", "\(e.op2)")
            line("")
            layout(reg.fields, owner: reg.name, reference: reg.reference)
        }

        /// Prefix blocks (which come first), then the plain layout or the `Fields`/`Mapping` note.
        mutating func layout(_ fields: [SysregField], owner: String, reference: SysregReference?) {
            var rest = fields[...]
            while let prefix = rest.first?.prefix {
                let group = rest.prefix { $0.prefix == prefix }
                section(group, name: "\(prefix)_\(owner)")
                rest = rest.dropFirst(group.count)
            }
            if let reference {
                line("/* For \(owner) fields see \(reference.target) */")
                line("")
            } else {
                section(rest, name: owner)
            }
        }

        /// One run of fields sharing a macro prefix, closed by its reserved-bit masks.
        mutating func section(_ fields: ArraySlice<SysregField>, name: String) {
            var res0 = "UL(0)", res1 = "UL(0)", unkn = "UL(0)"
            func genmask(_ field: SysregField) -> String { " | GENMASK_ULL(\(field.msb), \(field.lsb))" }
            for field in fields {
                switch field.kind {
                case .res0: res0 += genmask(field)
                case .res1: res1 += genmask(field)
                case .unkn: unkn += genmask(field)
                case .raz: break
                case .field:
                    bitfield(field, name: name)
                    line("")
                case .unsignedEnum, .signedEnum, .enumeration:
                    let base = bitfield(field, name: name)
                    if field.kind != .enumeration {
                        define(base, suffix: "_SIGNED", field.kind == .signedEnum ? "true" : "false")
                    }
                    for value in field.values {
                        define(base, suffix: "_" + value.name, "UL(" + value.literal + ")")
                    }
                    line("")
                }
            }
            define(name, suffix: "_RES0", "(" + res0 + ")")
            define(name, suffix: "_RES1", "(" + res1 + ")")
            if generator == .current { define(name, suffix: "_UNKN", "(" + unkn + ")") }
            line("")
        }

        /// The four macros every named field gets; returns their common name.
        @discardableResult
        mutating func bitfield(_ field: SysregField, name: String) -> String {
            let base = name + "_" + field.name
            let genmask = "GENMASK(\(field.msb), \(field.lsb))"
            define(base, genmask)
            define(base, suffix: "_MASK", genmask)
            define(base, suffix: "_SHIFT", String(field.lsb))
            define(base, suffix: "_WIDTH", String(field.width))
            return base
        }
    }
}
