import SysregSpec

/// The files `make prepare` would write for arm64, generated from the recorded inputs: build-folder-relative
/// path → contents.
enum GeneratedHeaders {
    static func files(inputs: EnvironmentInputs, configuration: KernelConfiguration) throws -> [String: String] {
        let config = configuration.values
        let compiler = config["CC_VERSION_TEXT"] ?? "clang"
        var files: [String: String] = [
            "include/generated/autoconf.h": configuration.autoconfHeader(),
            "include/generated/bounds.h": ReleaseHeaders.bounds(nrCPUs: config["NR_CPUS"].flatMap { Int($0) } ?? 512),
            "include/generated/timeconst.h": TimeconstHeader.render(hz: config["HZ"].flatMap { UInt64($0) } ?? 250),
            "include/generated/utsrelease.h": ReleaseHeaders.utsrelease(inputs.version),
            "include/generated/compile.h": ReleaseHeaders.compile(compiler: compiler),
            "include/generated/uapi/linux/version.h": ReleaseHeaders.version(inputs.version),
            "include/generated/asm-offsets.h": OffsetsHeader.render(
                source: inputs.text("arch/arm64/kernel/asm-offsets.c"), guardName: "__ASM_OFFSETS_H__"),
            "include/generated/rq-offsets.h": OffsetsHeader.render(
                source: inputs.text("kernel/sched/rq-offsets.c"), fallbackNames: ["RQ_nr_pinned"], guardName: "__RQ_OFFSETS_H__"),
            "include/generated/vdso-offsets.h": OffsetsHeader.render(
                source: nil, fallbackNames: ["vdso_offset_sigtramp"], guardName: "__VDSO_OFFSETS_H__"),
        ]
        if let constants = inputs.text("arch/arm64/kvm/hyp/hyp-constants.c") {
            files["arch/arm64/kvm/hyp_constants.h"] = OffsetsHeader.render(source: constants, guardName: "__HYP_CONSTANTS_H__")
        }

        let asm = KbuildList(inputs.text("arch/arm64/include/asm/Kbuild"))
        let uapi = KbuildList(inputs.text("arch/arm64/include/uapi/asm/Kbuild"))
        let wrappers = [
            (
                "arch/arm64/include/generated/asm", asm, KbuildList(inputs.text("include/asm-generic/Kbuild")),
                "arch/arm64/include/asm"
            ),
            (
                "arch/arm64/include/generated/uapi/asm", uapi, KbuildList(inputs.text("include/uapi/asm-generic/Kbuild")),
                "arch/arm64/include/uapi/asm"
            ),
        ]
        for (folder, arch, generic, source) in wrappers {
            // Kbuild wraps generic-y, and each mandatory-y header the architecture does not provide itself.
            let provided = Set(inputs.listing(source)).union(arch["generated-y"]).union(arch["syscall-y"])
            let names = arch["generic-y"] + generic["mandatory-y"].filter { !provided.contains($0) }
            for name in names where !arch["generated-y"].contains(name) && !arch["syscall-y"].contains(name) {
                files["\(folder)/\(name)"] = "#include <asm-generic/\(name)>\n"
            }
        }

        for name in asm["generated-y"] {
            if let text = try archGenerated(name, inputs: inputs) { files["arch/arm64/include/generated/asm/\(name)"] = text }
        }
        for (folder, list) in [("arch/arm64/include/generated/asm", asm), ("arch/arm64/include/generated/uapi/asm", uapi)] {
            for name in list["syscall-y"] {
                if let text = syscallHeader(name, inputs: inputs) { files["\(folder)/\(name)"] = text }
            }
        }
        return files
    }

    /// The arch/arm64/tools products (generated-y of arch/arm64/include/asm/Kbuild).
    private static func archGenerated(_ name: String, inputs: EnvironmentInputs) throws -> String? {
        switch name {
        case "cpucaps.h", "cpucap-defs.h":
            guard let text = inputs.text("arch/arm64/tools/cpucaps") else { return nil }
            return try CpucapsHeader.render(text, fileName: name)
        case "sysreg-defs.h":
            let path = "arch/arm64/tools/sysreg"
            guard let text = inputs.text(path) else { return nil }
            // The awk script is read, never run: its revision decides details of the output.
            let generator =
                inputs.text("arch/arm64/tools/gen-sysreg.awk").map { SysregDefsHeader.Generator(script: $0) } ?? .current
            do {
                return SysregDefsHeader.render(try SysregSpec(text: text, path: path), generator: generator)
            } catch {
                throw KernelTreeError.generationFailed(path, reason: "\(error)")
            }
        case "kernel-hwcap.h":
            return inputs.text("arch/arm64/include/uapi/asm/hwcap.h").map { KernelHwcapsHeader.render(hwcap: $0) }
        default:
            return nil
        }
    }

    /// unistd_64.h, unistd_32.h, unistd_compat_32.h and syscall_table_NN.h from the syscall tables.
    private static func syscallHeader(_ name: String, inputs: EnvironmentInputs) -> String? {
        let width = name.hasSuffix("_32.h") ? "32" : "64"
        let table = inputs.text("arch/arm64/tools/syscall_\(width).tbl")
        let abis = SyscallHeaders.abis(width: width, makefileSyscalls: inputs.text("arch/arm64/kernel/Makefile.syscalls"))
        // A table the tree lacks (6.11+ links syscall_64.tbl to scripts/, often not unpacked) gives an empty header.
        let entries = table.map { SyscallHeaders.entries($0, abis: abis) } ?? []
        if name.hasPrefix("syscall_table_") { return SyscallHeaders.table(entries) }
        if name.hasPrefix("unistd_compat_") { return SyscallHeaders.unistd(entries, fileName: name, prefix: "compat\(width)_") }
        if name.hasPrefix("unistd_") { return SyscallHeaders.unistd(entries, fileName: name) }
        return nil
    }
}
