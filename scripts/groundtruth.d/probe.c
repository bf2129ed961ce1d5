/*
 * /init of the initramfs scripts/groundtruth boots: asks the running kernel's KVM what a guest sees of
 * every ID register op0=3, op1=0, CRn=0, CRm=0..7, op2=0..7.
 *
 * For each vCPU feature set (default; PMUv3; SVE; pointer authentication; all three; nested
 * virtualisation) that the kernel offers, it creates a VM with one vCPU, initialises it with
 * KVM_ARM_VCPU_INIT, finalises SVE where asked, and reads every register with KVM_GET_ONE_REG.
 * Output, one line each, on the console:
 *   GTKERNEL <uname -r>
 *   GTCAP <name> <KVM_CHECK_EXTENSION result>
 *   GTSET <set> ok | GTSET <set> skipped <why> | GTSET <set> failed <step> <errno text>
 *   GTREG <set> 3,0,0,CRm,op2 0x<value> | GTREG <set> 3,0,0,CRm,op2 error <errno text>
 *   GTEND
 * then powers the machine off. Built static with Debian's gcc-aarch64-linux-gnu; needs nothing else.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/kvm.h>

/* Newer than some uapi headers. */
#ifndef KVM_CAP_ARM_EL2
#define KVM_CAP_ARM_EL2 240
#endif
#ifndef KVM_ARM_VCPU_HAS_EL2
#define KVM_ARM_VCPU_HAS_EL2 7
#endif

#define SYSREG_ID(op0, op1, crn, crm, op2) \
    (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG | \
     ((uint64_t)(op0) << 14) | ((uint64_t)(op1) << 11) | ((uint64_t)(crn) << 7) | ((uint64_t)(crm) << 3) | (op2))

struct featureset {
    const char *name;
    unsigned features; /* bits of kvm_vcpu_init.features[0] */
    int caps[3];       /* KVM_CHECK_EXTENSION that must be non-zero; 0 ends */
};

static const struct featureset sets[] = {
    { "default", 0, { 0 } },
    { "pmu", 1u << KVM_ARM_VCPU_PMU_V3, { KVM_CAP_ARM_PMU_V3, 0 } },
    { "sve", 1u << KVM_ARM_VCPU_SVE, { KVM_CAP_ARM_SVE, 0 } },
    { "ptrauth", (1u << KVM_ARM_VCPU_PTRAUTH_ADDRESS) | (1u << KVM_ARM_VCPU_PTRAUTH_GENERIC),
      { KVM_CAP_ARM_PTRAUTH_ADDRESS, KVM_CAP_ARM_PTRAUTH_GENERIC, 0 } },
    { "pmu+sve+ptrauth", (1u << KVM_ARM_VCPU_PMU_V3) | (1u << KVM_ARM_VCPU_SVE) |
      (1u << KVM_ARM_VCPU_PTRAUTH_ADDRESS) | (1u << KVM_ARM_VCPU_PTRAUTH_GENERIC),
      { KVM_CAP_ARM_PMU_V3, 0 } },
    { "nested", 1u << KVM_ARM_VCPU_HAS_EL2, { 0 } }, /* tried even without KVM_CAP_ARM_EL2: older trees lack the cap */
};

static int kvm;

static void probe(const struct featureset *s) {
    for (const int *c = s->caps; *c; c++) {
        if (ioctl(kvm, KVM_CHECK_EXTENSION, *c) <= 0) { printf("GTSET %s skipped cap %d absent\n", s->name, *c); return; }
    }
    /* "pmu+sve+ptrauth" takes what the host offers of SVE and pointer authentication. */
    unsigned features = s->features;
    if (!strcmp(s->name, "pmu+sve+ptrauth")) {
        if (ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_SVE) <= 0 ||
            ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PTRAUTH_ADDRESS) <= 0 ||
            ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PTRAUTH_GENERIC) <= 0) {
            printf("GTSET %s skipped needs both SVE and PTRAUTH\n", s->name); return;
        }
    }
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) { printf("GTSET %s failed KVM_CREATE_VM %s\n", s->name, strerror(errno)); return; }
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0) { printf("GTSET %s failed KVM_CREATE_VCPU %s\n", s->name, strerror(errno)); close(vm); return; }
    struct kvm_vcpu_init init;
    memset(&init, 0, sizeof init);
    if (ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init) < 0) {
        printf("GTSET %s failed KVM_ARM_PREFERRED_TARGET %s\n", s->name, strerror(errno)); goto out;
    }
    memset(init.features, 0, sizeof init.features);
    init.features[0] = features;
    if (ioctl(vcpu, KVM_ARM_VCPU_INIT, &init) < 0) {
        printf("GTSET %s failed KVM_ARM_VCPU_INIT %s\n", s->name, strerror(errno)); goto out;
    }
    if (features & (1u << KVM_ARM_VCPU_SVE)) {
        int what = KVM_ARM_VCPU_SVE;
        if (ioctl(vcpu, KVM_ARM_VCPU_FINALIZE, &what) < 0) {
            printf("GTSET %s failed KVM_ARM_VCPU_FINALIZE %s\n", s->name, strerror(errno)); goto out;
        }
    }
    printf("GTSET %s ok features=0x%x\n", s->name, features);
    for (int crm = 0; crm < 8; crm++) {
        for (int op2 = 0; op2 < 8; op2++) {
            uint64_t value = 0;
            struct kvm_one_reg reg = { .id = SYSREG_ID(3, 0, 0, crm, op2), .addr = (uint64_t)(uintptr_t)&value };
            if (ioctl(vcpu, KVM_GET_ONE_REG, &reg) < 0)
                printf("GTREG %s 3,0,0,%d,%d error %s\n", s->name, crm, op2, strerror(errno));
            else
                printf("GTREG %s 3,0,0,%d,%d 0x%016llx\n", s->name, crm, op2, (unsigned long long)value);
        }
    }
out:
    close(vcpu);
    close(vm);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    struct utsname u;
    if (uname(&u) == 0) printf("GTKERNEL %s\n", u.release);
    kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) {
        printf("GTERROR /dev/kvm: %s\n", strerror(errno));
    } else {
        static const struct { const char *name; int cap; } caps[] = {
            { "ARM_PMU_V3", KVM_CAP_ARM_PMU_V3 }, { "ARM_SVE", KVM_CAP_ARM_SVE },
            { "ARM_PTRAUTH_ADDRESS", KVM_CAP_ARM_PTRAUTH_ADDRESS },
            { "ARM_PTRAUTH_GENERIC", KVM_CAP_ARM_PTRAUTH_GENERIC }, { "ARM_EL2", KVM_CAP_ARM_EL2 },
        };
        for (unsigned i = 0; i < sizeof caps / sizeof caps[0]; i++)
            printf("GTCAP %s %d\n", caps[i].name, ioctl(kvm, KVM_CHECK_EXTENSION, caps[i].cap));
        for (unsigned i = 0; i < sizeof sets / sizeof sets[0]; i++) probe(&sets[i]);
    }
    printf("GTEND\n");
    fflush(stdout);
    sync();
    reboot(RB_POWER_OFF);
    for (;;) pause();
}
