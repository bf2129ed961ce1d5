// SPDX-License-Identifier: GPL-2.0-only
#include <asm/cpufeature.h>

static unsigned long read_id_reg(void)
{
	return ID_AA64FIX0_EL1_FEATA_IMP;
}
