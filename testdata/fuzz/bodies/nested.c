// SPDX-License-Identifier: GPL-2.0-only
/*
 * ftrlint fixture: nested virtualisation's limits, in a file of their own.
 */
#include <stdbool.h>

typedef unsigned int u32;
typedef unsigned long long u64;
struct kvm;

#define NV_HIDDEN_FIELD	(0xfULL << 8)
#define nv_hide(val)	nv_clear(val, NV_HIDDEN_FIELD)

static u64 nv_clear(u64 val, u64 mask)
{
	if (!mask)
		return val;
	return val & ~mask;
}

u64 limit_nv_elsewhere(struct kvm *kvm, u32 id, u64 val)
{
	if (id == ((3 << 19) | (0 << 16) | (0 << 12) | (4 << 8) | (1 << 5)))
		val = nv_hide(val);
	return val;
}

static int unused_nv_helper(int a)
{
	if (a)
		return a + 1;
	return 0;
}

