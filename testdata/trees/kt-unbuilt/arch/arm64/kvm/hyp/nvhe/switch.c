// SPDX-License-Identifier: GPL-2.0-only
#include <hyp/switch.h>

#if !defined(__KVM_NVHE_HYPERVISOR__) || !defined(DISABLE_BRANCH_PROFILING) || !defined(HYP_SWITCH_INCLUDED)
#error "nVHE code gets its folder's and its parents' flags"
#endif
