// SPDX-License-Identifier: GPL-2.0-only
/*
 * ftrlint fixture: pKVM's read path for protected guests, in the style of 6.1's
 * arch/arm64/kvm/hyp/nvhe/sys_regs.c: what it shares with KVM comes from ../../sys_regs.h, its
 * allow-lists from fixed_config.h.
 * Each get_pvm_*() shows one shape `ftrlint bound` extends: a set_mask with a restriction, a
 * set_mask without one, and a bare `return … & ALLOW;`.
 */
#include "../../sys_regs.h"

#define ARM64_FEATURE_FIELD_BITS	4
#define ARM64_FEATURE_MASK(x)	(GENMASK_ULL(x##_SHIFT + ARM64_FEATURE_FIELD_BITS - 1, x##_SHIFT))
#define min(x, y)		((x) < (y) ? (x) : (y))
#define min_t(type, x, y)	((type)(x) < (type)(y) ? (type)(x) : (type)(y))

#define ID_AA64PFR0_EL1_CSV3_SHIFT		60
#define ID_AA64PFR0_EL1_CSV2_SHIFT		56
#define ID_AA64PFR0_EL1_CSV2_IMP		1
#define ID_AA64PFR0_EL1_EL1_SHIFT		4
#define ID_AA64PFR0_EL1_ELx_64BIT_ONLY		1
#define ID_AA64DFR0_EL1_PMSVer_SHIFT		32
#define ID_AA64DFR0_EL1_DebugVer_SHIFT		0
#define ID_AA64MMFR0_EL1_TGRAN4_SHIFT		28
#define ID_AA64MMFR0_EL1_BIGEND_SHIFT		8
#define ID_AA64MMFR0_EL1_PARANGE_SHIFT		0
#define ID_AA64MMFR0_EL1_PARANGE_40		2
#define ID_AA64MMFR1_EL1_PAN_SHIFT		20
#define ID_AA64MMFR1_EL1_HAFDBS_SHIFT		0

#include "../include/nvhe/fixed_config.h"

void inject_undef64(struct kvm_vcpu *vcpu);

/* The hypervisor's copies of the host's sanitised values. */
u64 id_aa64pfr0_el1_sys_val;
u64 id_aa64dfr0_el1_sys_val;
u64 id_aa64mmfr0_el1_sys_val;
u64 id_aa64mmfr1_el1_sys_val;

static inline int cpuid_feature_extract_signed_field(u64 features, int field)
{
	return (s64)(features << (64 - 4 - field)) >> (64 - 4);
}

static u64 get_restricted_features_unsigned(u64 sys_reg_val, u64 restrict_fields)
{
	u64 value = 0UL;
	u64 mask = GENMASK_ULL(ARM64_FEATURE_FIELD_BITS - 1, 0);

	while (sys_reg_val && restrict_fields) {
		value |= min(sys_reg_val & mask, restrict_fields & mask);
		sys_reg_val &= ~mask;
		restrict_fields &= ~mask;
		mask <<= ARM64_FEATURE_FIELD_BITS;
	}

	return value;
}

static u64 get_pvm_id_aa64pfr0(const struct kvm_vcpu *vcpu)
{
	u64 set_mask = 0;
	u64 allow_mask = PVM_ID_AA64PFR0_ALLOW;

	set_mask |= get_restricted_features_unsigned(id_aa64pfr0_el1_sys_val,
		PVM_ID_AA64PFR0_RESTRICT_UNSIGNED);

	return (id_aa64pfr0_el1_sys_val & allow_mask) | set_mask;
}

static u64 get_pvm_id_aa64dfr0(const struct kvm_vcpu *vcpu)
{
	return id_aa64dfr0_el1_sys_val & PVM_ID_AA64DFR0_ALLOW;
}

static u64 get_pvm_id_aa64mmfr0(const struct kvm_vcpu *vcpu)
{
	u64 set_mask;

	set_mask = get_restricted_features_unsigned(id_aa64mmfr0_el1_sys_val,
		PVM_ID_AA64MMFR0_RESTRICT_UNSIGNED);

	return (id_aa64mmfr0_el1_sys_val & PVM_ID_AA64MMFR0_ALLOW) | set_mask;
}

static u64 get_pvm_id_aa64mmfr1(const struct kvm_vcpu *vcpu)
{
	return id_aa64mmfr1_el1_sys_val & PVM_ID_AA64MMFR1_ALLOW;
}

/* Read a sanitized cpufeature ID register by its encoding */
static u64 pvm_read_id_reg(const struct kvm_vcpu *vcpu, u32 id)
{
	switch (id) {
	case SYS_ID_AA64PFR0_EL1:
		return get_pvm_id_aa64pfr0(vcpu);
	case SYS_ID_AA64DFR0_EL1:
		return get_pvm_id_aa64dfr0(vcpu);
	case SYS_ID_AA64MMFR0_EL1:
		return get_pvm_id_aa64mmfr0(vcpu);
	case SYS_ID_AA64MMFR1_EL1:
		return get_pvm_id_aa64mmfr1(vcpu);
	default:
		/* Unhandled ID register, RAZ */
		return 0;
	}
}

static bool pvm_access_id_aarch64(struct kvm_vcpu *vcpu, struct sys_reg_params *p,
				  const struct sys_reg_desc *r)
{
	if (p->is_write) {
		inject_undef64(vcpu);
		return false;
	}

	p->regval = pvm_read_id_reg(vcpu, reg_to_encoding(r));
	return true;
}

#define AARCH64(REG) { SYS_DESC(REG), .access = pvm_access_id_aarch64 }

static const struct sys_reg_desc pvm_sys_reg_descs[] = {
	AARCH64(SYS_ID_AA64PFR0_EL1),
	AARCH64(SYS_ID_AA64DFR0_EL1),
	AARCH64(SYS_ID_AA64MMFR0_EL1),
	AARCH64(SYS_ID_AA64MMFR1_EL1),
};
