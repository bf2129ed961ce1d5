/// Turns a compile command from a compilation database into arguments libclang can use safely: GCC-only flags
/// clang rejects are dropped, and so is anything that could make libclang write files, load code or run tools.
/// The database may come from an untrusted tree; its compiler is never executed.
enum CompileFlagFilter {
    /// Flags whose value is the next argument (so the pair is kept or dropped together).
    static let takesValue: Set<String> = [
        "-o", "-I", "-D", "-U", "-include", "-imacros", "-isystem", "-iquote", "-idirafter", "-iprefix", "-iwithprefix",
        "-iwithprefixbefore", "-isysroot", "--sysroot", "-x", "-MF", "-MT", "-MQ", "-Xclang", "-Xassembler", "-Xlinker",
        "-Xpreprocessor", "-mllvm", "-target", "--param", "-B", "-L", "-l", "-aux-info", "--serialize-diagnostics",
        "-z", "-T", "-G", "-specs", "-load", "-plugin", "-add-plugin", "-dependency-file", "-module-dependency-dir",
        "-MJ", "-gen-cdb-fragment-path", "--config", "-meabi", "-mthread-model", "-stdlib++-isystem", "-dependency-dot",
    ]

    /// Paired flags kept, with their paths made absolute against the entry's directory.
    static let pathValued: Set<String> = ["-I", "-include", "-imacros", "-isystem", "-iquote", "-idirafter"]

    /// Paired flags kept as they are.
    static let keptPairs: Set<String> = ["-D", "-U", "-target", "-x"]

    /// GCC-only flags clang (14 and later) rejects or that only steer GCC's code generation.
    static let gccOnly: Set<String> = [
        "-fconserve-stack", "-mabi=lp64", "-fno-allow-store-data-races", "-mno-fdpic", "-fno-var-tracking-assignments",
        "-fno-inline-functions-called-once", "-fno-partial-inlining", "-fno-reorder-blocks", "-fno-code-hoisting",
        "-fno-ipa-cp-clone", "-fno-ipa-sra", "-fno-ipa-icf", "-mpc-relative-literal-loads", "-fno-stack-check",
        "-Wno-packed-not-aligned", "-Wno-alloc-size-larger-than", "-Wno-maybe-uninitialized", "-Wno-format-truncation",
        "-Wno-format-overflow", "-Wno-restrict", "-Wno-dangling-pointer", "-Wno-enum-int-mismatch",
        // A parse must not fail on the warnings a CONFIG_WERROR build turns into errors.
        "-Werror",
    ]

    /// Prefixes of GCC-only (or codegen-only) flags: dropped whatever follows.
    static let gccOnlyPrefixes: [String] = [
        "--param=", "-fno-ipa-", "-fipa-", "-fno-tree-", "-ftree-", "-mstack-protector-guard", "-fmin-function-alignment",
        "-fzero-call-used-regs", "-ftrivial-auto-var-init", "-Wimplicit-fallthrough=", "-Wno-stringop-", "-fsanitize",
        "-fasan-", "-fstrict-flex-arrays", "-fstack-check=", "-msign-return-address", "-fno-sanitize", "-fconserve-",
    ]

    /// Flags that write files, load code or reach outside the parse: dropped for safety.
    static let unsafe: Set<String> = [
        "-c", "-S", "-E", "-M", "-MM", "-MD", "-MMD", "-MG", "-MP", "-o", "-save-temps", "-pipe", "-v", "-###",
        "-ftest-coverage", "-fstack-usage", "-gsplit-dwarf", "-ftime-report", "-fsave-optimization-record",
        "-fsyntax-only", "-emit-llvm", "-flto", "-fembed-bitcode",
    ]

