// SPDX-License-Identifier: GPL-2.0-only
/*
 * ftrlint fixture: a KVM read path written in the kernel's idioms for the invented registers of
 * ../kernel/cpufeature.c. Self-contained; helpers mimic the kernel's macros, not their text.
 */
#include <stdbool.h>

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;

struct kvm_arch { u64 state_field; };
struct kvm { struct kvm_arch arch; };
struct kvm_vcpu { struct kvm *kvm; unsigned long features; };
struct sys_reg_params { u64 regval; bool is_write; };
struct sys_reg_desc {
	const char *name;
	u8 Op0, Op1, CRn, CRm, Op2;
	bool (*access)(struct kvm_vcpu *, struct sys_reg_params *, const struct sys_reg_desc *);
	u64 (*reset)(struct kvm_vcpu *, const struct sys_reg_desc *);
	unsigned int (*visibility)(const struct kvm_vcpu *, const struct sys_reg_desc *);
	int (*set_user)(struct kvm_vcpu *, const struct sys_reg_desc *, u64);
	u64 val;
};

#define REG_HIDDEN	(1 << 0)
#define REG_RAZ		(1 << 1)

#define sys_reg(op0, op1, crn, crm, op2) \
	(((op0) << 19) | ((op1) << 16) | ((crn) << 12) | ((crm) << 8) | ((op2) << 5))
#define reg_to_encoding(x) sys_reg((u32)(x)->Op0, (u32)(x)->Op1, (u32)(x)->CRn, (u32)(x)->CRm, (u32)(x)->Op2)
#define SYS_ID_IDIOM0_EL1	sys_reg(3, 0, 0, 4, 0)
#define SYS_ID_IDIOM1_EL1	sys_reg(3, 0, 0, 4, 1)
#define SYS_ID_IDIOM2_EL1	sys_reg(3, 0, 0, 4, 2)

#define GENMASK_ULL(h, l)	(((~0ULL) - (1ULL << (l)) + 1) & (~0ULL >> (63 - (h))))
#define FIELD_MASK(shift)	GENMASK_ULL((shift) + 3, (shift))
#define FIELD_PREP(mask, v)	({ ((u64)(v) << __builtin_ctzll(mask)) & (mask); })
#define min(a, b)		({ u64 __a = (a), __b = (b); __a < __b ? __a : __b; })
/* As the kernel's minmax.h since 6.x: the operator is pasted from a macro name, so no file spells it. */
#define __cmp_op_min		<
#define __cmp(op, x, y)		((x) __cmp_op_##op (y) ? (x) : (y))
#define min_pasted(x, y)	({ u64 __x = (x), __y = (y); __cmp(min, __x, __y); })
#define LIMIT_FIELD(val, shift, limit) ({					\
	u64 __f = ((val) >> (shift)) & 0xf;					\
	(val) &= ~FIELD_MASK(shift);						\
	(val) |= FIELD_PREP(FIELD_MASK(shift), min_pasted(__f, (u64)(limit)));	\
	(val);									\
})

extern u64 read_sanitised_ftr_reg(u32 id);
extern bool vcpu_has_feature(const struct kvm_vcpu *vcpu, int feature);
#define vcpu_has_sve(vcpu)	vcpu_has_feature(vcpu, 1)
#define vcpu_has_pmu(vcpu)	vcpu_has_feature(vcpu, 2)
#define vcpu_has_nv(vcpu)	vcpu_has_feature(vcpu, 3)

static inline u64 cap_field(u64 features, int field, u64 cap)
{
	u64 val = (features >> field) & 0xf;
	u64 mask = GENMASK_ULL(field + 3, field);

	if (val > cap) {
		features &= ~mask;
		features |= (cap << field) & mask;
	}
	return features;
}

static u64 limit_nv(u32 id, u64 val)
{
	if (id == SYS_ID_IDIOM1_EL1)
		val &= ~FIELD_MASK(8);
	return val;
}

