// SPDX-License-Identifier: GPL-2.0-only
/*
 * ftrlint fixture: KVM's side of ../kernel/cpufeature.c for normal guests, in the style of 6.1's
 * arch/arm64/kvm/sys_regs.c, self-contained. Normal guests see none of the fields that leak to
 * protected guests through pKVM's allow-lists (hyp/nvhe/sys_regs.c).
 */
typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef _Bool bool;
#define true	1
#define false	0

#define GENMASK_ULL(h, l)	(((~0ULL) << (l)) & (~0ULL >> (63 - (h))))
#define FIELD_PREP(mask, val)	(((u64)(val) << __builtin_ctzll(mask)) & (mask))

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
