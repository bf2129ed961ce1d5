#!/usr/bin/env python3
"""Turns the logs of one scripts/groundtruth run (host-register reader and guest probe) into the JSON
recording testdata/groundtruth/VERSION/CPU-MODEL.json, one register a line."""
import argparse, json, re

NAMES = {
    (0, 0): "MIDR_EL1", (0, 5): "MPIDR_EL1", (0, 6): "REVIDR_EL1",
    (1, 0): "ID_PFR0_EL1", (1, 1): "ID_PFR1_EL1", (1, 2): "ID_DFR0_EL1", (1, 3): "ID_AFR0_EL1",
    (1, 4): "ID_MMFR0_EL1", (1, 5): "ID_MMFR1_EL1", (1, 6): "ID_MMFR2_EL1", (1, 7): "ID_MMFR3_EL1",
    (2, 0): "ID_ISAR0_EL1", (2, 1): "ID_ISAR1_EL1", (2, 2): "ID_ISAR2_EL1", (2, 3): "ID_ISAR3_EL1",
    (2, 4): "ID_ISAR4_EL1", (2, 5): "ID_ISAR5_EL1", (2, 6): "ID_MMFR4_EL1", (2, 7): "ID_ISAR6_EL1",
    (3, 0): "MVFR0_EL1", (3, 1): "MVFR1_EL1", (3, 2): "MVFR2_EL1", (3, 4): "ID_PFR2_EL1",
    (3, 5): "ID_DFR1_EL1", (3, 6): "ID_MMFR5_EL1",
    (4, 0): "ID_AA64PFR0_EL1", (4, 1): "ID_AA64PFR1_EL1", (4, 2): "ID_AA64PFR2_EL1",
    (4, 4): "ID_AA64ZFR0_EL1", (4, 5): "ID_AA64SMFR0_EL1", (4, 7): "ID_AA64FPFR0_EL1",
    (5, 0): "ID_AA64DFR0_EL1", (5, 1): "ID_AA64DFR1_EL1", (5, 2): "ID_AA64DFR2_EL1",
    (5, 4): "ID_AA64AFR0_EL1", (5, 5): "ID_AA64AFR1_EL1",
    (6, 0): "ID_AA64ISAR0_EL1", (6, 1): "ID_AA64ISAR1_EL1", (6, 2): "ID_AA64ISAR2_EL1", (6, 3): "ID_AA64ISAR3_EL1",
    (7, 0): "ID_AA64MMFR0_EL1", (7, 1): "ID_AA64MMFR1_EL1", (7, 2): "ID_AA64MMFR2_EL1",
    (7, 3): "ID_AA64MMFR3_EL1", (7, 4): "ID_AA64MMFR4_EL1",
}

def lines(path):
    with open(path, errors="replace") as f:
        return [l.replace("\r", "").rstrip("\n") for l in f]

def main():
    p = argparse.ArgumentParser()
    for a in ("version", "model", "cpu", "tree-package", "kernel-package", "qemu", "host-cmd", "guest-cmd",
              "host-log", "guest-log"):
        p.add_argument("--" + a, required=True)
    a = p.parse_args()
    host, guest, sets, caps, release, kvm = {}, {}, {}, {}, None, []
    for l in lines(a.host_log):
        m = re.search(r"GTHOST 3,0,0,(\d),(\d) (\S+)", l)
        if m: host[(int(m[1]), int(m[2]))] = m[3]
    for l in lines(a.guest_log):
        if m := re.search(r"GTREG (\S+) 3,0,0,(\d),(\d) (.+)$", l):
            guest.setdefault((int(m[2]), int(m[3])), {})[m[1]] = m[4]
        elif m := re.search(r"GTSET (\S+) (.+)$", l):
            sets[m[1]] = m[2]
        elif m := re.search(r"GTCAP (\S+) (-?\d+)", l):
            caps[m[1]] = int(m[2])
        elif m := re.search(r"GTKERNEL (\S+)", l):
            release = m[1]
        elif m := re.search(r"kvm \[\d+\]: ((VHE|Hyp|Protected nVHE|nVHE)[^\n]*initiali[sz]ed[^\n]*)", l):
            kvm.append(m[1].strip())
    regs = []
    for crm in range(8):
        for op2 in range(8):
            key = (crm, op2)
            regs.append({"encoding": f"3,0,0,{crm},{op2}", "name": NAMES.get(key, "-"),
                         "host": host.get(key, "missing"), "guest": guest.get(key, {})})
    head = {
        "version": a.version, "tree_package": a.tree_package, "kernel_package": a.kernel_package,
        "kernel_release": release, "qemu": a.qemu, "cpu_model": a.model, "qemu_cpu": a.cpu,
        "kvm": "; ".join(kvm) or "no KVM initialisation line in the log",
        "commands": {"host": a.host_cmd, "guest": a.guest_cmd.strip()},
        "capabilities": caps, "feature_sets": sets,
    }
    out = json.dumps(head, indent=2)[:-2] + ',\n  "registers": [\n'
    out += ",\n".join("    " + json.dumps(r) for r in regs)
    out += "\n  ]\n}\n"
    json.loads(out)
    print(out, end="")

main()
