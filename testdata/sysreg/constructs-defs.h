#ifndef __ASM_SYSREG_DEFS_H
#define __ASM_SYSREG_DEFS_H

/* Generated file - do not edit */

#define TESTCTL_ELx_Enable                              GENMASK(7, 7)
#define TESTCTL_ELx_Enable_MASK                         GENMASK(7, 7)
#define TESTCTL_ELx_Enable_SHIFT                        7
#define TESTCTL_ELx_Enable_WIDTH                        1

#define TESTCTL_ELx_Mode                                GENMASK(1, 0)
#define TESTCTL_ELx_Mode_MASK                           GENMASK(1, 0)
#define TESTCTL_ELx_Mode_SHIFT                          0
#define TESTCTL_ELx_Mode_WIDTH                          2
#define TESTCTL_ELx_Mode_OFF                            UL(0b00)
#define TESTCTL_ELx_Mode_ON                             UL(0b10)

#define TESTCTL_ELx_RES0                                (UL(0) | GENMASK_ULL(63, 8))
#define TESTCTL_ELx_RES1                                (UL(0) | GENMASK_ULL(6, 4))
#define TESTCTL_ELx_UNKN                                (UL(0) | GENMASK_ULL(3, 2))

#define REG_TEST_ID_EL1                                 S3_0_C0_C15_7
#define SYS_TEST_ID_EL1                                 sys_reg(3, 0, 0, 15, 7)
#define SYS_TEST_ID_EL1_Op0                             3
#define SYS_TEST_ID_EL1_Op1                             0
#define SYS_TEST_ID_EL1_CRn                             0
#define SYS_TEST_ID_EL1_CRm                             15
#define SYS_TEST_ID_EL1_Op2                             7

#define TEST_ID_EL1_Alpha                               GENMASK(63, 60)
#define TEST_ID_EL1_Alpha_MASK                          GENMASK(63, 60)
#define TEST_ID_EL1_Alpha_SHIFT                         60
#define TEST_ID_EL1_Alpha_WIDTH                         4
#define TEST_ID_EL1_Alpha_SIGNED                        false
#define TEST_ID_EL1_Alpha_NI                            UL(0b0000)
#define TEST_ID_EL1_Alpha_IMP                           UL(0b0001)
#define TEST_ID_EL1_Alpha_V2                            UL(0b0011)

#define TEST_ID_EL1_Beta                                GENMASK(59, 56)
#define TEST_ID_EL1_Beta_MASK                           GENMASK(59, 56)
#define TEST_ID_EL1_Beta_SHIFT                          56
#define TEST_ID_EL1_Beta_WIDTH                          4
#define TEST_ID_EL1_Beta_SIGNED                         true
#define TEST_ID_EL1_Beta_IMP                            UL(0b0000)
#define TEST_ID_EL1_Beta_NI                             UL(0b1111)

#define TEST_ID_EL1_Gamma                               GENMASK(55, 52)
#define TEST_ID_EL1_Gamma_MASK                          GENMASK(55, 52)
#define TEST_ID_EL1_Gamma_SHIFT                         52
#define TEST_ID_EL1_Gamma_WIDTH                         4
#define TEST_ID_EL1_Gamma_NONE                          UL(0b0000)
#define TEST_ID_EL1_Gamma_SOME                          UL(0b0010)

#define TEST_ID_EL1_Delta                               GENMASK(39, 32)
#define TEST_ID_EL1_Delta_MASK                          GENMASK(39, 32)
#define TEST_ID_EL1_Delta_SHIFT                         32
#define TEST_ID_EL1_Delta_WIDTH                         8

#define TEST_ID_EL1_Epsilon                             GENMASK(23, 23)
#define TEST_ID_EL1_Epsilon_MASK                        GENMASK(23, 23)
#define TEST_ID_EL1_Epsilon_SHIFT                       23
#define TEST_ID_EL1_Epsilon_WIDTH                       1

