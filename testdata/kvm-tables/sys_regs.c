/*
 * A small, self-contained stand-in for arch/arm64/kvm/sys_regs.c, written for ftrlint's tests.
 * It mimics the shapes the kernel's tables take (designated and positional initialisers, macros that
 * expand to one or several entries, AArch32 tables without Op0) without any kernel header.
 */

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)

#define GENMASK(h, l)	(((~0ULL) << (l)) & (~0ULL >> (63 - (h))))
#define BIT(n)		(1ULL << (n))

struct kvm_vcpu { int has_widget; int has_pmu; };
struct sys_reg_params { u64 regval; bool is_write; };

/* Registers a vcpu keeps (the .reg indices). */
enum vcpu_sysreg {
	__INVALID_SYSREG__,
	WIDGET_EL1,
	GADGET_EL1,
	CNT0_EL0,
	CNT1_EL0,
	CNT2_EL0,
	NR_SYS_REGS
};

/* Old AArch32 indices, as 5.10-era tables wrote them: an enumerator, and arithmetic on one. */
enum { c1_WIDGET = 2 };
#define c2_GADGET_HI	(GADGET_EL1 * 2 + 1)

#define REG_HIDDEN	(1 << 0)
#define REG_RAZ		(1 << 1)
#define REG_USER_WI	(1 << 2)

struct sys_reg_desc {
	const char *name;
	enum { AA32_DIRECT, AA32_LO, AA32_HI } aarch32_map;
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

#define SYS_WIDGET_EL1		sys_reg(3, 0, 1, 0, 2)
#define SYS_GADGET_EL1		sys_reg(3, 0, 2, 0, 1)
#define SYS_ID_TOY0_EL1		sys_reg(3, 0, 0, 4, 0)
#define SYS_ID_TOY1_EL1		sys_reg(3, 0, 0, 4, 1)
#define SYS_ID_TOY2_EL1		sys_reg(3, 0, 0, 4, 2)
#define SYS_SPY_EL1		sys_reg(3, 0, 9, 9, 0)
#define SYS_SPY_CTL_EL1		sys_reg(3, 0, 9, 9, 1)
#define SYS_CNTn_EL0(n)		sys_reg(3, 3, 14, 8, (n))
#define SYS_DBGAn_EL1(n)	sys_reg(2, 0, 0, (n), 4)
#define SYS_DBGBn_EL1(n)	sys_reg(2, 0, 0, (n), 5)

#define AA32(_x)	.aarch32_map = AA32_##_x
#define Op0(_x)		.Op0 = _x
#define Op1(_x)		.Op1 = _x
#define CRn(_x)		.CRn = _x
#define CRm(_x)		.CRm = _x
#define Op2(_x)		.Op2 = _x

#define SYS_DESC(reg)					\
	.name = #reg,					\
	Op0(sys_reg_Op0(reg)), Op1(sys_reg_Op1(reg)),	\
	CRn(sys_reg_CRn(reg)), CRm(sys_reg_CRm(reg)),	\
	Op2(sys_reg_Op2(reg))

void kvm_inject_undefined(struct kvm_vcpu *vcpu);
void complain(const char *msg);

/* Injects UNDEF and nothing else: undefined-access. */
static bool undef_access(struct kvm_vcpu *vcpu, struct sys_reg_params *p,
			 const struct sys_reg_desc *r)
{
	kvm_inject_undefined(vcpu);

	return false;
}

/* Forwards to undef_access: undefined-access too. */
static bool forward_undef(struct kvm_vcpu *vcpu, struct sys_reg_params *p,
			  const struct sys_reg_desc *r)
{
	return undef_access(vcpu, p, r);
}

/* Says something first: not only UNDEF. */
static bool noisy_undef(struct kvm_vcpu *vcpu, struct sys_reg_params *p,
			const struct sys_reg_desc *r)
{
	complain("unexpected");
	kvm_inject_undefined(vcpu);
	return false;
}

/* Emulates the register. */
static bool access_widget(struct kvm_vcpu *vcpu, struct sys_reg_params *p,
			  const struct sys_reg_desc *r)
{
	if (p->is_write)
		return true;
	p->regval = r->val;
	return true;
}

static bool access_id_reg(struct kvm_vcpu *vcpu, struct sys_reg_params *p,
			  const struct sys_reg_desc *r)
{
	if (p->is_write) {
		kvm_inject_undefined(vcpu);
		return false;
	}
	p->regval = 0;
	return true;
}

static bool access_counter(struct kvm_vcpu *vcpu, struct sys_reg_params *p,
			   const struct sys_reg_desc *r)
{
	p->regval = 0;
	return true;
}

static bool trap_debug(struct kvm_vcpu *vcpu, struct sys_reg_params *p,
		       const struct sys_reg_desc *r)
{
	return true;
}

/* Defined in another file: nothing can be said of its body. */
bool access_elsewhere(struct kvm_vcpu *vcpu, struct sys_reg_params *p, const struct sys_reg_desc *r);

static u64 reset_unknown(struct kvm_vcpu *vcpu, const struct sys_reg_desc *r)
{
	return 0x1de7ec7edbadc0deULL;
}

static u64 reset_val(struct kvm_vcpu *vcpu, const struct sys_reg_desc *r)
{
	return r->val;
}

static int get_widget(struct kvm_vcpu *vcpu, const struct sys_reg_desc *rd, u64 *val)
{
	*val = 0;
	return 0;
}

static int set_widget(struct kvm_vcpu *vcpu, const struct sys_reg_desc *rd, u64 val)
{
	return 0;
}

static unsigned int raz_visibility(const struct kvm_vcpu *vcpu, const struct sys_reg_desc *r)
{
	return REG_RAZ;
}

static unsigned int hidden_visibility(const struct kvm_vcpu *vcpu, const struct sys_reg_desc *r)
{
	unsigned int unused;

	return REG_HIDDEN;
}

static unsigned int user_wi_visibility(const struct kvm_vcpu *vcpu, const struct sys_reg_desc *r)
{
	return REG_USER_WI;
}

static unsigned int widget_visibility(const struct kvm_vcpu *vcpu, const struct sys_reg_desc *r)
{
	if (vcpu->has_widget)
		return 0;
	return REG_HIDDEN;
}

static unsigned int pmu_visibility(const struct kvm_vcpu *vcpu, const struct sys_reg_desc *r)
{
	return vcpu->has_pmu ? 0 : REG_HIDDEN | REG_RAZ;
}

#define ID_DESC(name)				\
	SYS_DESC(SYS_##name),			\
	.access = access_id_reg,		\
	.get_user = get_widget,			\
	.set_user = set_widget

#define ID_WRITABLE(name, mask) {		\
	ID_DESC(name),				\
	.val = mask,				\
}

#define ID_HIDDEN(name) {			\
	ID_DESC(name),				\
	.visibility = raz_visibility,		\
}

