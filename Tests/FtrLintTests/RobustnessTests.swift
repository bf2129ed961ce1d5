import Foundation
import XCTest

/// Issue 6: ftrlint runs in CI on patches from anyone. Unusable input — a path that is not a kernel tree,
/// unreadable, malformed, non-UTF-8, huge or looping files, C that does not parse, tables renamed or removed —
/// gets exactly one `ftrlint: error:` line on stderr and exit status 2 from every command that reads it, with
/// nothing on stdout and no trace of a crash. Each case runs the built binary on a damaged copy of
/// testdata/hostile/trees/kvm-mini (on which `tables`, `matrix` and `check` are clean).
final class RobustnessTests: XCTestCase {
    /// One way to damage a tree.
    struct Case {
        let name: String
        /// The commands that read what the case damages (nil: every analysis command).
        var commands: Set<String>? = nil
        /// Text the error line must contain.
        var expect: String? = nil
        /// Options after the tree (given the tree's root).
        var options: (String) -> [String] = { _ in [] }
        /// Damages the copy at `root`; returns the path to give ftrlint (usually `root`).
        let setup: (String) throws -> String
    }

    static let cpufeature = "arch/arm64/kernel/cpufeature.c"
    static let sysRegs = "arch/arm64/kvm/sys_regs.c"
    static let sysreg = "arch/arm64/tools/sysreg"
    static let kvmCommands: Set<String> = ["matrix", "check"]

    private var cacheDir: String { NSTemporaryDirectory() + "ftrlint-robust-env" }

    /// Runs every case with every command it applies to.
    private func run(_ cases: [Case], asUser uid: UInt32? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        let binary = try Robustness.requireBinary()
        var cache = cacheDir
        if uid != nil {
            cache = try Robustness.temporaryFolder(self, "cache")
            chmod(cache, 0o777)
        }
        for c in cases {
            let root = try Robustness.copyTree(self)
            let target = try c.setup(root)
            for command in Robustness.analysisCommands where c.commands?.contains(command) ?? true {
                let arguments = [command, target, "--cache-dir", cache] + c.options(root)
                let result: Robustness.Run
                if let uid {
                    let env = ProcessInfo.processInfo.environment.merging(["XDG_CACHE_HOME": cache, "HOME": cache]) { _, new in
                        new
                    }
                    result = try Robustness.run(
                        "/usr/bin/setpriv",
                        ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", binary]
                            + arguments, timeout: 120, environment: env)
                } else {
                    result = try Robustness.run(binary, arguments, timeout: 120)
                }
                Robustness.assertFailsCleanly(result, mentioning: c.expect, "\(command): \(c.name)", file: file, line: line)
            }
        }
    }

    // MARK: - The tree itself

