#ifndef __ASM_SYSREG_DEFS_H
#define __ASM_SYSREG_DEFS_H

/* Generated file - do not edit */

#define REG_TEST_OLD_EL1                        S3_0_C0_C4_2
#define SYS_TEST_OLD_EL1                        sys_reg(3, 0, 0, 4, 2)
#define SYS_TEST_OLD_EL1_Op0                    3
#define SYS_TEST_OLD_EL1_Op1                    0
#define SYS_TEST_OLD_EL1_CRn                    0
#define SYS_TEST_OLD_EL1_CRm                    4
#define SYS_TEST_OLD_EL1_Op2                    2

#define TEST_OLD_EL1_Feature                    GENMASK(11, 8)
#define TEST_OLD_EL1_Feature_MASK               GENMASK(11, 8)
#define TEST_OLD_EL1_Feature_SHIFT              8
#define TEST_OLD_EL1_Feature_WIDTH              4
#define TEST_OLD_EL1_Feature_NI                 UL(0b0000)
#define TEST_OLD_EL1_Feature_IMP                UL(0b0001)

#define TEST_OLD_EL1_Count                      GENMASK(7, 1)
#define TEST_OLD_EL1_Count_MASK                 GENMASK(7, 1)
#define TEST_OLD_EL1_Count_SHIFT                1
#define TEST_OLD_EL1_Count_WIDTH                7

#define TEST_OLD_EL1_RES0                       (UL(0) | GENMASK_ULL(63, 12))
#define TEST_OLD_EL1_RES1                       (UL(0) | GENMASK_ULL(0, 0))

#define TESTOLD_ELx_Bit                         GENMASK(0, 0)
#define TESTOLD_ELx_Bit_MASK                    GENMASK(0, 0)
#define TESTOLD_ELx_Bit_SHIFT                   0
#define TESTOLD_ELx_Bit_WIDTH                   1

#define TESTOLD_ELx_RES0                        (UL(0) | GENMASK_ULL(63, 1))
#define TESTOLD_ELx_RES1                        (UL(0))

#define REG_TESTOLD_EL2                         S3_4_C0_C4_2
#define SYS_TESTOLD_EL2                         sys_reg(3, 4, 0, 4, 2)
#define SYS_TESTOLD_EL2_Op0                     3
#define SYS_TESTOLD_EL2_Op1                     4
#define SYS_TESTOLD_EL2_CRn                     0
#define SYS_TESTOLD_EL2_CRm                     4
#define SYS_TESTOLD_EL2_Op2                     2

/* For TESTOLD_EL2 fields see TESTOLD_ELx */

#endif /* __ASM_SYSREG_DEFS_H */
