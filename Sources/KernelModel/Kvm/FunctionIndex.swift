import LibClang

/// Function definitions (with bodies) across the parsed KVM units, so the read path can be followed
/// from sys_regs.c into nested.c, pmu-emul.c and header inlines.
public struct FunctionIndex {
    private var definitions: [String: Cursor] = [:]

    public init(units: [TranslationUnit]) {
        for unit in units {
            unit.cursor.visit { c in
                if c.kind == .functionDecl, c.isInMainFile, definitions[c.spelling] == nil,
                   c.children.contains(where: { $0.kind == .compoundStmt }) {
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
