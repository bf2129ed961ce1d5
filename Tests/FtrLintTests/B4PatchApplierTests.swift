import Foundation
import Patch
import XCTest

/// The unified-diff reader and applier `check --b4` uses: context verified exactly, offsets allowed.
final class B4PatchApplierTests: XCTestCase {
    static let original = (1...12).map { "line \($0)" }.joined(separator: "\n") + "\n"

    static let patch = """
        From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001
        From: A Developer <dev@example.org>
        Date: Mon, 1 Jan 2024 00:00:00 +0000
        Subject: [PATCH v2 1/2] arm64: cpufeature: describe a
         folded subject

        Commit message.
        ---
         f.c | 3 ++-
         1 file changed, 2 insertions(+), 1 deletion(-)

        diff --git a/f.c b/f.c
        index 1111111..2222222 100644
        --- a/f.c
        +++ b/f.c
        @@ -2,3 +2,4 @@
         line 2
        -line 3
        +line three
        +line 3.5
         line 4
        @@ -10,2 +11,2 @@
         line 10
        -line 11
        +line eleven
        --\u{20}
        2.43.0

        """

    func testParsesMboxHeadersAndHunks() throws {
        let p = try GitPatch(parsing: Self.patch)
        XCTAssertEqual(p.commit, "0123456789abcdef0123456789abcdef01234567")
        XCTAssertEqual(p.subject, "[PATCH v2 1/2] arm64: cpufeature: describe a folded subject")
        XCTAssertEqual(p.summary, "arm64: cpufeature: describe a folded subject")
        XCTAssertEqual(p.files.count, 1)
        XCTAssertEqual(p.files[0].oldPath, "f.c")
        XCTAssertEqual(p.files[0].hunks.count, 2)
        XCTAssertEqual(p.files[0].hunks[0].old, ["line 2", "line 3", "line 4"])
        XCTAssertEqual(p.files[0].hunks[0].new, ["line 2", "line three", "line 3.5", "line 4"])
        // The signature's "-- " after the last hunk is not read as a removed line.
        XCTAssertEqual(p.files[0].hunks[1].lines.count, 3)
    }

    func testAppliesAndReverses() throws {
        let p = try GitPatch(parsing: Self.patch)
        let out = try XCTUnwrap(p.apply { $0 == "f.c" ? Self.original : nil }["f.c"])
        XCTAssertTrue(out.contains("line three\nline 3.5\nline 4\n"))
        XCTAssertTrue(out.hasSuffix("line 10\nline eleven\nline 12\n"))
        let back = try p.reversed().apply { $0 == "f.c" ? out : nil }["f.c"]
        XCTAssertEqual(back, Self.original)
        // Applying twice does not apply: the context is gone.
        XCTAssertThrowsError(try p.apply { _ in out })
    }

    /// A file with CRLF line endings, patched by a patch that keeps them: each "\r" is content, as for git.
    func testCarriageReturnsAreContent() throws {
        let crlf = { (text: String) in text.replacingOccurrences(of: "\n", with: "\r\n") }
        let p = try GitPatch(
            parsing: "--- a/f.c\n+++ b/f.c\n" + crlf("@@ -2,3 +2,3 @@\n line 2\n-line 3\n+line three\n line 4\n"))
        XCTAssertEqual(p.files[0].hunks[0].old, ["line 2\r", "line 3\r", "line 4\r"])
        let out = try XCTUnwrap(p.apply { _ in crlf(Self.original) }["f.c"])
        XCTAssertEqual(out, crlf(Self.original.replacingOccurrences(of: "line 3\n", with: "line three\n")))
        // A malformed header ending in "\r" is one line of error (libFuzzer found the Character split).
        XCTAssertThrowsError(try GitPatch(parsing: "--- a/f.c\n+++ b/f.c\n@@ -39,1 +40,1 @\r\n-x\n")) { error in
            XCTAssertFalse("\(error)".unicodeScalars.contains("\n"), "\(error)")
        }
    }

    func testOffsetButNoFuzz() throws {
        let p = try GitPatch(parsing: Self.patch)
        let shifted = "new first line\nanother\n" + Self.original
        let out = try XCTUnwrap(p.apply { _ in shifted }["f.c"])
        XCTAssertTrue(out.hasPrefix("new first line\nanother\nline 1\nline 2\nline three\n"))
        let changed = Self.original.replacingOccurrences(of: "line 4\n", with: "line FOUR\n")
        XCTAssertThrowsError(try p.apply { _ in changed }) { error in
            XCTAssertTrue("\(error)".contains("hunk 1"), "\(error)")
            XCTAssertFalse("\(error)".contains("\n"))
        }
    }

    func testNewDeletedMissingAndBinaryFiles() throws {
        let created = try GitPatch(
            parsing: """
                diff --git a/new.h b/new.h
                new file mode 100644
                --- /dev/null
                +++ b/new.h
                @@ -0,0 +1,2 @@
                +#define A 1
                +#define B 2
                diff --git a/old.h b/old.h
                deleted file mode 100644
                --- a/old.h
                +++ /dev/null
                @@ -1 +0,0 @@
                -gone

                """)
        let out = try created.apply { $0 == "old.h" ? "gone\n" : nil }
        XCTAssertEqual(out["new.h"], "#define A 1\n#define B 2\n")
        XCTAssertEqual(out["old.h"], "", "a deleted file becomes empty in the overlay")
        XCTAssertThrowsError(try created.apply { _ in "exists\n" }) { XCTAssertTrue("\($0)".contains("already exists"), "\($0)") }
        let missing = try GitPatch(parsing: Self.patch)
        XCTAssertThrowsError(try missing.apply { _ in nil }) { XCTAssertTrue("\($0)".contains("no such file"), "\($0)") }
        let binary = try GitPatch(parsing: "diff --git a/x.bin b/x.bin\nindex 1..2 100644\nGIT binary patch\nliteral 1\n")
        XCTAssertThrowsError(try binary.apply { _ in "" })
        XCTAssertThrowsError(try GitPatch(parsing: "just a message\n\nwith no diff\n"))
        XCTAssertThrowsError(try GitPatch(parsing: "--- a/f.c\n+++ b/f.c\n@@ -1,3 +1,3 @@\n line 1\n"), "a hunk that ends early")
    }

    func testNoNewlineAtEndOfFile() throws {
        let p = try GitPatch(
            parsing: """
                --- a/f
                +++ b/f
                @@ -1,2 +1,2 @@
                 a
                -b
                \\ No newline at end of file
                +c

                """)
        XCTAssertEqual(try p.apply { _ in "a\nb" }["f"], "a\nc\n")
        XCTAssertThrowsError(try p.apply { _ in "a\nb\n" }, "the patch expects no newline at the end")
        XCTAssertEqual(try p.reversed().apply { _ in "a\nc\n" }["f"], "a\nb")
    }
}
