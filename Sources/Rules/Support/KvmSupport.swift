import Foundation
import KernelModel
import Policy

/// Which registers KVM handles in a tree, found by the spellings the policy uses for them.
///
/// KVM handles a register when a guest access reaches a handler that emulates it (`KvmRegister.isHandled`),
/// or when KVM keeps the register's state per vCPU and switches it (`.reg` names a vcpu sysreg, as for the
/// pointer-authentication keys, ZCR_EL1 or PIR_EL1, whose entries have no access handler or one that only
/// injects UNDEF because the guest's accesses do not trap) — in both cases unless a visibility function
/// always hides the register.
///
/// The policy names registers as the sysreg file or the SYS_ macros do ("PMSCR_EL1", "PMEVCNTRn_EL0") and
/// AArch32 registers by their AArch32 names ("CNTKCTL"). KVM's tables name entries by their SYS_ macro, with
/// an index for families ("PMEVCNTRn_EL0(3)", "DBGBCR0_EL1"), by encoding where the entry has no name
/// ("S2_0_0_0_2"), and its AArch32 tables by encoding, with the AArch64 register they alias in `.reg`.
struct KvmSupport: Sendable {
    /// Upper-cased names (and family names, digits replaced by N) of entries KVM handles.
    private let handled: Set<String>
    /// Encodings of AArch64 entries KVM handles.
    private let handledEncodings: Set<Encoding>
    /// Access handler of each handled AArch64 entry, by upper-cased name.
    private let access: [String: String]
    /// Access handlers and `.reg` registers of the handled entries of the AArch32 tables (cp14/cp15).
    private let aarch32Access: Set<String>
    private let aarch32Regs: Set<String>
    /// The architecture's encodings of AArch64 registers by upper-cased name (the tree's sysreg file).
    private let encodings: [String: Encoding]
    /// Where KVM's code uses the names levels give as evidence of their `needs`, and the trap controls.
    private let code: KvmEvidence
    /// The policy's trap controls of registers the hardware may run on its own, by upper-cased name.
    private let traps: [String: [String]]

    /// The policy's facts about run-time conditions, by `Policy.conditionKey`.
    private let conditions: [String: Policy.Condition]

    init(
        _ tables: KvmRegisterTables, encodings: [String: Encoding] = [:], evidence: KvmEvidence = KvmEvidence(uses: [:]),
        traps: [String: [String]] = [:], conditions: [String: Policy.Condition] = [:]
    ) {
        code = evidence
        self.conditions = conditions
        self.traps = Dictionary(traps.map { (RegisterNames.folded($0.key), $0.value) }) { a, _ in a }
        var handled = Set<String>(), byEncoding = Set<Encoding>(), access: [String: String] = [:]
        var aarch32 = Set<String>(), aarch32Regs = Set<String>()
        for r in tables.registers where Self.supports(r) {
            let aarch64 = r.table == SysRegDescsExtractor.mainTable
            for name in RegisterNames.spellings(ofEntry: r.name) {
                handled.insert(name)
                if aarch64, let a = r.access, r.isHandled { access[name] = access[name] ?? a }
            }
            if aarch64, let e = r.encoding { byEncoding.insert(e) }
            if !aarch64 {
                if let a = r.access, r.isHandled { aarch32.insert(a) }
                if let reg = r.reg { aarch32Regs.insert(RegisterNames.folded(reg)) }
            }
        }
        self.handled = handled
        self.handledEncodings = byEncoding
        self.access = access
        self.aarch32Access = aarch32
        self.aarch32Regs = aarch32Regs
        self.encodings = Dictionary(encodings.map { (RegisterNames.folded($0.key), $0.value) }) { a, _ in a }
    }

    /// Whether KVM does something with guest accesses to the entry's register: emulates it, or keeps its state.
    static func supports(_ r: KvmRegister) -> Bool {
        guard r.visibilityKind != .alwaysHidden else { return false }
        return r.isHandled || r.reg != nil
    }

    /// Whether the tree's absence of a handler is evidence: an AArch64 register (NAME_ELn) that KVM does not
    /// handle traps to an UNDEF; an AArch32 name that no entry or alias matches may still be handled by an
    /// entry KVM's cp14/cp15 tables name only by encoding, so its absence proves nothing.
    func isEvidence(_ name: String) -> Bool {
        RegisterNames.hasExceptionLevelOrAlias(name)
    }

    /// Whether KVM handles the register the policy names.
    ///
    /// An AArch32 name (no _ELx suffix) that no entry carries counts as handled when an entry of an AArch32
    /// table aliases its AArch64 counterpart (NAME_EL1 or NAME_EL0) in `.reg`, or uses the access handler
    /// of the counterpart's entry: KVM's cp14/cp15 tables name entries by encoding.
    func handles(_ name: String) -> Bool {
        let n = RegisterNames.folded(name)
        if handled.contains(n) || handled.contains(RegisterNames.family(n)) || handled.contains("AARCH32_" + n) { return true }
        if let e = encodings[n], handledEncodings.contains(e) { return true }
        guard !RegisterNames.hasExceptionLevel(n) else { return false }
        for suffix in RegisterNames.omittedExceptionLevels {
            if aarch32Regs.contains(n + suffix) { return true }
            if let a = access[n + suffix] ?? access[RegisterNames.family(n + suffix)], aarch32Access.contains(a) { return true }
        }
        return false
    }

