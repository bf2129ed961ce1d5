// SPDX-License-Identifier: GPL-2.0-only
/*
 * ftrlint fixture: invented ID registers, one field per KVM idiom the analysis must recognise.
 * Self-contained so that it parses without kernel headers.
 */
#include <stdbool.h>

typedef unsigned char u8;
typedef unsigned int u32;
typedef long long s64;

enum ftr_type { FTR_EXACT, FTR_LOWER_SAFE, FTR_HIGHER_SAFE, FTR_HIGHER_OR_ZERO_SAFE };

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
#define SYS_ID_IDIOM0_EL1	sys_reg(3, 0, 0, 4, 0)
#define SYS_ID_IDIOM1_EL1	sys_reg(3, 0, 0, 4, 1)
#define SYS_ID_IDIOM2_EL1	sys_reg(3, 0, 0, 4, 2)

#define ARM64_FTR_BITS(VISIBLE, STRICT, TYPE, SHIFT, WIDTH, SAFE_VAL) \
	{ .sign = false, .visible = VISIBLE, .strict = STRICT, .type = TYPE, \
	  .shift = SHIFT, .width = WIDTH, .safe_val = SAFE_VAL, }
#define ARM64_FTR_END { .width = 0, }
#define FIELD(shift) ARM64_FTR_BITS(false, true, FTR_LOWER_SAFE, shift, 4, 0)

/* IDIOM0: one field per operation on the value */
static const struct arm64_ftr_bits ftr_idiom0[] = {
	FIELD(0),	/* Plain: passed through */
	FIELD(4),	/* Cleared: val &= ~MASK */
	FIELD(8),	/* Shifted: val &= ~(0xfUL << 8) */
	FIELD(12),	/* Forced: cleared, then FIELD_PREP(mask, 2) */
	FIELD(16),	/* Capped: cap_field(val, 16, 3) */
	FIELD(20),	/* Sve: cleared unless vcpu_has_sve() */
	FIELD(24),	/* State: from kvm->arch */
	FIELD(28),	/* Cond: capped under a ternary, 0 otherwise */
	ARM64_FTR_END,
};

/* IDIOM1: keep-only allowlist */
static const struct arm64_ftr_bits ftr_idiom1[] = {
	FIELD(0),	/* Kept */
	FIELD(4),	/* Dropped */
	FIELD(8),	/* NvOnly: cleared for nested guests only */
	FIELD(12),	/* Pasted: capped by a min() whose '<' is pasted from a macro name */
	FIELD(16),	/* Converted: another register's field, limited, then converted */
	ARM64_FTR_END,
};

/* IDIOM2: whole register read as zero */
static const struct arm64_ftr_bits ftr_idiom2[] = {
	FIELD(0),
	ARM64_FTR_END,
};

#define ARM64_FTR_REG(id, table) { \
	.sys_id = id, \
	.reg = &(struct arm64_ftr_reg){ .name = #id, .ftr_bits = &((table)[0]), } }

static const struct __ftr_reg_entry {
	u32 sys_id;
	struct arm64_ftr_reg *reg;
} arm64_ftr_regs[] = {
	ARM64_FTR_REG(SYS_ID_IDIOM0_EL1, ftr_idiom0),
	ARM64_FTR_REG(SYS_ID_IDIOM1_EL1, ftr_idiom1),
	ARM64_FTR_REG(SYS_ID_IDIOM2_EL1, ftr_idiom2),
};
