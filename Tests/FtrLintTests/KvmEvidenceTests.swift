import Foundation
import KernelTree
import XCTest

@testable import KernelModel

/// KvmEvidence: where KVM's code uses a name, whether only in a feature map, and which field gates it.
final class KvmEvidenceTests: XCTestCase {
    func testUsesFeatureMapsAndWhatDoesNotCount() throws {
        let root = try KernelTreeFixtures.scratchTree(
            self,
            files: [
                "arch/arm64/kvm/config.c": """
                #define FEAT_GCIE\t\tID_AA64PFR2_EL1, GCIE, IMP
                #define NEEDS_FEAT(m, ...)\tNEEDS_FEAT_FLAG(m, 0, __VA_ARGS__)
                static const struct reg_bits_to_feat_map ich_hfgrtr_feat_map[] = {
                \tNEEDS_FEAT(ICH_HFGRTR_EL2_ICC_ICSR_EL1 |
                \t\t   ICH_HFGRTR_EL2_ICC_CR0_EL1,
                \t\t   FEAT_GCIE),
                };

                """,
                "arch/arm64/kvm/hyp/exception.c": """
                /* PSR_PAN_BIT in a comment is no use */
                #define PSR_SSBS_BIT (1UL << 12)
                static const char *s = "PSR_BTYPE_MASK";
                static void enter(unsigned long *new) {
                \t*new |= PSR_DIT_BIT;
                \t*new |= ICH_HFGRTR_EL2_ICC_CR0_EL1;
                }

                """,
            ])
        let tree = try KernelTree(path: root)
        let names: Set = [
            "PSR_DIT_BIT", "PSR_PAN_BIT", "PSR_SSBS_BIT", "PSR_BTYPE_MASK",
            "ICH_HFGRTR_EL2_ICC_ICSR_EL1", "ICH_HFGRTR_EL2_ICC_CR0_EL1",
        ]
        let e = try KvmEvidence(tree: tree, names: names)
        XCTAssertEqual(e.uses["PSR_DIT_BIT"], SourceRef(path: "arch/arm64/kvm/hyp/exception.c", line: 5, column: 10))
        XCTAssertNil(e.uses["PSR_PAN_BIT"], "a comment is not a use")
        XCTAssertNil(e.uses["PSR_SSBS_BIT"], "the name a #define defines is not a use")
        XCTAssertNil(e.uses["PSR_BTYPE_MASK"], "a string is not a use")
        // Only in a feature map gated on GCIE: used, but not outside the map.
        XCTAssertNotNil(e.uses["ICH_HFGRTR_EL2_ICC_ICSR_EL1"])
        XCTAssertNil(e.ungated["ICH_HFGRTR_EL2_ICC_ICSR_EL1"])
        XCTAssertEqual(e.gates["ICH_HFGRTR_EL2_ICC_ICSR_EL1"], [[.field("ID_AA64PFR2_EL1.GCIE")]])
        // Also set in code: trapped whatever the feature.
        XCTAssertEqual(e.ungated["ICH_HFGRTR_EL2_ICC_CR0_EL1"]?.path, "arch/arm64/kvm/hyp/exception.c")
    }

