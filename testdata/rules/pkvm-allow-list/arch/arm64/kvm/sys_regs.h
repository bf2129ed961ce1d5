/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ftrlint fixture: what KVM's and pKVM's sys_regs.c share, as arch/arm64/kvm/sys_regs.h and
 * asm/sysreg.h give it to both.
 */
#ifndef __ARM64_KVM_SYS_REGS_LOCAL_H__
#define __ARM64_KVM_SYS_REGS_LOCAL_H__

typedef unsigned char u8;
typedef unsigned int u32;
typedef long long s64;
typedef unsigned long long u64;
typedef _Bool bool;
#define true	1
#define false	0

#define GENMASK_ULL(h, l)	(((~0ULL) << (l)) & (~0ULL >> (63 - (h))))
#define FIELD_PREP(mask, val)	(((u64)(val) << __builtin_ctzll(mask)) & (mask))
#define FIELD_GET(mask, reg)	(((reg) & (mask)) >> __builtin_ctzll(mask))

struct kvm_vcpu { int flags; };
struct sys_reg_params { u64 regval; bool is_write; };

struct sys_reg_desc {
	const char *name;
	u8 Op0;
	u8 Op1;
	u8 CRn;
	u8 CRm;
	u8 Op2;
	bool (*access)(struct kvm_vcpu *, struct sys_reg_params *, const struct sys_reg_desc *);
	u64 (*reset)(struct kvm_vcpu *, const struct sys_reg_desc *);
	int reg;
	u64 val;
};

#define sys_reg(op0, op1, crn, crm, op2) \
	(((op0) << 19) | ((op1) << 16) | ((crn) << 12) | ((crm) << 8) | ((op2) << 5))
#define sys_reg_Op0(id)	(((id) >> 19) & 0x3)
#define sys_reg_Op1(id)	(((id) >> 16) & 0x7)
#define sys_reg_CRn(id)	(((id) >> 12) & 0xf)
#define sys_reg_CRm(id)	(((id) >> 8) & 0xf)
#define sys_reg_Op2(id)	(((id) >> 5) & 0x7)

#define SYS_ID_AA64PFR0_EL1	sys_reg(3, 0, 0, 4, 0)
#define SYS_ID_AA64DFR0_EL1	sys_reg(3, 0, 0, 5, 0)
#define SYS_ID_AA64MMFR0_EL1	sys_reg(3, 0, 0, 7, 0)
#define SYS_ID_AA64MMFR1_EL1	sys_reg(3, 0, 0, 7, 1)
#define SYS_TCR2_EL1		sys_reg(3, 0, 2, 0, 3)
#define SYS_PMSCR_EL1		sys_reg(3, 0, 9, 9, 0)
#define SYS_SCXTNUM_EL1		sys_reg(3, 0, 13, 0, 7)
#define SYS_SCXTNUM_EL0		sys_reg(3, 3, 13, 0, 7)

#define ID_AA64PFR0_EL1_CSV2_MASK	GENMASK_ULL(59, 56)
#define ID_AA64DFR0_EL1_PMSVer_MASK	GENMASK_ULL(35, 32)
#define ID_AA64MMFR1_EL1_HAFDBS_MASK	GENMASK_ULL(3, 0)

#define reg_to_encoding(x)						\
	sys_reg((u32)(x)->Op0, (u32)(x)->Op1,				\
		(u32)(x)->CRn, (u32)(x)->CRm, (u32)(x)->Op2)

#define SYS_DESC(reg)					\
	.name = #reg,					\
	.Op0 = sys_reg_Op0(reg), .Op1 = sys_reg_Op1(reg),	\
	.CRn = sys_reg_CRn(reg), .CRm = sys_reg_CRm(reg),	\
	.Op2 = sys_reg_Op2(reg)

#endif /* __ARM64_KVM_SYS_REGS_LOCAL_H__ */
