/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef __ASM_CPUFEATURE_H
#define __ASM_CPUFEATURE_H
#include <asm/cpucap-defs.h>
#include <asm/sysreg-defs.h>
#include <asm/hwcap.h>
#include <asm/kernel-hwcap.h>
#define GENMASK(h, l) (((~0UL) << (l)) & (~0UL >> (63 - (h))))
#define UL(x) x ## UL
#define sys_reg(op0, op1, crn, crm, op2) (((op0) << 19) | ((op1) << 16) | ((crn) << 12) | ((crm) << 8) | ((op2) << 5))
#define __khwcap_feature(x)	(HWCAP_ ## x)
#define __khwcap2_feature(x)	(64 + HWCAP2_ ## x)
#define __khwcap3_feature(x)	(128 + HWCAP3_ ## x)
#endif
