import Rules

/// `check --format junit`: JUnit XML for CI test-report views, one test case per register field, one
/// test suite per register (the coverage matrix as tests):
///
/// - a field with an `error` finding fails (`<failure>`; the findings in gcc format, notes and suggested
///   fixes included, as its text);
/// - a field whose findings are only `note`s (deliberately passed through) is `<skipped>`;
/// - `warning`s do not fail the test case; they are in its `<system-out>`;
/// - every other field passes.
struct JunitReporter {
    func render(_ report: CheckReport) -> String {
        // Every checked field, then any field a finding names that the list lacks.
        var fields = report.fields
        var seen = Set(fields)
        for f in report.findings where !seen.contains(f.key) {
            fields.append(f.key)
            seen.insert(f.key)
        }
        let byField = Dictionary(grouping: report.findings, by: \.key)

        // Registers in first-seen order.
        var registers: [String] = []
        var cases: [String: [Case]] = [:]
        for key in fields {
            let findings = byField[key] ?? []
            let (register, field) = Self.split(key, findings: findings)
            if cases[register] == nil { registers.append(register) }
            cases[register, default: []].append(Case(register: register, field: field, findings: findings, fixes: report.fixes))
        }

        let all = registers.flatMap { cases[$0]! }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out +=
            "<testsuites name=\"ftrlint\" tests=\"\(all.count)\" failures=\"\(all.filter(\.failed).count)\""
            + " errors=\"0\" skipped=\"\(all.filter(\.skipped).count)\">\n"
        for register in registers {
            let suite = cases[register]!
            out +=
                "  <testsuite name=\"\(Escape.xml(register))\" tests=\"\(suite.count)\""
                + " failures=\"\(suite.filter(\.failed).count)\" errors=\"0\" skipped=\"\(suite.filter(\.skipped).count)\">\n"
            out += "    <properties><property name=\"kernel\" value=\"\(Escape.xml(report.kernel))\"/></properties>\n"
            for c in suite { out += c.xml }
            out += "  </testsuite>\n"
        }
        out += "</testsuites>\n"
        return out
    }

    /// REGISTER.Field → (REGISTER, Field), preferring what a finding says.
    static func split(_ key: String, findings: [Finding]) -> (String, String) {
        if let f = findings.first { return (f.register, f.field) }
        guard let dot = key.lastIndex(of: ".") else { return (key, key) }
        return (String(key[..<dot]), String(key[key.index(after: dot)...]))
    }

    struct Case {
        let register: String
        let field: String
        let findings: [Finding]
        /// The suggested fixes, as gcc notes in the findings' text.
        var fixes: SuggestedFixes = .none

        var errors: [Finding] { findings.filter { $0.severity == .error } }
        var failed: Bool { !errors.isEmpty }
        var skipped: Bool { !failed && !findings.isEmpty && findings.allSatisfy { $0.severity == .note } }

        var xml: String {
            let open = "    <testcase classname=\"\(Escape.xml(register))\" name=\"\(Escape.xml(field))\""
            guard !findings.isEmpty else { return open + "/>\n" }
            var body = ""
            if failed {
                let message = errors.map(\.message).joined(separator: "; ")
                let type = errors.map { "ftrlint-\($0.rule)" }.joined(separator: " ")
                body +=
                    "      <failure message=\"\(Escape.xml(message))\" type=\"\(Escape.xml(type))\">"
                    + Escape.xmlText(lines(errors)) + "</failure>\n"
            } else if skipped {
                body += "      <skipped message=\"\(Escape.xml(findings.map(\.message).joined(separator: "; ")))\"/>\n"
            }
            let others = findings.filter { $0.severity != .error }
            if !others.isEmpty {
                body += "      <system-out>" + Escape.xmlText(lines(others)) + "</system-out>\n"
            }
            return open + ">\n" + body + "    </testcase>\n"
        }

        /// The findings as gcc diagnostic lines (their notes and suggested fixes too).
        func lines(_ findings: [Finding]) -> String {
            GccReporter().render(CheckReport(findings: findings, rules: [], fields: [], treeRoot: "", kernel: "", fixes: fixes))
        }
    }
}