    /// Whether a guest that sees `field` (REGISTER.Field) at a level bringing `register` reaches the register
    /// on the hardware, with no trap to EL2: the policy lists the register's trap controls (only for
    /// registers whose state the hardware virtualises, or that have none), and KVM sets none of them for
    /// such a guest. KVM sets a control where its code programs the control's macro (KvmEvidence), except
    /// where that code runs only when a feature test fails that such a guest passes: a feature-map entry
    /// gated on the field's own feature (`NEEDS_FEAT(ICH_HFGRTR_EL2_ICC_ICSR_EL1 | ..., FEAT_GCIE)`), a
    /// branch on the field's absence (`if (!kvm_has_feat(kvm, ID_AA64PFR1_EL1, MTE, MTE2))`), or the
    /// `else` of a test every path showing the field to the guest holds under (`exposedWhen`: the guest
    /// sees MTE only when `kvm_has_mte(vcpu->kvm)`, and KVM sets HCR_EL2.TID5 in that test's `else`).
    ///
    /// A control written `=0` is an enable that traps while clear: the register runs on the hardware
    /// only where KVM sets it for every guest and clears it nowhere. A control whose field name starts with
    /// `n` traps unless set (the fine-grained traps' negative polarity): KVM must use it to leave the
    /// register untrapped, so such controls never count as unset.
    func runsOnHardware(_ register: String, for field: String, exposedWhen: Set<String> = []) -> Bool {
        guard let controls = traps[RegisterNames.folded(register)] else { return false }
        return controls.allSatisfy { control in
            let macros = Policy.macros(control)
            if Policy.trapControl(control).trapsWhenClear {
                return macros.contains { code.ungated[$0] != nil } && !macros.contains { code.cleared[$0] != nil }
            }
            if control.split(separator: ".").last?.first == "n" { return false }
            if macros.contains(where: { code.ungated[$0] != nil }) { return false }
            return macros.allSatisfy { macro in
                (code.gates[macro] ?? []).allSatisfy { gates in
                    gates.contains { gate in
                        switch gate {
                        case .field(let f): return f.uppercased() == field.uppercased()
                        case .condition(let c): return exposedWhen.contains(c)
                        }
                    }
                }
            }
        }
    }

    /// The tests (as KvmEvidence.Gate keys) that hold on every path on which `t` shows the field to the
    /// guest: the conjuncts of each such path's condition, common to all of them, with the conjuncts of
    /// the KVM macros they call (`kvm_has_mte(vcpu->kvm)` holds only where `system_supports_mte()` does).
    func exposedWhen(_ t: KvmTreatment) -> Set<String> {
        guard t.kind == .conditional else { return [] }
        let shown = t.paths.filter { $0.kind != .hidden }
        guard let first = shown.first else { return [] }
        return shown.dropFirst().reduce(implied(by: first.when)) { $0.intersection(implied(by: $1.when)) }
    }

    /// The keys of the conjuncts of `condition`, and of the conjuncts of the function-like macros of KVM's
    /// code it is a call of, their parameters replaced by the call's arguments.
    private func implied(by condition: String, depth: Int = 0) -> Set<String> {
        var keys: Set<String> = []
        for conjunct in KvmEvidence.Gate.conjuncts(condition) {
            keys.insert(KvmEvidence.Gate.key(conjunct))
            guard depth < 4, let call = KvmEvidence.Gate.call(conjunct), let macro = code.macros[call.name],
                macro.parameters.count == call.arguments.count
            else { continue }
            let expanded = zip(macro.parameters, call.arguments).reduce(macro.body) { body, pair in
                body.replacingOccurrences(
                    of: "\\b\(pair.0)\\b", with: NSRegularExpression.escapedTemplate(for: "(\(pair.1))"),
                    options: .regularExpression)
            }
            keys.formUnion(implied(by: expanded, depth: depth + 1))
        }
        return keys
    }

    /// What a guest can see of `field` under a treatment, with the policy's facts about conditions applied:
    /// where every path that passes the host's value through holds only under a condition that bounds the
    /// host's value of the field (`!(arm64_get_spectre_v2_state() == SPECTRE_UNAFFECTED)`: CSV2 is 0), the
    /// guest sees at most that bound.
    func exposure(_ t: KvmTreatment, _ shape: FieldShape, field: String) -> Exposure {
        let plain = Exposure(t, shape)
        guard case .host = plain, t.kind == .conditional else { return plain }
        var top: Int64 = 0
        var reasons: [String] = []
        for p in t.paths {
            switch p.kind {
            case .passthrough:
                let facts = KvmEvidence.Gate.conjuncts(p.when).compactMap { conditions[Policy.conditionKey($0)] }
                guard let fact = facts.first(where: { $0.bounds[field] != nil }), let bound = fact.bounds[field] else {
                    return plain
                }
                top = max(top, Int64(bound))
                reasons.append("only when \(p.when), where the host's value is at most \(bound) (\(fact.reason))")
            case .hidden: continue
            case .capped, .forced:
                guard let v = p.value.map(shape.value) else { return plain }
                top = max(top, v)
            default: return plain
            }
        }
        return .bounded(top, how: "KVM passes the host's value through " + reasons.joined(separator: ", and "))
    }

    /// The first use in KVM's code of a name the level gives as evidence of its `needs`.
    func evidence(of level: Policy.Level) -> (name: String, at: SourceRef)? {
        code.firstUse(of: level.evidence)
    }
}
