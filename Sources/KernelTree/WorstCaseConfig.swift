/// The fixed part of the worst-case configuration: what the arm64 Kconfig files alone cannot decide.
enum WorstCaseConfig {
    /// Always y: the architecture, KVM with its host support, and the features whose registers ftrlint reasons about.
    /// Many live in Kconfig files outside arch/arm64 that an unpacked tree may lack.
    static let enabled: [String] = [
        "ARM64", "64BIT", "MMU", "SMP", "COMPAT",
        "VIRTUALIZATION", "KVM",
        "PERF_EVENTS", "HW_PERF_EVENTS", "ARM_PMU", "ARM_PMUV3",
        "ARM64_SVE", "ARM64_MTE", "ARM64_SME", "ARM64_PTR_AUTH", "ARM64_4K_PAGES",
        // The compiler that parses: compiler-clang.h and the CC_HAS_* tests key on these.
        "CC_IS_CLANG", "AS_IS_LLVM", "LD_IS_LLD",
        // Core kernel choices headers require exactly one of (memory model, RCU flavour, slab, preemption, HZ).
        "SPARSEMEM", "SPARSEMEM_VMEMMAP", "SPARSEMEM_EXTREME", "TREE_RCU", "TREE_SRCU", "SRCU", "SLUB", "PREEMPT_NONE", "HZ_250",
        "PAGE_SIZE_4KB", "HAVE_PAGE_SIZE_4KB",
        "PRINTK", "BUG", "JUMP_LABEL", "DEBUG_LIST", "LIST_HARDENED", "MODULES", "SYSFS", "PROC_FS", "BLOCK", "NET", "MULTIUSER",
        "FUTEX", "EPOLL",
        "GENERIC_IRQ_PROBE", "HOTPLUG_CPU", "CPU_PM", "ARM_GIC_V3", "ARM_ARCH_TIMER", "IRQ_DOMAIN", "IRQ_DOMAIN_HIERARCHY",
        "HAS_IOMEM", "HAS_DMA", "SCHED_INFO", "KEXEC_CORE", "PTDUMP_CORE", "PTDUMP", "PTDUMP_DEBUGFS", "DEBUG_FS",
    ]

    /// Values used when no Kconfig file in the tree assigns the symbol (kernel/Kconfig.hz, init/Kconfig, mm/Kconfig...).
    static let fallbackNumbers: [String: String] = [
        "HZ": "250", "PAGE_SHIFT": "12", "NR_CPUS": "512", "NODES_SHIFT": "4",
        "LOG_BUF_SHIFT": "17", "LOG_CPU_MAX_BUF_SHIFT": "12", "PRINTK_SAFE_LOG_BUF_SHIFT": "13",
        "FRAME_WARN": "2048", "DEFAULT_MMAP_MIN_ADDR": "4096", "SPLIT_PTLOCK_CPUS": "4", "BASE_SMALL": "0",
        "RCU_FANOUT": "64", "RCU_FANOUT_LEAF": "16", "ARCH_MMAP_RND_BITS": "18", "ARCH_MMAP_RND_COMPAT_BITS": "11",
        "GCC_VERSION": "0", "LD_VERSION": "0", "LLD_VERSION": "140006", "AS_VERSION": "140006",
        "ARCH_FORCE_MAX_ORDER": "10", "FORCE_MAX_ZONEORDER": "11",
    ]

    /// Off whatever defaults or selects say: they would pick big-endian code or expect build-time products.
    static let disabled: Set<String> = [
        "CPU_BIG_ENDIAN", "CPU_BIG_ENDIAN_BOOT", "TRIM_UNUSED_KSYMS", "GCC_PLUGINS", "RANDSTRUCT", "KASAN",
        "GCOV_KERNEL", "LTO_CLANG", "CFI_CLANG", "DEBUG_INFO_BTF", "UBSAN", "KCSAN", "KMSAN",
    ]
}
