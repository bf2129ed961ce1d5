/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef __ASM_GENERIC_BARRIER_H
#define __ASM_GENERIC_BARRIER_H
#define GENERIC_BARRIER_INCLUDED 1
#endif