#define TEST_ID_EL1_RES0                                (UL(0) | GENMASK_ULL(51, 40) | GENMASK_ULL(22, 0))
#define TEST_ID_EL1_RES1                                (UL(0) | GENMASK_ULL(31, 31))
#define TEST_ID_EL1_UNKN                                (UL(0) | GENMASK_ULL(30, 28))

#define REG_TESTCTL_EL1                                 S3_0_C1_C2_3
#define SYS_TESTCTL_EL1                                 sys_reg(3, 0, 1, 2, 3)
#define SYS_TESTCTL_EL1_Op0                             3
#define SYS_TESTCTL_EL1_Op1                             0
#define SYS_TESTCTL_EL1_CRn                             1
#define SYS_TESTCTL_EL1_CRm                             2
#define SYS_TESTCTL_EL1_Op2                             3

/* For TESTCTL_EL1 fields see TESTCTL_ELx */

#define REG_TESTCTL_EL12                                S3_5_C1_C2_3
#define SYS_TESTCTL_EL12                                sys_reg(3, 5, 1, 2, 3)
#define SYS_TESTCTL_EL12_Op0                            3
#define SYS_TESTCTL_EL12_Op1                            5
#define SYS_TESTCTL_EL12_CRn                            1
#define SYS_TESTCTL_EL12_CRm                            2
#define SYS_TESTCTL_EL12_Op2                            3

/* For TESTCTL_EL12 fields see TESTCTL_EL1 */

#define REG_TEST_VMCR_EL2                               S3_4_C12_C11_7
#define SYS_TEST_VMCR_EL2                               sys_reg(3, 4, 12, 11, 7)
#define SYS_TEST_VMCR_EL2_Op0                           3
#define SYS_TEST_VMCR_EL2_Op1                           4
#define SYS_TEST_VMCR_EL2_CRn                           12
#define SYS_TEST_VMCR_EL2_CRm                           11
#define SYS_TEST_VMCR_EL2_Op2                           7

#define FEAT_NEW_TEST_VMCR_EL2_Priority                 GENMASK(15, 8)
#define FEAT_NEW_TEST_VMCR_EL2_Priority_MASK            GENMASK(15, 8)
#define FEAT_NEW_TEST_VMCR_EL2_Priority_SHIFT           8
#define FEAT_NEW_TEST_VMCR_EL2_Priority_WIDTH           8

#define FEAT_NEW_TEST_VMCR_EL2_Level                    GENMASK(7, 0)
#define FEAT_NEW_TEST_VMCR_EL2_Level_MASK               GENMASK(7, 0)
#define FEAT_NEW_TEST_VMCR_EL2_Level_SHIFT              0
#define FEAT_NEW_TEST_VMCR_EL2_Level_WIDTH              8
#define FEAT_NEW_TEST_VMCR_EL2_Level_SIGNED             false
#define FEAT_NEW_TEST_VMCR_EL2_Level_ONE                UL(0b00000001)

#define FEAT_NEW_TEST_VMCR_EL2_RES0                     (UL(0) | GENMASK_ULL(63, 16))
#define FEAT_NEW_TEST_VMCR_EL2_RES1                     (UL(0))
#define FEAT_NEW_TEST_VMCR_EL2_UNKN                     (UL(0))

#define TEST_VMCR_EL2_Priority                          GENMASK(7, 0)
#define TEST_VMCR_EL2_Priority_MASK                     GENMASK(7, 0)
#define TEST_VMCR_EL2_Priority_SHIFT                    0
#define TEST_VMCR_EL2_Priority_WIDTH                    8

#define TEST_VMCR_EL2_RES0                              (UL(0) | GENMASK_ULL(63, 8))
#define TEST_VMCR_EL2_RES1                              (UL(0))
#define TEST_VMCR_EL2_UNKN                              (UL(0))

#endif /* __ASM_SYSREG_DEFS_H */
