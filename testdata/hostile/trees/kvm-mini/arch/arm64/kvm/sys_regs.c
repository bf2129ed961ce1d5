// SPDX-License-Identifier: GPL-2.0-only
/*
 * ftrlint robustness fixture: KVM's guest view of cpufeature.c's two ID registers, in the shape of
 * 6.x's sys_regs.c (a per-VM value set at reset from the sanitised host value), without kernel headers.
 */

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)

#define GENMASK(h, l)	(((~0ULL) << (l)) & (~0ULL >> (63 - (h))))

struct kvm_vcpu { int flags; };
struct sys_reg_params { u64 regval; bool is_write; };

#define REG_HIDDEN	(1 << 0)
#define REG_RAZ		(1 << 1)

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
	int (*get_user)(struct kvm_vcpu *vcpu, const struct sys_reg_desc *rd, u64 *val);
	int (*set_user)(struct kvm_vcpu *vcpu, const struct sys_reg_desc *rd, u64 val);
	unsigned int (*visibility)(const struct kvm_vcpu *vcpu, const struct sys_reg_desc *rd);
};

#define sys_reg(op0, op1, crn, crm, op2) \
	(((op0) << 19) | ((op1) << 16) | ((crn) << 12) | ((crm) << 8) | ((op2) << 5))
#define sys_reg_Op0(id)	(((id) >> 19) & 0x3)
#define sys_reg_Op1(id)	(((id) >> 16) & 0x7)
#define sys_reg_CRn(id)	(((id) >> 12) & 0xf)
#define sys_reg_CRm(id)	(((id) >> 8) & 0xf)
#define sys_reg_Op2(id)	(((id) >> 5) & 0x7)
#define reg_to_encoding(x) sys_reg((u32)(x)->Op0, (u32)(x)->Op1, (u32)(x)->CRn, (u32)(x)->CRm, (u32)(x)->Op2)

#define SYS_ID_AA64PFR0_EL1		sys_reg(3, 0, 0, 4, 0)
#define SYS_ID_AA64ISAR0_EL1		sys_reg(3, 0, 0, 6, 0)
#define ID_AA64PFR0_EL1_AMU_MASK	GENMASK(47, 44)

#define SYS_DESC(reg)					\
	.name = #reg,					\
	.Op0 = sys_reg_Op0(reg), .Op1 = sys_reg_Op1(reg),	\
	.CRn = sys_reg_CRn(reg), .CRm = sys_reg_CRm(reg),	\
	.Op2 = sys_reg_Op2(reg)

void kvm_inject_undefined(struct kvm_vcpu *vcpu);
u64 read_sanitised_ftr_reg(u32 id);

static unsigned int raz_visibility(const struct kvm_vcpu *vcpu, const struct sys_reg_desc *r)
{
	return REG_RAZ;
}

static unsigned int hidden_visibility(const struct kvm_vcpu *vcpu, const struct sys_reg_desc *r)
{
	return REG_HIDDEN;
}

static u64 kvm_read_sanitised_id_reg(struct kvm_vcpu *vcpu, const struct sys_reg_desc *r)
{
	u32 id = reg_to_encoding(r);
	u64 val = read_sanitised_ftr_reg(id);

	switch (id) {
	case SYS_ID_AA64PFR0_EL1:
		val &= ~ID_AA64PFR0_EL1_AMU_MASK;
		break;
	}

	return val;
}

static bool access_id_reg(struct kvm_vcpu *vcpu, struct sys_reg_params *p, const struct sys_reg_desc *r)
{
	if (p->is_write) {
		kvm_inject_undefined(vcpu);
		return false;
	}
	p->regval = kvm_read_sanitised_id_reg(vcpu, r);
	return true;
}

static u64 reset_id_reg(struct kvm_vcpu *vcpu, const struct sys_reg_desc *r)
{
	return kvm_read_sanitised_id_reg(vcpu, r);
}

#define ID_SANITISED(name) {			\
	SYS_DESC(SYS_##name),			\
	.access = access_id_reg,		\
	.reset = reset_id_reg,			\
}

static const struct sys_reg_desc sys_reg_descs[] = {
	ID_SANITISED(ID_AA64PFR0_EL1),
	ID_SANITISED(ID_AA64ISAR0_EL1),
	{ SYS_DESC(sys_reg(3, 0, 9, 9, 0)), .access = access_id_reg, .visibility = hidden_visibility },
	{ SYS_DESC(sys_reg(3, 0, 9, 9, 1)), .access = access_id_reg, .visibility = raz_visibility },
};
