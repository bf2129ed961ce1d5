/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __ASM_MCS_SPINLOCK_H
#define __ASM_MCS_SPINLOCK_H
#define GENERIC_MCS_SPINLOCK_INCLUDED 1
#endif
