// SPDX-License-Identifier: GPL-2.0-only
/*
 * ftrlint robustness fixture: two ID registers, a field each, described in the style of cpufeature.c,
 * self-contained so that it parses without kernel headers. The tests damage it in copies.
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
#define SYS_ID_AA64PFR0_EL1		sys_reg(3, 0, 0, 4, 0)
#define SYS_ID_AA64ISAR0_EL1		sys_reg(3, 0, 0, 6, 0)
#define ID_AA64PFR0_EL1_AMU_SHIFT	44
#define ID_AA64ISAR0_EL1_AES_SHIFT	4

#define __ARM64_FTR_BITS(SIGNED, VISIBLE, STRICT, TYPE, SHIFT, WIDTH, SAFE_VAL) \
	{ .sign = SIGNED, .visible = VISIBLE, .strict = STRICT, .type = TYPE, \
	  .shift = SHIFT, .width = WIDTH, .safe_val = SAFE_VAL, }
#define ARM64_FTR_BITS(VISIBLE, STRICT, TYPE, SHIFT, WIDTH, SAFE_VAL) \
	__ARM64_FTR_BITS(FTR_UNSIGNED, VISIBLE, STRICT, TYPE, SHIFT, WIDTH, SAFE_VAL)
#define ARM64_FTR_END { .width = 0, }

static const struct arm64_ftr_bits ftr_id_aa64pfr0[] = {
	ARM64_FTR_BITS(FTR_HIDDEN, FTR_NONSTRICT, FTR_LOWER_SAFE, ID_AA64PFR0_EL1_AMU_SHIFT, 4, 0),
	ARM64_FTR_END,
};

static const struct arm64_ftr_bits ftr_id_aa64isar0[] = {
	ARM64_FTR_BITS(FTR_VISIBLE, FTR_STRICT, FTR_LOWER_SAFE, ID_AA64ISAR0_EL1_AES_SHIFT, 4, 0),
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
	ARM64_FTR_REG(SYS_ID_AA64ISAR0_EL1, ftr_id_aa64isar0),
};
