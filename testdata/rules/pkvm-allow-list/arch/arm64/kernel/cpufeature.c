// SPDX-License-Identifier: GPL-2.0-only
/*
 * ftrlint fixture: four ID registers described in the style of cpufeature.c, self-contained so
 * that it parses without kernel headers. KVM's side is ../kvm/sys_regs.c, pKVM's ../kvm/hyp/nvhe.
 */
#include <stdbool.h>

typedef unsigned char u8;
typedef unsigned int u32;
typedef long long s64;

enum ftr_type { FTR_EXACT, FTR_LOWER_SAFE, FTR_HIGHER_SAFE, FTR_HIGHER_OR_ZERO_SAFE };

#define FTR_STRICT	true
#define FTR_NONSTRICT	false
#define FTR_SIGNED	true
#define FTR_UNSIGNED	false
#define FTR_VISIBLE	true
#define FTR_HIDDEN	false

struct arm64_ftr_bits {
	bool sign;
	bool visible;
	bool strict;
	enum ftr_type type;
	u8 shift;
	u8 width;
	s64 safe_val;
};

struct arm64_ftr_reg {
	const char *name;
	const struct arm64_ftr_bits *ftr_bits;
};

#define sys_reg(op0, op1, crn, crm, op2) \
	(((op0) << 19) | ((op1) << 16) | ((crn) << 12) | ((crm) << 8) | ((op2) << 5))
#define SYS_ID_AA64PFR0_EL1	sys_reg(3, 0, 0, 4, 0)
#define SYS_ID_AA64DFR0_EL1	sys_reg(3, 0, 0, 5, 0)
#define SYS_ID_AA64MMFR0_EL1	sys_reg(3, 0, 0, 7, 0)
#define SYS_ID_AA64MMFR1_EL1	sys_reg(3, 0, 0, 7, 1)

#define ID_AA64PFR0_EL1_CSV2_SHIFT	56
#define ID_AA64DFR0_EL1_PMSVer_SHIFT	32
#define ID_AA64MMFR0_EL1_TGRAN4_SHIFT	28
#define ID_AA64MMFR0_EL1_TGRAN4_NI	0xf
#define ID_AA64MMFR1_EL1_HAFDBS_SHIFT	0

#define __ARM64_FTR_BITS(SIGNED, VISIBLE, STRICT, TYPE, SHIFT, WIDTH, SAFE_VAL) \
	{ .sign = SIGNED, .visible = VISIBLE, .strict = STRICT, .type = TYPE, \
	  .shift = SHIFT, .width = WIDTH, .safe_val = SAFE_VAL, }
#define ARM64_FTR_BITS(VISIBLE, STRICT, TYPE, SHIFT, WIDTH, SAFE_VAL) \
	__ARM64_FTR_BITS(FTR_UNSIGNED, VISIBLE, STRICT, TYPE, SHIFT, WIDTH, SAFE_VAL)
#define S_ARM64_FTR_BITS(VISIBLE, STRICT, TYPE, SHIFT, WIDTH, SAFE_VAL) \
	__ARM64_FTR_BITS(FTR_SIGNED, VISIBLE, STRICT, TYPE, SHIFT, WIDTH, SAFE_VAL)
#define ARM64_FTR_END { .width = 0, }

static const struct arm64_ftr_bits ftr_id_aa64pfr0[] = {
	ARM64_FTR_BITS(FTR_HIDDEN, FTR_NONSTRICT, FTR_LOWER_SAFE, ID_AA64PFR0_EL1_CSV2_SHIFT, 4, 0),
	ARM64_FTR_END,
};

static const struct arm64_ftr_bits ftr_id_aa64dfr0[] = {
	ARM64_FTR_BITS(FTR_HIDDEN, FTR_NONSTRICT, FTR_LOWER_SAFE, ID_AA64DFR0_EL1_PMSVer_SHIFT, 4, 0),
	ARM64_FTR_END,
};

static const struct arm64_ftr_bits ftr_id_aa64mmfr0[] = {
	S_ARM64_FTR_BITS(FTR_HIDDEN, FTR_STRICT, FTR_LOWER_SAFE, ID_AA64MMFR0_EL1_TGRAN4_SHIFT, 4,
			 ID_AA64MMFR0_EL1_TGRAN4_NI),
	ARM64_FTR_END,
};

static const struct arm64_ftr_bits ftr_id_aa64mmfr1[] = {
	ARM64_FTR_BITS(FTR_HIDDEN, FTR_STRICT, FTR_LOWER_SAFE, ID_AA64MMFR1_EL1_HAFDBS_SHIFT, 4, 0),
	ARM64_FTR_END,
};

#define ARM64_FTR_REG(id, table) { \
	.sys_id = id, \
	.reg = &(struct arm64_ftr_reg){ .name = #id, .ftr_bits = &((table)[0]), } }

static const struct __ftr_reg_entry {
	u32 sys_id;
	struct arm64_ftr_reg *reg;
} arm64_ftr_regs[] = {
	ARM64_FTR_REG(SYS_ID_AA64PFR0_EL1, ftr_id_aa64pfr0),
	ARM64_FTR_REG(SYS_ID_AA64DFR0_EL1, ftr_id_aa64dfr0),
	ARM64_FTR_REG(SYS_ID_AA64MMFR0_EL1, ftr_id_aa64mmfr0),
	ARM64_FTR_REG(SYS_ID_AA64MMFR1_EL1, ftr_id_aa64mmfr1),
};
