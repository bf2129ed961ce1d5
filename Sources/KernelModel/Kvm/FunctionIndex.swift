import LibClang

/// Function definitions (with bodies) across the parsed KVM units, so the read path can be followed
/// from sys_regs.c into nested.c, pmu-emul.c and header inlines.
public struct FunctionIndex {
    private var definitions: [String: Cursor] = [:]

    public init(units: [TranslationUnit]) {
        for unit in units {
            unit.cursor.visit { c in
                if c.kind == .functionDecl, c.isInMainFile, definitions[c.spelling] == nil, c.hasBody {
                    definitions[c.spelling] = c
                }
                return .continue
            }
        }
    }

    /// The definition of `name` in a parsed unit's main file.
    public func definition(of name: String) -> Cursor? { definitions[name] }

    /// Names of the functions defined in the parsed units' main files.
    public var names: Set<String> { Set(definitions.keys) }
}

extension Cursor {
    /// Whether this function declaration is a definition with its body parsed (not skipped, not a prototype).
    var hasBody: Bool { children.contains { $0.kind == .compoundStmt } }

    /// The definition, with its body, of the function this cursor declares or names; nil where the unit has none.
    var definitionWithBody: Cursor? { definition.flatMap { $0.hasBody ? $0 : nil } }
}