static u64 sanitise_idiom0(const struct kvm_vcpu *vcpu, u64 val)
{
	val &= ~FIELD_MASK(4);
	val &= ~(0xfUL << 8);
	val &= ~FIELD_MASK(12);
	val |= FIELD_PREP(FIELD_MASK(12), 2);
	val = cap_field(val, 16, 3);
	if (!vcpu_has_sve(vcpu))
		val &= ~FIELD_MASK(20);
	val &= ~FIELD_MASK(24);
	val |= FIELD_PREP(FIELD_MASK(24), vcpu->kvm->arch.state_field);
	val = cap_field(val, 28, vcpu_has_pmu(vcpu) ? 5 : 0);
	return val;
}

/* Another register's field, limited: never 0xf, at most 6 (pmuver's limit). */
static u8 idiom_limit(void)
{
	u64 host = read_sanitised_ftr_reg(SYS_ID_IDIOM0_EL1) & 0xf;

	if (host == 0xf)
		return 0;
	return min(host, 6);
}

/* A conversion whose 0xf case the limit never reaches (pmuver_to_perfmon). */
static u8 idiom_convert(u8 v)
{
	switch (v) {
	case 1:
		return 3;
	case 0xf:
		return 0xf;
	default:
		return v;
	}
}

static u64 __kvm_read_sanitised_id_reg(const struct kvm_vcpu *vcpu, const struct sys_reg_desc *r)
{
	u32 id = reg_to_encoding(r);
	u64 val;

	if (r->visibility && (r->visibility(vcpu, r) & REG_RAZ))
		return 0;

	val = read_sanitised_ftr_reg(id);

	switch (id) {
	case SYS_ID_IDIOM0_EL1:
		val = sanitise_idiom0(vcpu, val);
		break;
	case SYS_ID_IDIOM1_EL1:
		val &= FIELD_MASK(0) | FIELD_MASK(8) | FIELD_MASK(12);
		val = LIMIT_FIELD(val, 12, 4);
		val |= FIELD_PREP(FIELD_MASK(16), idiom_convert(idiom_limit()));
		break;
	}

	if (vcpu_has_nv(vcpu))
		val = limit_nv(id, val);

	return val;
}

static u64 kvm_read_sanitised_id_reg(struct kvm_vcpu *vcpu, const struct sys_reg_desc *r)
{
	return __kvm_read_sanitised_id_reg(vcpu, r);
}

static bool access_id_reg(struct kvm_vcpu *vcpu, struct sys_reg_params *p, const struct sys_reg_desc *r)
{
	if (p->is_write)
		return false;
	p->regval = __kvm_read_sanitised_id_reg(vcpu, r);
	return true;
}

static unsigned int raz_visibility(const struct kvm_vcpu *vcpu, const struct sys_reg_desc *r)
{
	return REG_RAZ;
}

static unsigned int sve_visibility(const struct kvm_vcpu *vcpu, const struct sys_reg_desc *r)
{
	return vcpu_has_sve(vcpu) ? 0 : REG_HIDDEN;
}

static int set_id_reg(struct kvm_vcpu *vcpu, const struct sys_reg_desc *r, u64 val)
{
	return 0;
}

#define ID_DESC(id) .name = #id, .Op0 = 3, .Op1 = 0, .CRn = 0, .CRm = 4, .Op2 = (id), \
	.access = access_id_reg, .reset = kvm_read_sanitised_id_reg, .set_user = set_id_reg
#define ID_WRITABLE(id, mask)	{ ID_DESC(id), .val = (mask) }
#define ID_HIDDEN(id)		{ ID_DESC(id), .visibility = raz_visibility, .val = 0 }

static const struct sys_reg_desc sys_reg_descs[] = {
	ID_WRITABLE(0, FIELD_MASK(0)),
	ID_WRITABLE(1, 0),
	ID_HIDDEN(2),
	{ .name = "ZCR_EL1", .Op0 = 3, .Op1 = 0, .CRn = 1, .CRm = 2, .Op2 = 0, .visibility = sve_visibility },
};
