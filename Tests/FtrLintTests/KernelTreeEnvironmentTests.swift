import Foundation
import LibClang
import XCTest

@testable import KernelTree

/// The parse environment of the unbuilt fixture tree: what is generated, where, how it is reused, the arguments.
final class KernelTreeEnvironmentTests: XCTestCase {
    private func environment(_ tree: KernelTree? = nil, cache: String? = nil) throws -> ParseEnvironment {
        try ParseEnvironment(
            tree: tree ?? KernelTree(path: KernelTreeFixtures.unbuilt),
            cacheRoot: cache ?? KernelTreeFixtures.temporaryFolder(self), toolchain: KernelTreeFixtures.toolchain)
    }

    private func generated(_ env: ParseEnvironment, _ rel: String) throws -> String {
        try String(contentsOfFile: env.directory + "/" + rel, encoding: .utf8)
    }

    func testAutoconfIsAWorstCaseArm64Configuration() throws {
        let env = try environment()
        let autoconf = try generated(env, "include/generated/autoconf.h")
        let defines = Set(autoconf.split(separator: "\n").filter { $0.hasPrefix("#define ") }.map(String.init))
        for expected in [
            "CONFIG_ARM64 1", "CONFIG_64BIT 1", "CONFIG_SMP 1", "CONFIG_KVM 1", "CONFIG_VIRTUALIZATION 1",
            // Every ARM64_* option, whatever its dependencies or default say.
            "CONFIG_ARM64_FEATURE_A 1", "CONFIG_ARM64_ERRATUM_1 1", "CONFIG_ARM64_SVE 1", "CONFIG_ARM64_PTR_AUTH 1",
            // Selects (conditional ones too), defaults that hold, one member per choice.
            "CONFIG_KVM_MMIO 1", "CONFIG_ARCH_HAS_FIXTURE 1", "CONFIG_ARCH_WANTS_LEVELS 1", "CONFIG_GUEST_PERF_EVENTS 1",
            "CONFIG_FIXTURE_DEFAULT_Y 1", "CONFIG_ARM64_4K_PAGES 1", "CONFIG_ARM64_VA_BITS_48 1",
            // Numbers, hex and strings from Kconfig, and fallbacks for symbols defined outside arch/arm64.
            "CONFIG_ARM64_VA_BITS 48", "CONFIG_PGTABLE_LEVELS 4", "CONFIG_NR_CPUS 256",
            "CONFIG_ILLEGAL_POINTER_VALUE 0xdead000000000000", #"CONFIG_FIXTURE_STRING "say \"hi\"""#, "CONFIG_HZ 250",
            "CONFIG_CLANG_VERSION \(KernelTreeFixtures.toolchain.version)", "CONFIG_CC_IS_CLANG 1",
        ] {
            XCTAssertTrue(defines.contains("#define " + expected), "autoconf.h lacks \(expected)")
        }
        for absent in [
            "CPU_BIG_ENDIAN", "ARM64_64K_PAGES", "ARM64_VA_BITS_39", "FIXTURE_DEFAULT_N", "NEVER_SELECTED", "HELP_TEXT_SYMBOL",
        ] {
            XCTAssertFalse(autoconf.contains("CONFIG_\(absent) "), "autoconf.h must not define CONFIG_\(absent)")
        }
        XCTAssertEqual(env.configuration.values["ARM64_VA_BITS"], "48")
    }

