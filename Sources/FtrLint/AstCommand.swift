import ArgumentParser
import LibClang

/// Prints the cursor tree of one declaration: a maintainer's aid when a new kernel idiom is not recognised.
struct AstCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ast", abstract: "Print libclang's cursor tree of a declaration.")

    @Argument(help: "Source file.") var file: String
    @Argument(help: "Declaration name.") var name: String
    @Argument(parsing: .captureForPassthrough, help: "Compiler arguments.") var arguments: [String] = []

    func run() throws {
        let unit = try TranslationUnit(path: file, arguments: arguments, options: [.keepGoing, .detailedPreprocessingRecord])
        for d in unit.diagnostics where d.severity >= .error { print(d) }
        unit.cursor.visit { c in
            if c.spelling == name && c.isInMainFile { dump(c, depth: 0) }
            return .continue
        }
    }

    private func dump(_ c: Cursor, depth: Int) {
        let ev = c.kind.isExpression ? c.evaluate().map { " = \($0)" } ?? "" : ""
        print(
            String(repeating: "  ", count: depth)
                + "\(c.kind) \(c.operatorSpelling ?? "") '\(c.spelling)' <\(c.typeSpelling)> \(c.location.line):\(c.location.column)\(ev)"
        )
        for child in c.children { dump(child, depth: depth + 1) }
    }
}
