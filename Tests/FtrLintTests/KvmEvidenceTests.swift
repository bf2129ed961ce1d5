import Foundation
@testable import KernelModel
import KernelTree
import XCTest

/// KvmEvidence: where KVM's code uses a name, whether only in a feature map, and which field gates it.
final class KvmEvidenceTests: XCTestCase {
    func testUsesFeatureMapsAndWhatDoesNotCount() throws {
        let root = try KernelTreeFixtures.scratchTree(self, files: [
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
        let names: Set = ["PSR_DIT_BIT", "PSR_PAN_BIT", "PSR_SSBS_BIT", "PSR_BTYPE_MASK",
                          "ICH_HFGRTR_EL2_ICC_ICSR_EL1", "ICH_HFGRTR_EL2_ICC_CR0_EL1"]
        let e = try KvmEvidence(tree: tree, names: names)
        XCTAssertEqual(e.uses["PSR_DIT_BIT"], SourceRef(path: "arch/arm64/kvm/hyp/exception.c", line: 5, column: 10))
        XCTAssertNil(e.uses["PSR_PAN_BIT"], "a comment is not a use")
        XCTAssertNil(e.uses["PSR_SSBS_BIT"], "the name a #define defines is not a use")
        XCTAssertNil(e.uses["PSR_BTYPE_MASK"], "a string is not a use")
        // Only in a feature map gated on GCIE: used, but not outside the map.
        XCTAssertNotNil(e.uses["ICH_HFGRTR_EL2_ICC_ICSR_EL1"])
        XCTAssertNil(e.ungated["ICH_HFGRTR_EL2_ICC_ICSR_EL1"])
        XCTAssertEqual(e.gates["ICH_HFGRTR_EL2_ICC_ICSR_EL1"], ["ID_AA64PFR2_EL1.GCIE"])
        // Also set in code: trapped whatever the feature.
        XCTAssertEqual(e.ungated["ICH_HFGRTR_EL2_ICC_CR0_EL1"]?.path, "arch/arm64/kvm/hyp/exception.c")
    }

    /// A trap control's spellings: the sysreg file's, and the older one of EL2 control registers.
    func testTrapControlMacros() {
        XCTAssertEqual(Policy.macros("HCR_EL2.TID5"), ["HCR_EL2_TID5", "HCR_TID5"])
        XCTAssertEqual(Policy.macros("CNTHCTL_EL2.EL1TVCT"), ["CNTHCTL_EL2_EL1TVCT", "CNTHCTL_EL1TVCT"])
        XCTAssertEqual(Policy.macros("ICH_HFGRTR_EL2.ICC_ICSR_EL1"), ["ICH_HFGRTR_EL2_ICC_ICSR_EL1", "ICH_HFGRTR_ICC_ICSR_EL1"])
    }
}
