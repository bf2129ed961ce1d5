// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fixture: every generated header the parse environment writes, used the way kernel code uses it.
 */
#include <linux/stddef.h>
#include <linux/jiffies.h>
#include <asm/atomic.h>
#include <asm/barrier.h>
#include <asm/mcs_spinlock.h>
#include <asm/cpufeature.h>
#include <asm/unistd_compat_32.h>
#include <asm/kvm_para.h>
#include <generated/utsrelease.h>
#include <generated/bounds.h>
#include <generated/asm-offsets.h>
#include <linux/version.h>

#if !IS_ENABLED(CONFIG_ARM64) || !IS_ENABLED(CONFIG_KVM) || !IS_ENABLED(CONFIG_ARM64_FEATURE_A)
#error "the worst-case configuration must enable the architecture, KVM and every ARM64_* option"
#endif
#if IS_ENABLED(CONFIG_CPU_BIG_ENDIAN) || IS_ENABLED(CONFIG_ARM64_64K_PAGES)
#error "one choice member only, and never big-endian"
#endif
#if CONFIG_PGTABLE_LEVELS != 4 || CONFIG_ARM64_VA_BITS != 48 || CONFIG_NR_CPUS != 256
#error "numeric options follow their Kconfig defaults"
#endif
#if LINUX_VERSION_CODE != KERNEL_VERSION(6, 12, 255)
#error "version.h clamps the sublevel"
#endif
#ifndef ARCH_ATOMIC_FROM_ARM64
#error "the architecture's own atomic.h must win over a generic wrapper"
#endif
#if !defined(GENERIC_BARRIER_INCLUDED) || !defined(GENERIC_MCS_SPINLOCK_INCLUDED)
#error "mandatory-y and generic-y headers are wrapped"
#endif
#if ARM64_NCAPS != 3 || ARM64_HAS_FIXTURE_FEATURE != 1
#error "cpucap-defs.h numbers the cpucaps in order"
#endif
#if __NR_compat32_write != 4 || __NR_compat32_syscalls != 5
#error "unistd_compat_32.h comes from syscall_32.tbl"
#endif

static const unsigned long fixture_values[] __always_unused = {
	SYS_ID_AA64FIX0_EL1,
	ID_AA64FIX0_EL1_FEATA_SHIFT,
	KERNEL_HWCAP_SVE2,
	KERNEL_HWCAP_MTE_FAR,
	TSK_TI_FLAGS,
	NR_CPUS_BITS,
	HZ_TO_MSEC_NUM,
	sizeof(KBUILD_MODNAME),
	sizeof(UTS_RELEASE),
};
