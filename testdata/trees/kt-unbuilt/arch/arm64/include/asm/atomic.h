/* SPDX-License-Identifier: GPL-2.0-only */
/* The architecture provides this mandatory header itself: no wrapper may shadow it. */
#ifndef __ASM_ATOMIC_H
#define __ASM_ATOMIC_H
#define ARCH_ATOMIC_FROM_ARM64 1
#endif
