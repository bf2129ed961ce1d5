// SPDX-License-Identifier: GPL-2.0-only
/*
 * ftrlint fixture: KVM's side of ../kernel/cpufeature.c for normal guests, in the style of 6.1's
 * arch/arm64/kvm/sys_regs.c. Normal guests see none of the fields that leak to
 * protected guests through pKVM's allow-lists (hyp/nvhe/sys_regs.c).
 */
#include "sys_regs.h"

enum mitigation_state { SPECTRE_UNAFFECTED, SPECTRE_MITIGATED, SPECTRE_VULNERABLE };

u64 read_sanitised_ftr_reg(u32 id);
void kvm_inject_undefined(struct kvm_vcpu *vcpu);
enum mitigation_state arm64_get_spectre_v2_state(void);

static bool undef_access(struct kvm_vcpu *vcpu, struct sys_reg_params *p,
			 const struct sys_reg_desc *r)
{
	kvm_inject_undefined(vcpu);

	return false;
}

/* Read a sanitised cpufeature ID register by sys_reg_desc */
static u64 read_id_reg(const struct kvm_vcpu *vcpu, const struct sys_reg_desc *r)
{
	u32 id = reg_to_encoding(r);
	u64 val = read_sanitised_ftr_reg(id);

	switch (id) {
	case SYS_ID_AA64PFR0_EL1:
		val &= ~ID_AA64PFR0_EL1_CSV2_MASK;
		if (arm64_get_spectre_v2_state() == SPECTRE_UNAFFECTED)
			val |= FIELD_PREP(ID_AA64PFR0_EL1_CSV2_MASK, 1);
		break;
	case SYS_ID_AA64DFR0_EL1:
		/* Hide SPE from guests */
		val &= ~ID_AA64DFR0_EL1_PMSVer_MASK;
		break;
	case SYS_ID_AA64MMFR1_EL1:
		val &= ~ID_AA64MMFR1_EL1_HAFDBS_MASK;
		break;
	}

	return val;
}

static bool access_id_reg(struct kvm_vcpu *vcpu, struct sys_reg_params *p,
			  const struct sys_reg_desc *r)
{
	if (p->is_write) {
		kvm_inject_undefined(vcpu);
		return false;
	}

	p->regval = read_id_reg(vcpu, r);
	return true;
}

#define ID_SANITISED(name) {			\
	SYS_DESC(SYS_##name),			\
	.access	= access_id_reg,		\
}

static const struct sys_reg_desc sys_reg_descs[] = {
	ID_SANITISED(ID_AA64PFR0_EL1),
	ID_SANITISED(ID_AA64DFR0_EL1),
	ID_SANITISED(ID_AA64MMFR0_EL1),
	ID_SANITISED(ID_AA64MMFR1_EL1),

	{ SYS_DESC(SYS_TCR2_EL1), undef_access },
	{ SYS_DESC(SYS_PMSCR_EL1), undef_access },
	{ SYS_DESC(SYS_SCXTNUM_EL1), undef_access },
	{ SYS_DESC(SYS_SCXTNUM_EL0), undef_access },
};
