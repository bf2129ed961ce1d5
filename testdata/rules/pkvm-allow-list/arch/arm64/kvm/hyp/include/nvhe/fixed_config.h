/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ftrlint fixture: pKVM's fixed configuration for protected VMs, in the style of 6.1's
 * arch/arm64/kvm/hyp/include/nvhe/fixed_config.h.
 */
#ifndef __ARM64_KVM_FIXED_CONFIG_H__
#define __ARM64_KVM_FIXED_CONFIG_H__

/*
 * Allow for protected VMs:
 * - Spectre/Meltdown Mitigation
 */
#define PVM_ID_AA64PFR0_ALLOW (\
	ARM64_FEATURE_MASK(ID_AA64PFR0_EL1_CSV2) | \
	ARM64_FEATURE_MASK(ID_AA64PFR0_EL1_CSV3) \
	)

/*
 * Restrict to the following *unsigned* features for protected VMs:
 * - AArch64 guests only (no support for AArch32 guests)
 */
#define PVM_ID_AA64PFR0_RESTRICT_UNSIGNED (\
	FIELD_PREP(ARM64_FEATURE_MASK(ID_AA64PFR0_EL1_EL1), ID_AA64PFR0_EL1_ELx_64BIT_ONLY) \
	)

/*
 * Allow for protected VMs:
 * - Statistical Profiling
 * - Debug architecture version
 */
#define PVM_ID_AA64DFR0_ALLOW (\
	ARM64_FEATURE_MASK(ID_AA64DFR0_EL1_PMSVer) | \
	ARM64_FEATURE_MASK(ID_AA64DFR0_EL1_DebugVer) \
	)

/*
 * Allow for protected VMs:
 * - Mixed-endian
 */
#define PVM_ID_AA64MMFR0_ALLOW (\
	ARM64_FEATURE_MASK(ID_AA64MMFR0_EL1_BIGEND) \
	)

/*
 * Restrict to the following *unsigned* features for protected VMs:
 * - 40-bit IPA
 */
#define PVM_ID_AA64MMFR0_RESTRICT_UNSIGNED (\
	FIELD_PREP(ARM64_FEATURE_MASK(ID_AA64MMFR0_EL1_PARANGE), ID_AA64MMFR0_EL1_PARANGE_40) \
	)

/*
 * Allow for protected VMs:
 * - Hardware translation table updates to Access flag and Dirty state
 * - Privileged Access Never
 */
#define PVM_ID_AA64MMFR1_ALLOW (\
	ARM64_FEATURE_MASK(ID_AA64MMFR1_EL1_HAFDBS) | \
	ARM64_FEATURE_MASK(ID_AA64MMFR1_EL1_PAN) \
	)

#endif /* __ARM64_KVM_FIXED_CONFIG_H__ */