    func testAsmGenericWrappersForWhatTheArchitectureLacks() throws {
        let env = try environment()
        let asm = "arch/arm64/include/generated/asm/"
        for name in ["barrier.h", "mcs_spinlock.h", "qrwlock.h"] {
            XCTAssertEqual(try generated(env, asm + name), "#include <asm-generic/\(name)>\n")
        }
        XCTAssertEqual(
            try generated(env, "arch/arm64/include/generated/uapi/asm/kvm_para.h"), "#include <asm-generic/kvm_para.h>\n")
        XCTAssertEqual(try generated(env, "arch/arm64/include/generated/uapi/asm/types.h"), "#include <asm-generic/types.h>\n")
        let fm = FileManager.default
        // The architecture's own atomic.h and uapi hwcap.h stand; generated-y headers are generated, not wrapped.
        XCTAssertFalse(fm.fileExists(atPath: env.directory + "/" + asm + "atomic.h"))
        XCTAssertFalse(fm.fileExists(atPath: env.directory + "/arch/arm64/include/generated/uapi/asm/hwcap.h"))
        XCTAssertFalse(try generated(env, asm + "cpucap-defs.h").contains("asm-generic"))
    }

    func testToolsHeadersAreGeneratedInSwift() throws {
        let env = try environment()
        let asm = "arch/arm64/include/generated/asm/"
        XCTAssertEqual(
            try generated(env, asm + "cpucap-defs.h"),
            """
            #ifndef __ASM_CPUCAP_DEFS_H
            #define __ASM_CPUCAP_DEFS_H

            /* Generated file - do not edit */

            #define ARM64_ALWAYS_BOOT                             \t0
            #define ARM64_HAS_FIXTURE_FEATURE                     \t1
            #define ARM64_WORKAROUND_FIXTURE_ERRATUM              \t2
            #define ARM64_NCAPS\t\t\t\t\t3

            #endif /* __ASM_CPUCAP_DEFS_H */

            """)
        let hwcaps = try generated(env, asm + "kernel-hwcap.h")
        XCTAssertTrue(hwcaps.contains("#define KERNEL_HWCAP_FP\t__khwcap_feature(FP)\n"))
        XCTAssertTrue(hwcaps.contains("#define KERNEL_HWCAP_SVE2\t__khwcap2_feature(SVE2)\n"))
        XCTAssertTrue(hwcaps.contains("#define KERNEL_HWCAP_MTE_FAR\t__khwcap3_feature(MTE_FAR)\n"))
        XCTAssertTrue(try generated(env, asm + "sysreg-defs.h").contains("SYS_ID_AA64FIX0_EL1"))
        let unistd = try generated(env, asm + "unistd_compat_32.h")
        XCTAssertTrue(unistd.contains("#define __NR_compat32_write 4\n"))
        XCTAssertTrue(unistd.contains("#define __NR_compat32_syscalls 5\n"))
        XCTAssertEqual(
            try generated(env, asm + "syscall_table_32.h"),
            """
            __SYSCALL(0, sys_restart_syscall)
            __SYSCALL(1, sys_exit)
            __SYSCALL(2, sys_ni_syscall)
            __SYSCALL(3, sys_read)
            __SYSCALL_WITH_COMPAT(4, sys_write, compat_sys_write)

            """)
    }

    func testReleaseAndOffsetsHeaders() throws {
        let env = try environment()
        XCTAssertEqual(try generated(env, "include/generated/utsrelease.h"), "#define UTS_RELEASE \"6.12.300-rc2\"\n")
        XCTAssertTrue(
            try generated(env, "include/generated/uapi/linux/version.h").contains(
                "#define LINUX_VERSION_CODE \(6 << 16 + 12 << 8 + 255)\n"))
        XCTAssertTrue(try generated(env, "include/generated/asm-offsets.h").contains("#define TSK_TI_FLAGS 64\n"))
        XCTAssertTrue(try generated(env, "include/generated/bounds.h").contains("#define NR_CPUS_BITS 8\n"))
        let timeconst = try generated(env, "include/generated/timeconst.h")
        // kernel/time/timeconst.bc's values for HZ=250.
        for line in [
            "#define HZ_TO_MSEC_MUL32\tU64_C(0x80000000)", "#define MSEC_TO_HZ_ADJ32\tU64_C(0x180000000)",
            "#define MSEC_TO_HZ_SHR32\t33", "#define USEC_TO_HZ_MUL32\tU64_C(0x83126E98)",
            "#define USEC_TO_HZ_ADJ32\tU64_C(0x7FF7CED9168)", "#define USEC_TO_HZ_SHR32\t43", "#define HZ_TO_USEC_NUM\t\t4000",
        ] {
            XCTAssertTrue(timeconst.contains(line + "\n"), "timeconst.h lacks \(line)")
        }
    }