#define ID_UNALLOCATED(crm, op2) {		\
	Op0(3), Op1(0), CRn(0), CRm(crm), Op2(op2),	\
	.access = access_id_reg,		\
	.visibility = raz_visibility,		\
}

/* Two entries from one invocation. */
#define DBG_AB_EL1(n)						\
	{ SYS_DESC(SYS_DBGAn_EL1(n)), trap_debug, reset_val, 0, 0x10 + (n) },	\
	{ SYS_DESC(SYS_DBGBn_EL1(n)), trap_debug, reset_val, 0, 0x20 + (n) }

#define COUNTER_EL0(n)						\
	{ SYS_DESC(SYS_CNTn_EL0(n)), access_counter, reset_unknown, (CNT0_EL0 + (n)), \
	  .visibility = pmu_visibility }

static const struct sys_reg_desc sys_reg_descs[] = {
	DBG_AB_EL1(0),
	DBG_AB_EL1(1),
	ID_WRITABLE(ID_TOY0_EL1, GENMASK(7, 4) | BIT(12)),
	ID_HIDDEN(ID_TOY1_EL1),
	ID_UNALLOCATED(4, 3),
	{ SYS_DESC(SYS_WIDGET_EL1), access_widget, reset_unknown, WIDGET_EL1,
	  .get_user = get_widget, .set_user = set_widget,
	  .visibility = widget_visibility },
	{ SYS_DESC(SYS_GADGET_EL1), .access = access_elsewhere, .reset = reset_val,
	  .reg = GADGET_EL1, .val = 0x42, .visibility = user_wi_visibility },
	{ SYS_DESC(SYS_SPY_EL1), undef_access },
	{ SYS_DESC(SYS_SPY_CTL_EL1), forward_undef, .visibility = hidden_visibility },
	{ SYS_DESC(SYS_ID_TOY2_EL1), noisy_undef, NULL, 0, 0, NULL, NULL, NULL },
	COUNTER_EL0(0),
	COUNTER_EL0(1),
	COUNTER_EL0(2),
};

static const struct sys_reg_desc cp15_regs[] = {
	{ Op1( 0), CRn( 1), CRm( 0), Op2( 2), access_widget, NULL, c1_WIDGET },
	{ AA32(LO), Op1( 0), CRn( 2), CRm( 0), Op2( 1), access_widget, NULL, GADGET_EL1 },
	{ Op1( 0), CRn( 2), CRm( 0), Op2( 3), access_widget, NULL, c2_GADGET_HI },
	{ Op1( 0), CRn( 9), CRm( 9), Op2( 0), undef_access },
};

static const struct sys_reg_desc cp15_64_regs[] = {
	{ Op1( 0), CRm( 2), .access = access_widget, .reg = WIDGET_EL1 },
	{ Op1( 1), CRm(14), .access = access_counter },
};

/* Not a table: an array of another type is ignored. */
static const int unrelated[] = { 1, 2, 3 };
