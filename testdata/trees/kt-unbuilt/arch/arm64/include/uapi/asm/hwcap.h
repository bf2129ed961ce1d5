/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
#ifndef _UAPI__ASM_HWCAP_H
#define _UAPI__ASM_HWCAP_H
#define HWCAP_FP		(1 << 0)
#define HWCAP_ASIMD		(1 << 1)
#define HWCAP2_SVE2		(1 << 1)
#define HWCAP3_MTE_FAR		(1UL << 0)
#endif
