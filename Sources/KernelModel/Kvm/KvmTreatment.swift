/// What a guest sees of one field, and the code that decides it.
public struct KvmTreatment: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case hidden, capped, forced, computed, passthrough, conditional, unknown
    }

    /// The treatment on one side of a condition KVM decides at run time.
    public struct Path: Codable, Hashable, Sendable {
        public let when: String
        public let kind: Kind
        public let value: Int64?

        public init(when: String, kind: Kind, value: Int64?) {
            self.when = when
            self.kind = kind
            self.value = value
        }
    }

    public let kind: Kind
    /// The highest value a cap lets through (capped).
    public let cap: Int64?
    /// The value KVM sets (forced).
    public let value: Int64?
    /// The run-time condition(s) as written, when the treatment depends on one.
    public let condition: String?
    /// For conditional: the treatment on each path.
    public let paths: [Path]
    /// Every statement that decides the field.
    public let locations: [SourceRef]
    /// Why the field is unknown or computed: the expression the analysis met.
    public let note: String?

    public init(
        kind: Kind, cap: Int64? = nil, value: Int64? = nil, condition: String? = nil, paths: [Path] = [],
        locations: [SourceRef] = [], note: String? = nil
    ) {
        self.kind = kind
        self.cap = cap
        self.value = value
        self.condition = condition
        self.paths = paths
        self.locations = locations
        self.note = note
    }

    /// The highest value a guest can see, when it is bounded (nil: the host's value can reach the guest).
    public var bound: Int64? {
        switch kind {
        case .hidden: return 0
        case .capped: return cap
        case .forced: return value
        case .conditional: return paths.compactMap { $0.kind == .passthrough ? nil : $0.value }.max() ?? nil
        default: return nil
        }
    }
}