    /// Prefixes of unsafe flags (plugins, profiles, dumps, response files, other tools' options).
    static let unsafePrefixes: [String] = [
        "-fplugin", "-fpass-plugin", "-Wp,", "-Wl,", "-Wa,", "-Xclang", "-mllvm", "-save-temps=", "-fprofile", "-fcoverage",
        "-fdump-", "-fcrash-diagnostics", "-ftime-trace", "-fmodules", "-fmodule-", "-fcallgraph-info", "-fproc-stat-report",
        "-foptimization-record", "-fsave-optimization-record=", "--serialize-diagnostics", "-load", "-B", "--gcc-toolchain",
        "--gcc-install-dir", "-specs", "--specs", "-flto=", "-fembed-bitcode=", "-dumpdir", "-dumpbase", "-o", "-MF", "-MT",
        "-MQ", "-fdebug-compilation-dir", "-frandomize-layout-seed-file", "-fprofile-list", "--output", "-fxray",
        "@", "-Xassembler", "-Xlinker", "-Xpreprocessor", "-L", "-l", "-T", "-z", "-fcs-profile", "-fplugin-arg",
    ]

    /// Prefixes of the option families kept once the lists above have dropped their unsafe members:
    /// features and warnings, machine options, optimisation level, macros, include folders, language and target.
    static let safeFamilies: [String] = ["-f", "-m", "-W", "-O", "-D", "-U", "-I", "-std=", "--std=", "--target="]

    /// Single options kept as they are.
    static let safeExact: Set<String> = [
        "-nostdinc", "-nostdinc++", "-nostdlibinc", "-w", "-ansi", "-pedantic", "-pedantic-errors",
    ]

    /// The filtered arguments of one command (argv[0] included, as the database states it), run in `directory`.
    /// `builtinIncludes` replaces a compiler's own builtin header folder (GCC's or another clang's).
    static func filter(_ argv: [String], directory: String, builtinIncludes: String?) -> [String] {
        var args = Array(argv.dropFirst())
        // ccache gcc ..., distcc clang ...: the wrapped compiler is not an argument either.
        if let first = argv.first, ["ccache", "sccache", "distcc", "icecc"].contains(basename(first)), !args.isEmpty {
            args.removeFirst()
        }
        var out: [String] = []
        var hasTarget = false
        var i = 0
        while i < args.count {
            let arg = args[i]
            i += 1
            if takesValue.contains(arg) {
                guard i < args.count else { break }
                let value = args[i]
                i += 1
                if pathValued.contains(arg) {
                    out += [arg, replacingBuiltins(arg, absolute(value, directory), builtinIncludes)]
                } else if keptPairs.contains(arg) {
                    out += [arg, value]
                    if arg == "-target" { hasTarget = true }
                }
                continue
            }
            guard arg.hasPrefix("-") else { continue }  // the source file and other inputs
            if unsafe.contains(arg) || unsafePrefixes.contains(where: { arg.hasPrefix($0) }) { continue }
            if gccOnly.contains(arg) || gccOnlyPrefixes.contains(where: { arg.hasPrefix($0) }) { continue }
            if let joined = pathValued.first(where: { arg.hasPrefix($0) && arg.count > $0.count && $0.count == 2 }) {
                out.append(joined + absolute(String(arg.dropFirst(joined.count)), directory))
                continue
            }
            // Anything else must belong to a family that only steers the parse: a driver option outside them
            // (-MJ, -gen-cdb-fragment-path, -emit-interface-stubs, --config...) may write files or read options,
            // and one that takes a separate value would swallow the next argument.
            guard safeFamilies.contains(where: { arg.hasPrefix($0) }) || safeExact.contains(arg) else { continue }
            if arg.hasPrefix("--target=") { hasTarget = true }
            out.append(arg)
        }
        if !hasTarget { out = ["-target", "aarch64-linux-gnu"] + out }
        // Quiet the warnings GCC's warning flags cause in clang; errors stay errors.
        out += ["-Wno-unknown-warning-option", "-Wno-unused-command-line-argument"]
        return out
    }

    /// A compiler's own builtin header folder (…/gcc/…/include, …/lib/clang/N/include) becomes ours: libclang
    /// needs the builtin headers of its own version.
    private static func replacingBuiltins(_ flag: String, _ path: String, _ builtins: String?) -> String {
        guard flag == "-isystem", let builtins, path.hasSuffix("/include"),
            path.contains("/gcc") || path.contains("/lib/clang/")
        else { return path }
        return builtins
    }

    private static func absolute(_ path: String, _ directory: String) -> String {
        path.hasPrefix("/") ? path : directory + "/" + path
    }

    private static func basename(_ path: String) -> String {
        String(path.split(separator: "/").last ?? Substring(path))
    }
}
