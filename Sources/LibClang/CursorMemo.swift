import CClang
import Foundation

/// Answers to cursor queries, kept for the life of their translation unit.
///
/// A parsed unit never changes, so what libclang says about a cursor (its children, what it references,
/// its value, its tokens) is the same every time it is asked. The read-path interpreter asks the same
/// questions about the same expressions once per register and view; answering them from here rather
/// than from libclang (a visit, a tokenization, an evaluation each time) is most of its speed.
///
/// Entries are keyed by the cursor's raw fields and never hold a `Cursor` (which would keep the unit,
/// and so this memo, alive): cursors are stored raw and wrapped again on the way out.
final class CursorMemo: @unchecked Sendable {
    /// A cursor's identity: every field of the CXCursor (stricter than clang_equalCursors, so two equal
    /// cursors may take two entries, never share a wrong one).
    struct Key: Hashable {
        let kind: UInt32
        let xdata: Int32
        let d0, d1, d2: UInt

        init(_ c: CXCursor) {
            kind = c.kind.rawValue
            xdata = c.xdata
            d0 = UInt(bitPattern: c.data.0)
            d1 = UInt(bitPattern: c.data.1)
            d2 = UInt(bitPattern: c.data.2)
        }
    }

    /// One kind of answer: a table from cursor to value.
    final class Table<Value> {
        fileprivate var entries: [Key: Value] = [:]
    }

    private let lock = NSLock()
    let children = Table<[CXCursor]>()
    let arguments = Table<[CXCursor]>()
    let referenced = Table<CXCursor>()
    let definition = Table<CXCursor>()
    let evaluation = Table<EvalResult?>()
    let expansionTokens = Table<[Token]>()
    let text = Table<String>()
    let operatorSpelling = Table<String?>()
    let spellingKey = Table<String>()
    let location = Table<SourceLocation>()
    let spelling = Table<String>()
    let typeSpelling = Table<String>()
    let canonicalTypeSpelling = Table<String>()
    let mainStart = Table<(file: CXFile, location: CXSourceLocation)?>()
    private var custom: [CustomKey: Any] = [:]

    private struct CustomKey: Hashable {
        let slot: ObjectIdentifier
        let cursor: Key
    }

    /// The table's value for `cursor`, computed (outside the lock: computing may ask other questions) on a miss.
    func value<V>(_ table: Table<V>, _ cursor: CXCursor, _ compute: () -> V) -> V {
        let key = Key(cursor)
        lock.lock()
        if let v = table.entries[key] { lock.unlock(); return v }
        lock.unlock()
        let v = compute()
        lock.lock()
        table.entries[key] = v
        lock.unlock()
        return v
    }

    func custom<V>(_ slot: CursorMemoSlot<V>, _ cursor: CXCursor, _ compute: () -> V) -> V {
        let key = CustomKey(slot: ObjectIdentifier(slot), cursor: Key(cursor))
        lock.lock()
        if let v = custom[key] { lock.unlock(); return v as! V }
        lock.unlock()
        let v = compute()
        lock.lock()
        custom[key] = v
        lock.unlock()
        return v
    }
}

/// A named kind of derived fact about a cursor, for `Cursor.memoized(_:_:)`. The value must be a pure
/// function of the cursor (of the unit's code, not of any analysis state) and must not contain a `Cursor`.
public final class CursorMemoSlot<Value>: @unchecked Sendable {
    public let name: String
    public init(_ name: String) { self.name = name }
}

extension Cursor {
    /// `compute()`'s value for this cursor, computed once per translation unit and slot.
    public func memoized<V>(_ slot: CursorMemoSlot<V>, _ compute: () -> V) -> V {
        unit.memo.custom(slot, raw, compute)
    }
}