    /// How the code uses a trap control: programmed for every guest, only where a feature test fails,
    /// tested, cleared, or listed in a table.
    func testHowCodeUsesAControl() throws {
        let root = try KernelTreeFixtures.scratchTree(
            self,
            files: [
                "arch/arm64/include/asm/kvm_host.h": """
                #define kvm_has_mte(kvm)				\\
                	(system_supports_mte() &&			\\
                	 test_bit(KVM_ARCH_FLAG_MTE_ENABLED, &(kvm)->arch.flags))

                """,
                "arch/arm64/kvm/sys_regs.c": """
                static void reset_hcr(struct kvm_vcpu *vcpu)
                {
                	if (kvm_has_mte(vcpu->kvm))
                		vcpu->arch.hcr_el2 |= HCR_ATA;
                	else
                		vcpu->arch.hcr_el2 |= HCR_TID5;

                	if (!kvm_has_feat(vcpu->kvm, ID_AA64PFR1_EL1, MTE, MTE2)) {
                		res0 |= HCR_DCT;
                	}

                	if (vcpu_has_nv(vcpu)) {
                		if (x)
                			y = 1;
                	} else if (system_supports_sme()) {
                		z = 0;
                	} else {
                		vcpu->arch.hcr_el2 |= HCR_TID4;
                	}

                	if (!(read_sysreg(HCR_EL2) & HCR_TID3))
                		return;
                	vcpu->arch.hcr_el2 &= ~(HCR_TID2 | HCR_TID1);
                	vcpu->arch.hcr_el2 = HCR_TSC;
                	if (kvm_has_mte(vcpu->kvm))
                		return;
                	vcpu->arch.hcr_el2 |= HCR_TSW;
                }

                static const struct trap_bits bits[] = {
                	[CGT_HCR_TID5] = {
                		.index		= HCR_EL2,
                		.value		= HCR_TACR,
                		.mask		= HCR_TACR,
                	},
                };

                """,
            ])
        let tree = try KernelTree(path: root)
        let names: Set = [
            "HCR_ATA", "HCR_TID5", "HCR_DCT", "HCR_TID4", "HCR_TID3", "HCR_TID2", "HCR_TID1",
            "HCR_TSC", "HCR_TSW", "HCR_TACR",
        ]
        let e = try KvmEvidence(tree: tree, names: names)
        XCTAssertNotNil(e.ungated["HCR_ATA"], "set where the test holds: for guests with the feature")
        XCTAssertNil(e.ungated["HCR_TID5"])
        XCTAssertEqual(e.gates["HCR_TID5"], [[.condition("kvm_has_mte(kvm)")]], "the else of a test")
        XCTAssertEqual(
            e.gates["HCR_DCT"],
            [
                [
                    .condition("kvm_has_feat(kvm,ID_AA64PFR1_EL1,MTE,MTE2)"),
                    .field("ID_AA64PFR1_EL1.MTE"),
                ]
            ], "a test of the field's absence")
        XCTAssertEqual(
            e.gates["HCR_TID4"], [[.condition("vcpu_has_nv(vcpu)"), .condition("system_supports_sme()")]],
            "the last else of an else-if chain runs where every test before it fails")
        XCTAssertNotNil(e.uses["HCR_TID3"])
        XCTAssertNil(e.ungated["HCR_TID3"], "a test is not a use that sets the bit")
        XCTAssertEqual(e.cleared["HCR_TID2"]?.line, 23)
        XCTAssertEqual(e.cleared["HCR_TID1"]?.line, 23)
        XCTAssertNil(e.ungated["HCR_TID2"], "cleared, not set")
        XCTAssertEqual(e.ungated["HCR_TSC"]?.line, 24, "a member's assignment is not a designated initializer")
        XCTAssertEqual(e.ungated["HCR_TSW"]?.line, 27, "an early return under a test is not followed: set for every guest")
        XCTAssertNotNil(e.uses["HCR_TACR"])
        XCTAssertNil(e.ungated["HCR_TACR"], "a designated initializer's value is a table's data")
        XCTAssertNil(e.gates["HCR_TACR"])
        XCTAssertEqual(e.macros["kvm_has_mte"]?.parameters, ["kvm"])
        XCTAssertEqual(
            e.macros["kvm_has_mte"].map { KvmEvidence.Gate.conjuncts($0.body).map(KvmEvidence.Gate.key) },
            ["system_supports_mte()", "test_bit(KVM_ARCH_FLAG_MTE_ENABLED,&flags)"])
    }

    /// An enable that traps while clear is written REGISTER.FIELD=0; its macros are the field's.
    func testEnableControl() {
        XCTAssertEqual(Policy.trapControl("CNTHCTL_EL2.EL1PCTEN=0").name, "CNTHCTL_EL2.EL1PCTEN")
        XCTAssertTrue(Policy.trapControl("CNTHCTL_EL2.EL1PCTEN=0").trapsWhenClear)
        XCTAssertFalse(Policy.trapControl("HCR_EL2.TID5").trapsWhenClear)
        XCTAssertEqual(Policy.macros("CNTHCTL_EL2.EL1PCTEN=0"), ["CNTHCTL_EL2_EL1PCTEN", "CNTHCTL_EL1PCTEN"])
    }

    /// A trap control's spellings: the sysreg file's, and the older one of EL2 control registers.
    func testTrapControlMacros() {
        XCTAssertEqual(Policy.macros("HCR_EL2.TID5"), ["HCR_EL2_TID5", "HCR_TID5"])
        XCTAssertEqual(Policy.macros("CNTHCTL_EL2.EL1TVCT"), ["CNTHCTL_EL2_EL1TVCT", "CNTHCTL_EL1TVCT"])
        XCTAssertEqual(Policy.macros("ICH_HFGRTR_EL2.ICC_ICSR_EL1"), ["ICH_HFGRTR_EL2_ICC_ICSR_EL1", "ICH_HFGRTR_ICC_ICSR_EL1"])
    }
}
