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
    struct Key: Equatable {
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

        /// The node pointers (data[1] for statements, data[0] for declarations) and the kind, mixed.
        var hash: UInt {
            let h = (d0 ^ (d1 &* 0xC2B2_AE3D_27D4_EB4F) ^ d2) &+ UInt(kind) &* 0x1656_67B1 &+ UInt(bitPattern: Int(xdata))
            return h ^ (h >> 31)
        }

        /// The key of no cursor: marks a free slot.
        static let free = Key(kind: .max, xdata: 0, d0: 0, d1: 0, d2: 0)

        private init(kind: UInt32, xdata: Int32, d0: UInt, d1: UInt, d2: UInt) {
            self.kind = kind
            self.xdata = xdata
            self.d0 = d0
            self.d1 = d1
            self.d2 = d2
        }
    }

    /// One kind of answer: a table from cursor to value. Open addressing with linear probing: the
    /// interpreter asks it millions of times, and a Dictionary's seeded hashing of the key dominated.
    final class Table<Value> {
        private var keys: [Key] = Array(repeating: .free, count: 1024)
        private var values: [Value?] = Array(repeating: nil, count: 1024)
        private var count = 0
        /// 64 - log2(capacity): a slot is the top bits of the key's hash times the golden ratio.
        private var shift = 54

        @inline(__always) private func slot(_ key: Key) -> Int {
            Int(truncatingIfNeeded: (key.hash &* 0x9E37_79B9_7F4A_7C15) >> UInt(shift))
        }

        @inline(__always) fileprivate subscript(key: Key) -> Value? {
            get {
                let mask = keys.count - 1
                var i = slot(key)
                while true {
                    let k = keys[i]
                    if k == key { return values[i] }
                    if k == .free { return nil }
                    i = (i + 1) & mask
                }
            }
            set {
                guard let newValue else { return }
                if (count + 1) * 4 > keys.count * 3 { grow() }
                insert(key, newValue)
            }
        }

        @inline(__always) private func insert(_ key: Key, _ value: Value) {
            let mask = keys.count - 1
            var i = slot(key)
            while keys[i] != .free {
                if keys[i] == key {
                    values[i] = value
                    return
                }
                i = (i + 1) & mask
            }
            keys[i] = key
            values[i] = value
            count += 1
        }

        private func grow() {
            let oldKeys = keys, oldValues = values
            keys = Array(repeating: .free, count: oldKeys.count * 2)
            values = Array(repeating: nil, count: oldKeys.count * 2)
            shift -= 1
            count = 0
            for (i, k) in oldKeys.enumerated() where k != .free { insert(k, oldValues[i]!) }
        }
    }

    let lock = NSLock()
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
    let integerType = Table<IntegerType?>()
    /// File → the file location of its first byte (TranslationUnit.location(in:offset:)).
    var fileStarts: [UnsafeMutableRawPointer: CXSourceLocation] = [:]
    /// Whether the unit's top-level declarations were scanned for file starts.
    var declarationsScanned = false
    /// Tables of derived facts, one per slot (Table<V> for a CursorMemoSlot<V>).
    private var custom: [ObjectIdentifier: AnyObject] = [:]
    private var fileNames: [UnsafeMutableRawPointer: String] = [:]
    private var fileSizes: [UnsafeMutableRawPointer: Int] = [:]
    private var fileBuffers: [UnsafeMutableRawPointer: UnsafeBufferPointer<UInt8>?] = [:]

    /// The table's value for `cursor`, computed (outside the lock: computing may ask other questions) on a miss.
    func value<V>(_ table: Table<V>, _ cursor: CXCursor, _ compute: () -> V) -> V {
        let key = Key(cursor)
        lock.lock()
        if let v = table[key] {
            lock.unlock()
            return v
        }
        lock.unlock()
        let v = compute()
        lock.lock()
        table[key] = v
        lock.unlock()
        return v
    }

    func custom<V>(_ slot: CursorMemoSlot<V>, _ cursor: CXCursor, _ compute: () -> V) -> V {
        lock.lock()
        let table: Table<V>
        if let existing = custom[ObjectIdentifier(slot)] {
            table = unsafeDowncast(existing, to: Table<V>.self)
        } else {
            table = Table<V>()
            custom[ObjectIdentifier(slot)] = table
        }
        lock.unlock()
        return value(table, cursor, compute)
    }

    /// A file's size as the unit read it: an unsaved file's length, else the size on disk (nil: no such
    /// file), asked once per file. Not clang_getFileContents: for a header read from a precompiled
    /// preamble, libclang finds that file by walking every source entry the preamble holds.
    func fileSize(_ file: CXFile, unsaved: [String: Int]) -> Int? {
        lock.lock()
        if let size = fileSizes[file] {
            lock.unlock()
            return size >= 0 ? size : nil
        }
        lock.unlock()
        let name = fileName(file)
        var st = stat()
        let size = unsaved[name] ?? (stat(name, &st) == 0 ? Int(st.st_size) : -1)
        lock.lock()
        fileSizes[file] = size
        lock.unlock()
        return size >= 0 ? size : nil
    }

    /// A file's text as the unit read it (clang_getFileContents), asked once per file: libclang finds the file
    /// by walking the unit's source entries on every call. Valid while the unit lives.
    func fileContents(_ file: CXFile, in unit: CXTranslationUnit) -> UnsafeBufferPointer<UInt8>? {
        lock.lock()
        if let known = fileBuffers[file] {
            lock.unlock()
            return known
        }
        lock.unlock()
        var size = 0
        let buffer = clang_getFileContents(unit, file, &size).map {
            UnsafeBufferPointer(start: UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self), count: size)
        }
        lock.lock()
        fileBuffers[file] = buffer
        lock.unlock()
        return buffer
    }

    /// A file's name as libclang gives it (clang_getFileName), asked once per file.
    func fileName(_ file: CXFile) -> String {
        lock.lock()
        if let name = fileNames[file] {
            lock.unlock()
            return name
        }
        lock.unlock()
        let name = consume(clang_getFileName(file))
        lock.lock()
        fileNames[file] = name
        lock.unlock()
        return name
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