    func testSecondPrepareReusesTheCacheAndAChangedTreeGetsANewOne() throws {
        let cache = try KernelTreeFixtures.temporaryFolder(self)
        let tree = try KernelTree(path: KernelTreeFixtures.unbuilt)
        let first = try environment(tree, cache: cache)
        XCTAssertTrue(first.generated)
        let stamp = first.directory + "/include/generated/autoconf.h"
        try "/* not regenerated */\n".write(toFile: stamp, atomically: true, encoding: .utf8)
        let second = try environment(tree, cache: cache)
        XCTAssertFalse(second.generated)
        XCTAssertEqual(second.directory, first.directory)
        XCTAssertEqual(try String(contentsOfFile: stamp, encoding: .utf8), "/* not regenerated */\n")
        // A changed input (here through the overlay) is another environment, beside the first.
        let changed = try environment(tree.overlaid(with: ["arch/arm64/tools/cpucaps": "ONLY_CAP\n"]), cache: cache)
        XCTAssertTrue(changed.generated)
        XCTAssertNotEqual(changed.directory, first.directory)
        XCTAssertTrue(try generated(changed, "arch/arm64/include/generated/asm/cpucap-defs.h").contains("ARM64_NCAPS\t\t\t\t\t1"))
        // Nothing is left behind but the two environments.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache).count, 2)
    }

