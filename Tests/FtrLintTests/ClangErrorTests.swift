import LibClang
import ToolError
import XCTest

/// libclang's failures are typed cases; what they print is what the string-built error printed before,
/// since a message is part of the `ftrlint: error:` line scripts match on.
final class ClangErrorTests: XCTestCase {
    func testMessagesAreUnchanged() {
        let parse = "a.c: libclang could not parse the file"
        XCTAssertEqual(ClangError.noIndex("a.c").description, parse + " (no index)")
        XCTAssertEqual(ClangError.parseFailed("a.c", .crashed).description, parse + " (libclang crashed)")
        XCTAssertEqual(ClangError.parseFailed("a.c", .invalidArguments).description, parse + " (invalid arguments)")
        XCTAssertEqual(ClangError.parseFailed("a.c", .astReadError).description, parse + " (AST read error)")
        XCTAssertEqual(ClangError.parseFailed("a.c", .other).description, parse + " (failure)")
        XCTAssertEqual(
            ClangError.saveFailed("a.c", to: "/c/p.pch", code: 1).description,
            parse + " (could not be saved to /c/p.pch (error 1))")
    }

    func testEveryErrorIsAToolError() {
        let error: Error = ClangError.noIndex("a.c")
        XCTAssertNotNil(error as? ToolError)
    }
}
