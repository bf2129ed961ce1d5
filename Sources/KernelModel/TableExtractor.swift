import LibClang

/// What the extractors of cpufeature.c's and sys_regs.c's tables share: they read file-scope arrays of
/// struct initialisers, name places in the file relative to the tree, and fail closed (IncompleteAnalysis
/// against the file, never fewer entries).
protocol TableExtractor {
    /// The file the tables are in, relative to the tree: what an IncompleteAnalysis names.
    static var path: String { get }
    var relativize: (String) -> String { get }
}

extension TableExtractor {
    func ref(_ loc: SourceLocation) -> SourceRef {
        SourceRef(loc, relativize: relativize)
    }

    func fail(_ problem: String) -> IncompleteAnalysis {
        IncompleteAnalysis(file: Self.path, problem)
    }

    /// Throws when one of `errors` lies inside `decl`: a table with a parse error may have lost entries.
    func requireClean(_ decl: Cursor, errors: [Diagnostic], what: String) throws {
        let range = decl.extent
        if let e = errors.first(where: {
            $0.location.file == range.start.file
                && range.start.offset <= $0.location.offset && $0.location.offset <= range.end.offset
        }) {
            throw fail("\(what) did not parse: line \(e.location.line): \(e.message)")
        }
    }

    /// The initialiser list of `array` (`what` names it in the error when it has none).
    func initialiser(of array: Cursor, what: String) throws -> Cursor {
        guard let list = array.children.first(where: { $0.kind == .initListExpr }) else {
            throw fail("\(what) has no initialiser")
        }
        return list
    }

    /// Throws when `array` declares another length than the `count` entries read from it.
    func requireLength(of array: Cursor, count: Int, what: String) throws {
        if let declared = Self.arrayLength(array.canonicalTypeSpelling), declared != count {
            throw fail("\(what) declares \(declared) entries, \(count) were read")
        }
    }

    /// Member name → initialiser expression of a struct initialiser, with designators or positional.
    static func designated(_ list: Cursor) -> [String: Cursor] {
        // The struct's definition: newer libclang answers the type's first declaration, which may be a
        // forward one (`struct sys_reg_desc;`) with no members.
        let type = list.typeDeclaration.map { $0.definition ?? $0 }
        let members = type?.children.filter { $0.kind == .fieldDecl }.map(\.spelling) ?? []
        var result: [String: Cursor] = [:]
        var position = 0
        for child in list.children {
            let parts = child.children
            if parts.count == 2, parts[0].kind == .memberRef {
                result[parts[0].spelling] = parts[1]
                position = (members.firstIndex(of: parts[0].spelling) ?? position) + 1
            } else {
                if position < members.count { result[members[position]] = child }
                position += 1
            }
        }
        return result
    }

    /// N from a type spelled "T[N]".
    static func arrayLength(_ type: String) -> Int? {
        guard let open = type.lastIndex(of: "["), let close = type.lastIndex(of: "]"), open < close else { return nil }
        return Int(type[type.index(after: open)..<close])
    }
}