    func testConcurrentPreparesAgreeOnOneEnvironment() throws {
        let cache = try KernelTreeFixtures.temporaryFolder(self)
        let tree = try KernelTree(path: KernelTreeFixtures.unbuilt)
        let toolchain = KernelTreeFixtures.toolchain
        let results = LockedBox<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            let dir = (try? ParseEnvironment(tree: tree, cacheRoot: cache, toolchain: toolchain))?.directory ?? "failed"
            results.append(dir)
        }
        XCTAssertEqual(Set(results.value).count, 1)
        XCTAssertFalse(results.value.contains("failed"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache).count, 1)
    }

    func testRefusesACacheInsideTheTree() throws {
        let root = try KernelTreeFixtures.scratchTree(self)
        let tree = try KernelTree(path: root)
        KernelTreeFixtures.assertThrows(.cacheInsideTree(root + "/build/env")) {
            try ParseEnvironment(tree: tree, cacheRoot: root + "/build/env", toolchain: KernelTreeFixtures.toolchain)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/build"), "nothing may be created inside the tree")
    }

    func testDefaultCacheRootFollowsXDG() {
        XCTAssertEqual(
            ParseEnvironment.defaultCacheRoot(environment: ["XDG_CACHE_HOME": "/x/cache", "HOME": "/home/u"]),
            "/x/cache/ftrlint/env")
        XCTAssertEqual(ParseEnvironment.defaultCacheRoot(environment: ["HOME": "/home/u"]), "/home/u/.cache/ftrlint/env")
    }

    func testArgumentsMirrorKbuild() throws {
        let env = try environment()
        let root = env.tree.root
        let args = env.arguments(for: "arch/arm64/kvm/sys_regs.c")
        XCTAssertEqual(
            Array(args.prefix(5)),
            ["-target", "aarch64-linux-gnu", "-nostdinc", "-isystem", KernelTreeFixtures.toolchain.builtinIncludeDirectory])
        let includes = stride(from: 0, to: args.count - 1, by: 1).filter { args[$0] == "-I" }.map { args[$0 + 1] }
        XCTAssertEqual(
            Array(includes.prefix(8)),
            [
                root + "/arch/arm64/include", env.directory + "/arch/arm64/include/generated", root + "/include",
                env.directory + "/include",
                root + "/arch/arm64/include/uapi", env.directory + "/arch/arm64/include/generated/uapi", root + "/include/uapi",
                env.directory + "/include/generated/uapi",
            ])
        XCTAssertTrue(includes.contains(root + "/arch/arm64/kvm"))
        let forced = stride(from: 0, to: args.count - 1, by: 1).filter { args[$0] == "-include" }.map { args[$0 + 1] }
        XCTAssertEqual(forced, [root + "/include/linux/kconfig.h", root + "/include/linux/compiler_types.h"])
        for flag in [
            "-D__KERNEL__", "-std=gnu11", "-funsigned-char", "-Wno-override-init", "-DKBUILD_MODNAME=\"kvm\"",
            "-DKBUILD_BASENAME=\"sys_regs\"", "-DARM64_ASM_ARCH=\"armv8.5-a\"", "-DKASAN_SHADOW_SCALE_SHIFT=",
        ] {
            XCTAssertTrue(args.contains(flag), "missing \(flag)")
        }
        // What the fixture's Makefile tries to smuggle in never reaches clang.
        XCTAssertFalse(
            args.contains { $0.contains("/etc") || $0.contains("outside") || $0.contains("plugin") || $0.contains("pwned") })
        XCTAssertFalse(args.contains { $0.contains("FROM_A_DEFINE_BLOCK") || $0.contains("FROM_A_RECIPE") })
        XCTAssertFalse(args.contains("-o"))

        let nvhe = env.arguments(for: "arch/arm64/kvm/hyp/nvhe/switch.c")
        for flag in ["-D__KVM_NVHE_HYPERVISOR__", "-D__DISABLE_EXPORTS", "-DDISABLE_BRANCH_PROFILING", "-Wno-override-init"] {
            XCTAssertTrue(nvhe.contains(flag), "nvhe lacks \(flag)")
        }
        XCTAssertTrue(nvhe.contains(root + "/arch/arm64/kvm/hyp/include"))
        XCTAssertFalse(nvhe.contains(root + "/arch/arm64/kvm"), "ccflags-y of a parent folder is not inherited")
        XCTAssertFalse(env.arguments(for: "arch/arm64/kernel/cpufeature.c").contains("-D__KVM_NVHE_HYPERVISOR__"))
    }

    func testArgumentSourceFallsBackToTheEnvironment() throws {
        let tree = try KernelTree(path: KernelTreeFixtures.unbuilt)
        let source = try CompileArgumentSource.resolve(
            tree: tree, cacheRoot: KernelTreeFixtures.temporaryFolder(self),
            toolchain: KernelTreeFixtures.toolchain)
        guard case .environment(let env) = source else { return XCTFail("expected the generated environment") }
        XCTAssertEqual(
            try source.arguments(for: "arch/arm64/kernel/cpufeature.c"), env.arguments(for: "arch/arm64/kernel/cpufeature.c"))
    }

    /// The fixture's C files check with #error that every generated header is there and says the right thing.
    func testFixtureFilesParseWithoutErrors() throws {
        guard (try? ClangToolchain.locate()) != nil else { throw XCTSkip("no clang builtin headers on this machine") }
        let env = try environment()
        for file in ["arch/arm64/kernel/cpufeature.c", "arch/arm64/kvm/sys_regs.c", "arch/arm64/kvm/hyp/nvhe/switch.c"] {
            let unit = try TranslationUnit(
                path: env.tree.root + "/" + file, arguments: env.arguments(for: file), options: [.keepGoing])
            XCTAssertEqual(unit.diagnostics.filter { $0.severity >= .error }.map(\.description), [], file)
        }
    }
}

/// A value several threads append to under a lock (test bookkeeping only).
final class LockedBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
    func append<E>(_ element: E) where T == [E] {
        lock.lock()
        stored.append(element)
        lock.unlock()
    }
}