    func testPathsThatAreNotKernelTrees() throws {
        let fixtures = Robustness.repo + "/testdata/trees"
        try run([
            Case(name: "a path that does not exist", expect: "no such file or directory") { $0 + "/absent" },
            Case(name: "a file, not a folder", expect: "not a directory") { $0 + "/Makefile" },
            Case(name: "a folder that is not a kernel tree", expect: "not a Linux kernel source tree") { _ in
                fixtures + "/kt-not-kernel"
            },
            Case(name: "a kernel tree without arm64", expect: "no arm64") { _ in fixtures + "/kt-no-arm64" },
            Case(name: "an empty Makefile", expect: "not a Linux kernel source tree") { root in
                try Robustness.write(root, "Makefile", "")
                return root
            },
            Case(name: "a Makefile of binary junk", expect: "not a Linux kernel source tree") { root in
                try Robustness.write(
                    root, "Makefile",
                    Data([0x56, 0x45, 0x52, 0x00, 0xff, 0xfe, 0x0a, 0xc3, 0x28] + Array(repeating: 0x80, count: 64)))
                return root
            },
            Case(name: "VERSION with non-UTF-8 bytes", expect: "not a Linux kernel source tree") { root in
                try Robustness.write(
                    root, "Makefile", Data("VERSION = \u{1}".utf8) + Data([0xff, 0xfe]) + Data("\nPATCHLEVEL = \n".utf8))
                return root
            },
            Case(name: "a Makefile that is a FIFO", expect: "not a regular file") { root in
                try FileManager.default.removeItem(atPath: root + "/Makefile")
                XCTAssertEqual(mkfifo(root + "/Makefile", 0o644), 0)
                return root
            },
            Case(name: "a Makefile that is a symlink loop", expect: "too many levels of symbolic links") { root in
                try Robustness.symlink(root, "Makefile", to: "Makefile")
                return root
            },
            Case(name: "a Makefile that links outside the tree", expect: "outside the kernel tree") { root in
                let outside = (root as NSString).deletingLastPathComponent + "/outside-Makefile"
                try Robustness.read(root, "Makefile").write(toFile: outside, atomically: true, encoding: .utf8)
                try Robustness.symlink(root, "Makefile", to: outside)
                return root
            },
            Case(name: "a tree path that is a symlink loop", expect: "no such file or directory") { root in
                let loop = (root as NSString).deletingLastPathComponent + "/loop"
                try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: loop)
                return loop
            },
            Case(name: "a huge Makefile", expect: "file too large") { root in
                var text = try Robustness.read(root, "Makefile")
                text += String(
                    repeating: "# padding padding padding padding padding padding padding padding padding\n", count: 240_000)
                try Robustness.write(root, "Makefile", text)
                return root
            },
            Case(name: "an arm64 Kconfig that links outside the tree", expect: "outside the kernel tree") { root in
                try Robustness.symlink(root, "arch/arm64/Kconfig", to: "/etc/passwd")
                return root
            },
        ])
    }

    // MARK: - cpufeature.c

    func testDamagedCpufeature() throws {
        let f = Self.cpufeature
        try run([
            Case(name: "cpufeature.c empty", expect: "arm64_ftr_regs[] not found") { root in
                try Robustness.write(root, f, "")
                return root
            },
            Case(name: "cpufeature.c a directory", expect: "no arm64") { root in
                try FileManager.default.removeItem(atPath: root + "/" + f)
                try FileManager.default.createDirectory(atPath: root + "/" + f, withIntermediateDirectories: true)
                return root
            },
            Case(name: "cpufeature.c a symlink loop", expect: "no arm64") { root in
                try Robustness.symlink(root, f, to: "cpufeature.c")
                return root
            },
            Case(name: "a syntax error inside a table", expect: "incomplete analysis") { root in
                try Robustness.edit(root, f, "ID_AA64PFR0_EL1_AMU_SHIFT, 4, 0),", "ID_AA64PFR0_EL1_AMU_SHIFT, 4 0),")
                return root
            },
            Case(name: "an undeclared name inside a table", expect: "incomplete analysis") { root in
                try Robustness.edit(root, f, "ID_AA64ISAR0_EL1_AES_SHIFT, 4, 0)", "ID_AA64ISAR0_EL1_AES_SHIFTT, 4, 0)")
                return root
            },
            Case(name: "arm64_ftr_regs[] renamed", expect: "arm64_ftr_regs[] not found") { root in
                try Robustness.edit(root, f, "arm64_ftr_regs[]", "arm64_ftr_regz[]")
                return root
            },
            Case(name: "arm64_ftr_regs[] removed", expect: "arm64_ftr_regs[] not found") { root in
                let text = try Robustness.read(root, f)
                let r = try XCTUnwrap(text.range(of: "static const struct __ftr_reg_entry"), "the kvm-mini fixture changed")
                try Robustness.write(root, f, String(text[..<r.lowerBound]))
                return root
            },
            Case(name: "a table renamed", expect: "incomplete analysis") { root in
                try Robustness.edit(root, f, "ftr_id_aa64isar0[] = {", "ftr_id_aa64isar0_renamed[] = {")
                return root
            },
            Case(name: "the file truncated inside a table", expect: "incomplete analysis") { root in
                let text = try Robustness.read(root, f)
                let r = try XCTUnwrap(text.range(of: "ID_AA64ISAR0_EL1_AES_SHIFT"), "the kvm-mini fixture changed")
                try Robustness.write(root, f, String(text[..<r.lowerBound]))
                return root
            },
            Case(name: "non-UTF-8 bytes inside a table", expect: "incomplete analysis") { root in
                var data = Data(try Robustness.read(root, f).utf8)
                let marker = Data("FTR_HIDDEN, FTR_NONSTRICT".utf8)
                let r = try XCTUnwrap(data.range(of: marker), "the kvm-mini fixture changed")
                data.replaceSubrange(
                    r, with: Data("FTR_HIDDEN\u{1}".utf8) + Data([0xff, 0xc0, 0x80]) + Data(", FTR_NONSTRICT".utf8))
                try Robustness.write(root, f, data)
                return root
            },
            Case(name: "cpufeature.c includes itself", expect: "incomplete analysis") { root in
                try Robustness.edit(root, f, "#include <stdbool.h>", "#include <stdbool.h>\n#include __FILE__")
                return root
            },
            Case(name: "a huge cpufeature.c", expect: "file too large") { root in
                var text = try Robustness.read(root, f)
                text += String(
                    repeating: "/* padding padding padding padding padding padding padding padding */\n", count: 260_000)
                try Robustness.write(root, f, text)
                return root
            },
            Case(name: "an include of /dev/zero", expect: "MiB of memory", options: { _ in ["--memory-limit", "512"] }) { root in
                try Robustness.edit(root, f, "#include <stdbool.h>", "#include <stdbool.h>\n#include \"/dev/zero\"")
                return root
            },
        ])
    }

    // MARK: - The sysreg file

    func testDamagedSysregFile() throws {
        let f = Self.sysreg
        try run([
            Case(name: "a malformed sysreg file", expect: "arch/arm64/tools/sysreg:") { root in
                try Robustness.edit(root, f, "UnsignedEnum\t47:44\tAMU", "UnsignedEnum\t47:44")
                return root
            },
            Case(name: "a sysreg block without its end", expect: "arch/arm64/tools/sysreg:") { root in
                let text = try Robustness.read(root, f)
                try Robustness.write(root, f, String(text.dropLast("EndSysreg\n".count)))
                return root
            },
            Case(name: "shell in a sysreg name", expect: "arch/arm64/tools/sysreg:") { root in
                try Robustness.edit(root, f, "AMU\n", "$(touch${IFS}/tmp/ftrlint-pwned)\n")
                return root
            },
            Case(name: "non-UTF-8 bytes in a sysreg name", expect: "arch/arm64/tools/sysreg:") { root in
                var data = Data(try Robustness.read(root, f).utf8)
                let r = try XCTUnwrap(data.range(of: Data("\tAES\n".utf8)), "the kvm-mini fixture changed")
                data.replaceSubrange(r, with: Data("\tA".utf8) + Data([0xff, 0xfe]) + Data("S\n".utf8))
                try Robustness.write(root, f, data)
                return root
            },
            Case(name: "a huge number in the sysreg file", expect: "arch/arm64/tools/sysreg:") { root in
                try Robustness.edit(
                    root, f, "Sysreg\tID_AA64PFR0_EL1\t3\t0\t0\t4\t0",
                    "Sysreg\tID_AA64PFR0_EL1\t3\t0\t0\t4\t99999999999999999999999999")
                return root
            },
            Case(name: "a sysreg file that is a symlink loop", expect: "too many levels of symbolic links") { root in
                try Robustness.symlink(root, f, to: "sysreg")
                return root
            },
            Case(name: "a sysreg file that links outside the tree", expect: "outside the kernel tree") { root in
                try Robustness.symlink(root, f, to: "/etc/hostname")
                return root
            },
            Case(name: "a sysreg file that is a FIFO", expect: "not a regular file") { root in
                try FileManager.default.removeItem(atPath: root + "/" + f)
                XCTAssertEqual(mkfifo(root + "/" + f, 0o644), 0)
                return root
            },
            Case(name: "a huge sysreg file", expect: "file too large") { root in
                var text = try Robustness.read(root, f)
                text += String(
                    repeating: "# padding padding padding padding padding padding padding padding padding\n", count: 240_000)
                try Robustness.write(root, f, text)
                return root
            },
        ])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/ftrlint-pwned"), "nothing in the sysreg file is executed")
    }

    // MARK: - sys_regs.c

    func testDamagedSysRegs() throws {
        let f = Self.sysRegs
        let kvm = Self.kvmCommands
        try run([
            Case(name: "sys_regs.c missing", commands: kvm, expect: "sys_regs.c") { root in
                try FileManager.default.removeItem(atPath: root + "/" + f)
                return root
            },
            Case(name: "sys_regs.c empty", commands: kvm, expect: "sys_reg_descs[] not found") { root in
                try Robustness.write(root, f, "")
                return root
            },
            Case(name: "sys_reg_descs[] renamed", commands: kvm, expect: "sys_reg_descs[] not found") { root in
                try Robustness.edit(root, f, "sys_reg_descs[] = {", "sys_reg_descz[] = {")
                return root
            },
            Case(name: "a syntax error inside sys_reg_descs[]", commands: kvm, expect: "incomplete analysis") { root in
                try Robustness.edit(root, f, "ID_SANITISED(ID_AA64ISAR0_EL1),", "ID_SANITISED(ID_AA64ISAR0_EL1) ID_SANITISED(")
                return root
            },
            Case(name: "a syntax error in the read path", commands: kvm, expect: "incomplete analysis") { root in
                try Robustness.edit(root, f, "u32 id = reg_to_encoding(r);", "u32 id = reg_to_encoding(r)")
                return root
            },
            Case(name: "an undeclared name in the read path", commands: kvm, expect: "incomplete analysis") { root in
                try Robustness.edit(root, f, "val &= ~ID_AA64PFR0_EL1_AMU_MASK;", "val &= ~ID_AA64PFR0_EL1_AMU_MASKK;")
                return root
            },
            Case(name: "non-UTF-8 bytes in the read path", commands: kvm, expect: "incomplete analysis") { root in
                var data = Data(try Robustness.read(root, f).utf8)
                let r = try XCTUnwrap(data.range(of: Data("val &= ~".utf8)), "the kvm-mini fixture changed")
                data.replaceSubrange(r, with: Data("val &= ".utf8) + Data([0xfe, 0xff]) + Data("~".utf8))
                try Robustness.write(root, f, data)
                return root
            },
            Case(name: "the file truncated inside the read path", commands: kvm, expect: "incomplete analysis") { root in
                let text = try Robustness.read(root, f)
                let r = try XCTUnwrap(text.range(of: "val &= ~"), "the kvm-mini fixture changed")
                try Robustness.write(root, f, String(text[..<r.lowerBound]))
                return root
            },
            Case(name: "a huge sys_regs.c", commands: kvm, expect: "file too large") { root in
                var text = try Robustness.read(root, f)
                text += String(
                    repeating: "/* padding padding padding padding padding padding padding padding */\n", count: 260_000)
                try Robustness.write(root, f, text)
                return root
            },
            Case(name: "sys_regs.c a symlink loop", commands: kvm, expect: "sys_regs.c") { root in
                try Robustness.symlink(root, f, to: "sys_regs.c")
                return root
            },
        ])
    }

    /// A read path ftrlint does not recognise — the descriptors' handlers defined in a file it does not read, or
    /// the helper they call renamed with only its old name declared — is one error naming sys_regs.c and what it
    /// looked for (exit 2), never every field hidden as if KVM hid everything.
    func testUnrecognisedReadHandlerIsOneError() throws {
        let f = Self.sysRegs
        let cases: [(name: String, names: String, edit: (String) throws -> Void)] = [
            (
                "the read handlers defined in another file", ".reset = reset_id_reg is not defined",
                { root in
                    try Robustness.edit(
                        root, f, "u64 read_sanitised_ftr_reg(u32 id);",
                        """
                        u64 read_sanitised_ftr_reg(u32 id);
                        bool access_id_reg(struct kvm_vcpu *vcpu, struct sys_reg_params *p, const struct sys_reg_desc *r);
                        u64 reset_id_reg(struct kvm_vcpu *vcpu, const struct sys_reg_desc *r);
                        """)
                    try Robustness.edit(root, f, "static bool access_id_reg(", "static bool access_id_reg_moved(")
                    try Robustness.edit(root, f, "static u64 reset_id_reg(", "static u64 reset_id_reg_moved(")
                }
            ),
            (
                "the read helper renamed, its old name only declared", "kvm_read_sanitised_id_reg() is not defined",
                { root in
                    try Robustness.edit(
                        root, f, "static u64 kvm_read_sanitised_id_reg(struct kvm_vcpu *vcpu, const struct sys_reg_desc *r)\n{",
                        """
                        u64 kvm_read_sanitised_id_reg(struct kvm_vcpu *vcpu, const struct sys_reg_desc *r);
                        static u64 read_id_reg_renamed(struct kvm_vcpu *vcpu, const struct sys_reg_desc *r)
                        {
                        """)
                }
            ),
        ]
        for c in cases {
            let root = try Robustness.copyTree(self)
            try c.edit(root)
            for command in Robustness.analysisCommands where Self.kvmCommands.contains(command) {
                let r = try Robustness.ftrlint([command, root, "--cache-dir", cacheDir])
                Robustness.assertFailsCleanly(r, mentioning: "read path not recognised", "\(command): \(c.name)")
                XCTAssertTrue(
                    r.stderr.contains(f) && r.stderr.contains("sys_reg_descs[]") && r.stderr.contains(c.names),
                    "\(command): \(c.name): the error names sys_regs.c, the table and the handler it could not follow\n\(r)")
            }
        }
    }

    /// One descriptor whose handler cannot be followed, among others that can: its fields are unknown — an error for
    /// `check`, a failed `matrix` — never hidden. A handler that only injects UNDEF still hides the register.
    func testDescriptorWhoseHandlerCannotBeFollowedIsUnknown() throws {
        let root = try Robustness.copyTree(self)
        try Robustness.edit(
            root, Self.sysRegs, "u64 read_sanitised_ftr_reg(u32 id);",
            """
            u64 read_sanitised_ftr_reg(u32 id);
            bool access_id_reg_elsewhere(struct kvm_vcpu *vcpu, struct sys_reg_params *p, const struct sys_reg_desc *r);
            """)
        try Robustness.edit(
            root, Self.sysRegs, "\tID_SANITISED(ID_AA64PFR0_EL1),",
            "\t{ SYS_DESC(SYS_ID_AA64PFR0_EL1), .access = access_id_reg_elsewhere },")
        let check = try Robustness.ftrlint(["check", root, "--cache-dir", cacheDir])
        XCTAssertEqual(check.status, 1, "an unknown kvm field is an error\n\(check)")
        XCTAssertTrue(
            check.stdout.contains("ID_AA64PFR0_EL1.AMU") && check.stdout.contains("unknown-treatment")
                && check.stdout.contains("access_id_reg_elsewhere"), "check names the field, the rule and the handler\n\(check)")
        let matrix = try Robustness.ftrlint(["matrix", root, "--cache-dir", cacheDir, "--format", "json"])
        XCTAssertEqual(matrix.status, 2, "a matrix with an unknown field is not a result\n\(matrix)")
        XCTAssertEqual(matrix.stderrLines.count, 1, "\(matrix)")
        XCTAssertTrue(matrix.stderr.hasPrefix("ftrlint: error:") && matrix.stderr.contains("ID_AA64PFR0_EL1.AMU"), "\(matrix)")
        let fields =
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(matrix.stdout.utf8)) as? [String: Any])["fields"]
            as? [[String: Any]]
        func kvm(_ key: String) -> [String: Any]? { fields?.first { $0["key"] as? String == key }?["kvm"] as? [String: Any] }
        XCTAssertEqual(kvm("ID_AA64PFR0_EL1.AMU")?["treatment"] as? String, "unknown", "not hidden")
        XCTAssertTrue(
            (kvm("ID_AA64PFR0_EL1.AMU")?["note"] as? String ?? "").contains(".access = access_id_reg_elsewhere is not defined"),
            "the note says why\n\(matrix)")
        XCTAssertEqual(kvm("ID_AA64ISAR0_EL1.AES")?["treatment"] as? String, "passthrough", "the other register is still read")

        // An access handler that is followed and only injects UNDEF: the register is hidden, and nothing fails.
        let undef = try Robustness.copyTree(self)
        try Robustness.edit(
            undef, Self.sysRegs, "static bool access_id_reg(",
            """
            static bool undef_access(struct kvm_vcpu *vcpu, struct sys_reg_params *p, const struct sys_reg_desc *r)
            {
            \tkvm_inject_undefined(vcpu);
            \treturn false;
            }

            static bool access_id_reg(
            """)
        try Robustness.edit(
            undef, Self.sysRegs, "\tID_SANITISED(ID_AA64ISAR0_EL1),",
            "\t{ SYS_DESC(SYS_ID_AA64ISAR0_EL1), .access = undef_access },")
        let hidden = try Robustness.ftrlint(["matrix", undef, "--cache-dir", cacheDir, "--format", "json"])
        XCTAssertEqual(hidden.status, 0, "\(hidden)")
        let undefFields =
            (try? JSONSerialization.jsonObject(with: Data(hidden.stdout.utf8)) as? [String: Any])?["fields"] as? [[String: Any]]
        let aes = undefFields?.first { $0["key"] as? String == "ID_AA64ISAR0_EL1.AES" }?["kvm"] as? [String: Any]
        XCTAssertEqual(aes?["treatment"] as? String, "hidden", "an UNDEF handler hides the register\n\(hidden)")
    }

    /// A read path the interpreter cannot follow must not pass: `check` fails, `matrix` may print what it
    /// knows but must not exit 0.
    func testUnrecognisedReadPathIsNeverClean() throws {
        let commands = Robustness.analysisCommands
        let root = try Robustness.copyTree(self)
        // A loop over the value after KVM's mask: the interpreter does not model loops.
        try Robustness.edit(
            root, Self.sysRegs, "\treturn val;\n}", "\tfor (int i = 0; i < 3; i++)\n\t\tval >>= 1;\n\treturn val;\n}")
        for command in commands where Self.kvmCommands.contains(command) {
            let r = try Robustness.ftrlint([command, root, "--cache-dir", cacheDir])
            XCTAssertFalse(r.signaled || r.timedOut, "\(command)\n\(r)")
            XCTAssertNotEqual(r.status, 0, "\(command) must not pass on a read path it cannot follow\n\(r)")
            if r.status == 2 {
                Robustness.assertFailsCleanly(r, "\(command): unrecognised read path", emptyStdout: false)
            } else {
                // check: the fields it could not decide are findings (exit 1), never a clean pass.
                XCTAssertEqual(r.status, 1, "\(command)\n\(r)")
                XCTAssertTrue(
                    r.stdout.contains("ID_AA64PFR0_EL1.AMU") || r.stdout.contains("AMU"), "\(command) names the field\n\(r)")
            }
        }
    }

    // MARK: - Files given on the command line

    func testMalformedCompilationDatabase() throws {
        func database(_ text: String) -> (String) throws -> String {
            { root in
                try Robustness.write(root, "compile_commands.json", text.replacingOccurrences(of: "@ROOT@", with: root))
                return root
            }
        }
        let entry = #"{"directory": "@ROOT@", "file": "arch/arm64/kernel/cpufeature.c", "arguments": ["cc", "-c", "x.c"]}"#
        try run([
            Case(
                name: "compile_commands.json not JSON", expect: "malformed compilation database",
                setup: database("[{\"directory\": ")),
            Case(name: "compile_commands.json not an array", expect: "malformed compilation database", setup: database("{}")),
            Case(
                name: "compile_commands.json entry of the wrong type", expect: "malformed compilation database",
                setup: database("[1, 2]")),
            Case(
                name: "compile_commands.json arguments not strings", expect: "malformed compilation database",
                setup: database(#"[{"directory": "@ROOT@", "file": "arch/arm64/kernel/cpufeature.c", "arguments": [1]}]"#)),
            Case(name: "compile_commands.json non-UTF-8", expect: "malformed compilation database") { root in
                try Robustness.write(
                    root, "compile_commands.json", Data("[{\"directory\": \"".utf8) + Data([0xff, 0xfe]) + Data("\"}]".utf8))
                return root
            },
            Case(
                name: "compile_commands.json nested ten thousand deep", expect: "malformed compilation database",
                setup: database(String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000))),
            Case(
                name: "compile_commands.json without cpufeature.c", expect: "no entry in compilation database",
                setup: database(#"[{"directory": "@ROOT@", "file": "other.c", "arguments": ["cc"]}]"#)),
            Case(
                name: "compile_commands.json without sys_regs.c", commands: Self.kvmCommands,
                expect: "no entry in compilation database",
                setup: database("[\(entry)]")),
            Case(
                name: "--compile-commands naming nothing", expect: "no compilation database",
                options: { root in ["--compile-commands", root + "/absent.json"] }
            ) { $0 },
        ])
    }

    func testMalformedPolicyAndBaseline() throws {
        func file(_ name: String, _ data: Data) -> (String) throws -> String {
            { root in
                try data.write(to: URL(fileURLWithPath: (root as NSString).deletingLastPathComponent + "/" + name))
                return root
            }
        }
        let policy = { (root: String) in ["--policy", (root as NSString).deletingLastPathComponent + "/policy.yaml"] }
        let baseline = { (root: String) in ["--baseline", (root as NSString).deletingLastPathComponent + "/baseline.json"] }
        try run([
            Case(
                name: "a policy that is not YAML", expect: "policy.yaml", options: policy,
                setup: file("policy.yaml", Data("version: [1\nfields: {".utf8))),
            Case(
                name: "a policy of the wrong shape", expect: "policy.yaml", options: policy,
                setup: file("policy.yaml", Data("version: 1\nfields:\n  ID_AA64PFR0_EL1.AMU: {class: maybe}\n".utf8))),
            Case(
                name: "a policy with non-UTF-8 bytes", expect: "policy.yaml", options: policy,
                setup: file(
                    "policy.yaml",
                    Data("version: 1\nfields:\n  A.B: {class: isa, reason: \"".utf8) + Data([0xff, 0xfe]) + Data("\"}\n".utf8))),
            Case(name: "a policy file that does not exist", expect: "policy.yaml", options: policy) { $0 },
            Case(
                name: "a policy that is a billion laughs", expect: "policy.yaml", options: policy,
                setup: file("policy.yaml", Data(Self.billionLaughs.utf8))),
            Case(
                name: "a baseline that is not JSON", commands: ["check"], expect: "baseline", options: baseline,
                setup: file("baseline.json", Data("{\"version\": 1, ".utf8))),
            Case(
                name: "a baseline of the wrong shape", commands: ["check"], expect: "baseline", options: baseline,
                setup: file("baseline.json", Data(#"{"version": 1, "findings": [{"rule": 3}]}"#.utf8))),
            Case(
                name: "a baseline from a newer ftrlint", commands: ["check"], expect: "baseline", options: baseline,
                setup: file("baseline.json", Data(#"{"version": 99, "findings": []}"#.utf8))),
            Case(
                name: "a baseline with non-UTF-8 bytes", commands: ["check"], expect: "baseline", options: baseline,
                setup: file(
                    "baseline.json",
                    Data(#"{"version": 1, "findings": [{"rule": ""#.utf8) + Data([0xff]) + Data(#"", "key": "A.B"}]}"#.utf8))),
            Case(name: "a baseline that does not exist", commands: ["check"], expect: "baseline", options: baseline) { $0 },
        ])
    }

    /// YAML aliases that expand to 10^9 nodes if followed.
    static let billionLaughs = """
        version: 1
        a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
        e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
        g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
        h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
        i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
        fields: *i

        """

    func testGitRevisionThatDoesNotExist() throws {
        let root = try Robustness.copyTree(self)
        let git = "/usr/bin/git"
        guard FileManager.default.isExecutableFile(atPath: git) else { throw XCTSkip("no git") }
        let env = [
            "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "HOME": root, "PATH": "/usr/bin:/bin",
            "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
        ]
        for args in [["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "fixture"]] {
            let r = try Robustness.run(git, args, in: root, timeout: 60, environment: env)
            XCTAssertEqual(r.status, 0, "\(r)")
        }
        for revision in ["no-such-revision", "0000000000000000000000000000000000000000", "--output=/tmp/ftrlint-x", "HEAD~5"] {
            let r = try Robustness.ftrlint(["check", root, "--cache-dir", cacheDir, "--base=" + revision])
            Robustness.assertFailsCleanly(r, mentioning: nil, "check --base \(revision)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/ftrlint-x"))
        let notGit = try Robustness.copyTree(self)
        Robustness.assertFailsCleanly(
            try Robustness.ftrlint(["check", notGit, "--cache-dir", cacheDir, "--base", "HEAD"]),
            "check --base outside a git checkout")
    }

    // MARK: - Permissions

    /// Files the user running ftrlint cannot read (as root the cases run as nobody, through setpriv).
    func testUnreadableFiles() throws {
        var uid: UInt32? = nil
        if getuid() == 0 {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { throw XCTSkip("root without setpriv") }
            uid = 65534
            // nobody must reach the binary and its resources.
            let probe = try Robustness.run(
                "/usr/bin/setpriv",
                [
                    "--reuid=65534", "--regid=65534", "--clear-groups",
                    try Robustness.requireBinary(), "--help",
                ], timeout: 60)
            guard probe.status == 0 else { throw XCTSkip("the binary is not usable as nobody: \(probe)") }
        }
        func unreadable(_ rel: String) -> (String) throws -> String {
            { root in
                XCTAssertEqual(chmod(root + "/" + rel, 0), 0)
                return root
            }
        }
        try run(
            [
                Case(name: "Makefile unreadable", expect: "cannot read", setup: unreadable("Makefile")),
                Case(name: "cpufeature.c unreadable", expect: "cpufeature.c", setup: unreadable(Self.cpufeature)),
                Case(name: "sysreg unreadable", expect: "cannot read", setup: unreadable(Self.sysreg)),
                Case(
                    name: "sys_regs.c unreadable", commands: Self.kvmCommands, expect: "sys_regs.c",
                    setup: unreadable(Self.sysRegs)),
                Case(
                    name: "arch/arm64/kvm not searchable", commands: Self.kvmCommands, expect: "arch/arm64/kvm/",
                    setup: unreadable("arch/arm64/kvm")),
                Case(name: "compile_commands.json unreadable", expect: "compile_commands.json") { root in
                    try Robustness.write(root, "compile_commands.json", "[]")
                    XCTAssertEqual(chmod(root + "/compile_commands.json", 0), 0)
                    return root
                },
            ], asUser: uid)
    }

    // MARK: - libclang

    /// A crash inside libclang (here: out of memory under an address-space limit, reading /dev/zero) is
    /// recovered by libclang's crash recovery and reported as one line, without libclang's own crash report.
    func testLibclangCrashIsContained() throws {
        let binary = try Robustness.requireBinary()
        let root = try Robustness.copyTree(self)
        try Robustness.edit(root, Self.cpufeature, "#include <stdbool.h>", "#include <stdbool.h>\n#include \"/dev/zero\"")
        for command in Robustness.analysisCommands {
            let line = "ulimit -v 3000000; exec \"$0\" \(command) \"$1\" --cache-dir \"$2\" --memory-limit 1000000"
            let r = try Robustness.run("/bin/sh", ["-c", line, binary, root, cacheDir], timeout: 120)
            Robustness.assertFailsCleanly(r, mentioning: "libclang", "\(command): libclang out of memory")
        }
    }

    // MARK: - Values from outside the read path

    /// A value KVM takes from outside what ftrlint can follow — a raw `mrs` of the host's register in a macro,
    /// a function of another file — is not KVM's own state: `check` must not pass on it. Where the value is
    /// combined inside a macro (libclang 14 cannot show the operator there) the whole value is unknown and the
    /// run fails closed (exit 2); written out, only the field it reaches is unknown, an error (exit 1).
    func testHostValueFromOutsideTheReadPathIsNotClean() throws {
        let raw = """
            u64 read_sanitised_ftr_reg(u32 id);
            #define read_sysreg_raw() ({ u64 __v; asm volatile("mrs %0, id_aa64pfr0_el1" : "=r" (__v)); __v; })
            u64 host_pfr0_elsewhere(void);
            """
        let uses = [
            ("raw mrs in a macro", "\tval |= read_sysreg_raw() & ID_AA64PFR0_EL1_AMU_MASK;\n", "inline asm read_sysreg_raw"),
            (
                "raw mrs through a local", "\tu64 raw = read_sysreg_raw();\n\tval |= raw & ID_AA64PFR0_EL1_AMU_MASK;\n",
                "inline asm read_sysreg_raw"
            ),
            (
                "a function of another file", "\tval |= host_pfr0_elsewhere() & ID_AA64PFR0_EL1_AMU_MASK;\n",
                "host_pfr0_elsewhere() is defined in no file ftrlint reads"
            ),
        ]
        for (name, use, why) in uses {
            let root = try Robustness.copyTree(self)
            try Robustness.edit(root, Self.sysRegs, "u64 read_sanitised_ftr_reg(u32 id);", raw)
            try Robustness.edit(root, Self.sysRegs, "\treturn val;\n}", use + "\treturn val;\n}")
            let r = try Robustness.ftrlint(["check", root, "--cache-dir", cacheDir])
            XCTAssertFalse(r.signaled || r.timedOut, "\(name)\n\(r)")
            XCTAssertNotEqual(r.status, 0, "\(name): the raw host value reaches the guest: check must not pass\n\(r)")
            if r.status == 2 {
                Robustness.assertFailsCleanly(r, mentioning: why, "check: \(name)")
            } else {
                XCTAssertEqual(r.status, 1, "\(name)\n\(r)")
                XCTAssertTrue(
                    r.stdout.contains("ID_AA64PFR0_EL1.AMU") && r.stdout.contains(why),
                    "\(name): check names the field and why\n\(r)")
            }
        }
    }

    // MARK: - Bounded time

    func testTimeoutEndsAPathologicalParse() throws {
        let root = try Robustness.copyTree(self)
        // Each level doubles the expansion: the preprocessor evaluates 2^40 terms, token by token, in constant memory.
        var macros = "#define X0(x) x\n"
        for i in 1...40 { macros += "#define X\(i)(x) X\(i - 1)(x) + X\(i - 1)(x)\n" }
        macros += "#if X40(1) == 0\n#endif\n"
        try Robustness.edit(root, Self.cpufeature, "#include <stdbool.h>", "#include <stdbool.h>\n" + macros)
        for command in Robustness.analysisCommands {
            let r = try Robustness.ftrlint([command, root, "--cache-dir", cacheDir, "--timeout", "3"], timeout: 60)
            Robustness.assertFailsCleanly(r, mentioning: "analysis exceeded", "\(command): nested macros with --timeout 3")
            XCTAssertLessThan(r.seconds, 20, "\(command): the limit holds\n\(r)")
        }
    }

    func testTimeoutEndsAHugeTable() throws {
        let root = try Robustness.copyTree(self)
        let entry = "\tARM64_FTR_BITS(FTR_VISIBLE, FTR_STRICT, FTR_LOWER_SAFE, ID_AA64ISAR0_EL1_AES_SHIFT, 4, 0),\n"
        try Robustness.edit(
            root, Self.cpufeature, "static const struct arm64_ftr_bits ftr_id_aa64isar0[] = {\n",
            "static const struct arm64_ftr_bits ftr_id_aa64isar0[] = {\n" + String(repeating: entry, count: 120_000))
        let r = try Robustness.ftrlint(["tables", root, "--cache-dir", cacheDir, "--timeout", "2"], timeout: 60)
        if r.status != 0 {
            Robustness.assertFailsCleanly(
                r, mentioning: "analysis exceeded", "tables: a table of 120000 entries with --timeout 2")
            XCTAssertLessThan(r.seconds, 15, "the limit holds\n\(r)")
        }
    }

    func testTimeoutDoesNotFireOnOrdinaryInput() throws {
        for command in Robustness.analysisCommands {
            let r = try Robustness.ftrlint([command, Robustness.kvmMini, "--cache-dir", cacheDir, "--timeout", "120"])
            XCTAssertEqual(r.status, 0, "\(command) on kvm-mini is clean\n\(r)")
            XCTAssertFalse(r.stderr.contains("ftrlint: error:"), "\(r)")
        }
        let bad = try Robustness.ftrlint(["tables", Robustness.kvmMini, "--timeout", "-1"])
        XCTAssertNotEqual(bad.status, 0, "a negative timeout is refused\n\(bad)")
    }
}
