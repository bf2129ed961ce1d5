/// What one view's interpretation learnt beyond values: the predicates met, where values came from,
/// and which statements changed which bits of the ID value.
final class Trace {
    /// What a computed or unknown value came from. Most are never shown, so the text (the expression as its
    /// file spells it, which costs a read of the source) is made when first asked for.
    final class Note {
        private let make: () -> String
        private(set) lazy var text: String = make()
        let location: SourceRef
        init(_ make: @escaping () -> String, location: SourceRef) {
            self.make = make
            self.location = location
        }
    }

    private(set) var atoms: [Atom] = []
    private var atomIndex: [String: Int] = [:]
    private(set) var notes: [Note] = []
    /// Bit → statements that changed it in a value holding the analysed register.
    var touched: [Int: Set<SourceRef>] = [:]
    /// Predicates a view fixed that the read path actually tested (vcpu_has_nv: the tree has an NV view).
    var assumed: Set<String> = []
    /// Where the read path first went its own way for the register under analysis: the case of a switch on
    /// its encoding, or a comparison with it that holds. That branch is where a fix for the register goes.
    var branch: SourceRef?
    /// Notes of values behind an operator libclang could not name (libclang 14, inside a macro body): a
    /// branch on one is not a condition KVM tests at run time but a comparison ftrlint could not read.
    var unreadable: Set<Int> = []
    /// Interpretation steps left before the analysis gives up (bounded work on hostile input).
    var budget: Int

    init(budget: Int) { self.budget = budget }

    /// The atom for a predicate: one per predicate text and spelling place, so a predicate repeated
    /// in the code is one condition while two expressions of one macro invocation stay two.
    func atom(
        _ text: String, at location: SourceRef, spelled: String = "", hostField: HostField? = nil,
        constraint: Constraint? = nil, unreadable: Int? = nil
    ) -> Int {
        let key =
            text + "|" + spelled + "|" + String(describing: hostField) + "|" + String(describing: constraint) + "|"
            + String(describing: unreadable)
        if let i = atomIndex[key] { return i }
        atoms.append(
            Atom(text: text, location: location, hostField: hostField, constraint: constraint, unreadable: unreadable))
        atomIndex[key] = atoms.count - 1
        return atoms.count - 1
    }

    func note(_ text: @escaping @autoclosure () -> String, at location: SourceRef) -> Int {
        notes.append(Note(text, location: location))
        return notes.count - 1
    }
}
