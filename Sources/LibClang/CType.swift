import CClang

/// A C type as libclang gives it (the type of a declaration or an expression).
public struct CType {
    let raw: CXType

    init(_ raw: CXType) { self.raw = raw }

    /// The type with typedefs resolved (`u8` → `unsigned char`).
    public var canonical: CType { CType(clang_getCanonicalType(raw)) }

    public var spelling: String { consume(clang_getTypeSpelling(raw)) }

    /// sizeof, in bytes; nil for a type that has none (void, a function, an incomplete struct).
    public var size: Int? {
        let size = clang_Type_getSizeOf(raw)
        return size >= 0 ? Int(size) : nil
    }

    /// `_Bool` (the kernel's `bool`).
    public var isBool: Bool { raw.kind == CXType_Bool }

    /// A builtin integer type, signed or unsigned, of any width (`char` to `__int128`); not `_Bool`, not an enum.
    public var isInteger: Bool {
        (CXType_Char_U.rawValue...CXType_Int128.rawValue).contains(raw.kind.rawValue)
    }
}

/// An integer type: its size, and whether it is `_Bool`.
public struct IntegerType: Hashable, Sendable {
    public let bits: Int
    public let isBool: Bool
}

extension Cursor {
    /// The type of the declaration or expression.
    public var type: CType { CType(clang_getCursorType(raw)) }

    /// The canonical type of the declaration or expression where it is an integer type or `_Bool` of known
    /// size, nil otherwise (enums, pointers, structs); asked once per cursor.
    public var integerType: IntegerType? {
        unit.memo.value(unit.memo.integerType, raw) {
            let canonical = type.canonical
            guard canonical.isBool || canonical.isInteger, let size = canonical.size else { return nil }
            return IntegerType(bits: size * 8, isBool: canonical.isBool)
        }
    }
}
