import KernelModel

/// What one model's findings add to and remove from another's, matched on rule and REGISTER.Field
/// (never on lines, which unrelated edits move).
public struct FindingDiff: Sendable {
    /// Findings of the new model that the old one does not have.
    public let introduced: [Finding]
    /// Findings of the old model that the new one no longer has.
    public let fixed: [Finding]

    public init(old: [Finding], new: [Finding]) {
        // Within one rule and field (unknown-treatment can report a field once per view), identical messages
        // pair first, then the rest in order.
        var olds = Dictionary(grouping: old.indices) { Self.match(old[$0]) }
        var introduced: [Finding] = []
        var unpaired: [Int] = []
        for (i, f) in new.enumerated() {
            let k = Self.match(f)
            if let j = olds[k]?.firstIndex(where: { old[$0].message == f.message }) {
                olds[k]!.remove(at: j)
            } else {
                unpaired.append(i)
            }
        }
        for i in unpaired {
            let k = Self.match(new[i])
            if olds[k]?.isEmpty == false {
                olds[k]!.removeFirst()
            } else {
                introduced.append(new[i])
            }
        }
        self.introduced = introduced
        self.fixed = olds.values.flatMap { $0 }.sorted().map { old[$0] }
    }

    private static func match(_ f: Finding) -> String { f.rule + "\u{0}" + f.key }
}

extension Finding {
    /// "fixed: ID_AA64DFR0_EL1.PMSVer [ftrlint-leak]"
    public var fixedLine: String { "fixed: \(key) [ftrlint-\(rule)]" }
}
