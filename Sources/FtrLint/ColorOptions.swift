import ArgumentParser
import Foundation

/// `--color auto|always|never`, as gcc and git spell it. `auto` colours only a terminal, and never when
/// NO_COLOR is set (no-color.org) or TERM is dumb; `always` colours even a pipe (`| less -R`).
struct ColorOptions: ParsableArguments {
    enum When: String, ExpressibleByArgument, CaseIterable { case auto, always, never }

    @Option(
        name: .customLong("color"),
        help: ArgumentHelp(
            "When to colour the output; auto: on a terminal, unless NO_COLOR is set.",
            valueName: "when"))
    var when: When = .auto

    var enabled: Bool {
        switch when {
        case .always: return true
        case .never: return false
        case .auto:
            let env = ProcessInfo.processInfo.environment
            if let v = env["NO_COLOR"], !v.isEmpty { return false }
            if env["TERM"] == "dumb" { return false }
            return isatty(1) != 0
        }
    }
}
