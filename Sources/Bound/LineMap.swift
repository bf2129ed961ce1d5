import KernelModel
import Rules

/// Where a line of the patched files was before the patch: lines the patch adds map to nothing, the
/// others to their old line. A model of the patched tree read through it compares, place for place, with
/// the model of the tree as it is.
public struct LineMap: Sendable {
    /// Per path, the changes in file order.
    let changes: [String: [FileEdit.Change]]

    public init(_ edits: [FileEdit]) {
        changes = Dictionary(edits.map { ($0.path, $0.changes) }) { a, _ in a }
    }

    /// The old place of `ref`, nil when the patch added its line.
    public func old(_ ref: SourceRef) -> SourceRef? {
        guard let list = changes[ref.path] else { return ref }
        // offset: how many lines later a line after the changes so far stands in the new file.
        var offset = 0
        let index = ref.line - 1
        for c in list {
            if index < c.before + offset { break }
            if index < c.before + offset + c.lines.count { return nil }
            offset += c.lines.count - c.removed
        }
        return SourceRef(path: ref.path, line: ref.line - offset, column: ref.column)
    }

    /// `ref` in old places; an added line keeps its new place, marked, so that it compares as a change.
    func mapped(_ ref: SourceRef) -> SourceRef {
        old(ref) ?? SourceRef(path: ref.path + " (added)", line: ref.line, column: ref.column)
    }

    public func mapped(_ t: KvmTreatment) -> KvmTreatment {
        KvmTreatment(
            kind: t.kind, cap: t.cap, value: t.value, condition: t.condition, paths: t.paths,
            locations: t.locations.map(mapped), note: t.note)
    }

    public func mapped(_ v: GuestView.Field) -> GuestView.Field {
        GuestView.Field(
            register: v.register, field: v.field, normal: mapped(v.normal), nested: v.nested.map(mapped),
            protected: v.protected.map(mapped), writable: v.writable, function: v.function,
            branch: v.branch.map(mapped), protectedFunction: v.protectedFunction,
            protectedBranch: v.protectedBranch.map(mapped))
    }

    public func mapped(_ f: Finding) -> Finding {
        Finding(
            rule: f.rule, severity: f.severity, register: f.register, field: f.field, message: f.message,
            location: mapped(f.location),
            related: f.related.map { Finding.Related(location: mapped($0.location), message: $0.message) })
    }
}
