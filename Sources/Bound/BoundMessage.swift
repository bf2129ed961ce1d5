import KernelModel
import Rules

/// The commit message of a bound patch: a `KVM: arm64:` subject, why, and per field what changes, the
/// level KVM handles and the policy's reason.
public struct BoundMessage {
    public let subject: String
    public let body: [String]

    public init(scope: BoundScope, written: [BoundWriter.Written], views: [String: GuestView.Field]) {
        let fields = written.map(\.limit)
        let readZero = fields.filter { !$0.described }.count
        switch scope {
        case .leaks: subject = "KVM: arm64: Limit ID register fields to what KVM handles"
        case .overBound: subject = "KVM: arm64: Limit ID register fields to their bounds"
        case .all: subject = "KVM: arm64: State an upper bound for every ID register field"
        }
        var intro = "KVM hands guests the host's sanitised ID registers after masking them. "
        switch scope {
        case .leaks:
            intro +=
                "The fields below reach guests at levels whose registers or traps KVM does not provide in "
                + "this tree, so a guest on hardware that implements them sees a feature it cannot use. Limit "
                + "each to the highest level KVM handles."
        case .overBound:
            intro +=
                "The fields below can reach guests above the highest value KVM is meant to expose. Limit "
                + "each to that bound."
        case .all:
            intro +=
                "State an upper bound for every field a guest can see whose value KVM does not already "
                + "hold to it, including fields that cpufeature does not describe yet and that read as zero "
                + "today. A feature of a later revision of the architecture then never reaches guests "
                + "unnoticed: raising a bound becomes a deliberate change."
            if readZero > 0 {
                intro +=
                    " \(readZero) of the \(fields.count) fields read as zero today, so the guest's view does "
                    + "not change until cpufeature describes them."
            }
        }
        var items: [String] = []
        for w in written {
            let l = w.limit
            let named = { (v: Int) in l.features[v].map { "\(v) (\($0))" } ?? String(v) }
            let change: String
            if l.signed {
                change = "at most \(named(l.limit)) in signed order, so that a host without it shows NI"
            } else {
                change = l.limit <= 0 ? "hidden" : "capped at \(named(l.limit))"
            }
            let view = views[l.key].flatMap { l.protected ? $0.protected : $0.normal }
            let was = view.map { Self.was($0, described: l.described) } ?? ""
            var item = "- \(l.key)\(l.protected ? " (protected guests)" : ""): \(change)\(was)."
            if let handled = l.handled {
                item +=
                    " KVM handles up to \(named(handled))"
                    + (l.bound.map { handled < $0 ? ", below the bound \($0)" : "" } ?? "") + "."
            } else if let bound = l.bound {
                item += " KVM handles every level; the bound is \(named(bound))."
            }
            item += " " + l.reason
            items.append(item)
        }
        body = [
            intro, items.joined(separator: "\n"),
            "Found and checked with ftrlint bound: each limit is the policy's bound, or one below the first "
                + "level whose registers KVM lacks, and the patched tree's analysis leaves every other field's "
                + "guest view unchanged.",
        ]
    }

    /// ", was passed through" — how KVM treats the field today.
    static func was(_ t: KvmTreatment, described: Bool) -> String {
        let reads = described ? "" : " (reads as zero today)"
        switch t.kind {
        case .passthrough: return ", was passed through" + reads
        case .conditional: return ", was passed through on some paths" + reads
        case .capped: return ", was capped at \(t.cap.map(String.init) ?? "?")" + reads
        case .forced: return ", was set to \(t.value.map(String.init) ?? "?")" + reads
        case .hidden: return ", was cleared to 0" + reads
        default: return reads
        }
    }
}
