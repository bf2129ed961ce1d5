import KernelModel

/// How serious a finding is; `--fail-on` compares against it.
public enum Severity: String, Codable, Comparable, Sendable, CaseIterable {
    case note, warning, error

    public static func < (a: Severity, b: Severity) -> Bool {
        let order: [Severity] = [.note, .warning, .error]
        return order.firstIndex(of: a)! < order.firstIndex(of: b)!
    }
}

/// One thing a rule found about one register field.
public struct Finding: Codable, Hashable, Sendable {
    /// A second place that explains the finding (the KVM function that should have handled the field).
    public struct Related: Codable, Hashable, Sendable {
        public let location: SourceRef
        public let message: String
        public init(location: SourceRef, message: String) {
            self.location = location
            self.message = message
        }
    }

    /// Stable kebab-case rule identifier (public: never renamed).
    public let rule: String
    public let severity: Severity
    public let register: String
    public let field: String
    public let message: String
    /// Where the finding is anchored: the ARM64_FTR_BITS entry, or the KVM statement for KVM-only rules.
    public let location: SourceRef
    public let related: [Related]

    public init(
        rule: String, severity: Severity, register: String, field: String, message: String,
        location: SourceRef, related: [Related] = []
    ) {
        self.rule = rule
        self.severity = severity
        self.register = register
        self.field = field
        self.message = message
        self.location = location
        self.related = related
    }

    /// REGISTER.Field: what baselines, diffs and SARIF fingerprints match on (not line numbers).
    public var key: String { "\(register).\(field)" }
}
