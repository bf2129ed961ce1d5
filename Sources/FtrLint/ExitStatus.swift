import ArgumentParser

/// The exit statuses CI relies on: never 0 when the analysis saw less than the source holds.
enum ExitStatus {
    static let clean = ExitCode(0)
    static let findings = ExitCode(1)
    /// Usage errors, unreadable input, or a parse that lost what the tool needs.
    static let incomplete = ExitCode(2)
}

/// Runs a command body; any error becomes one line on stderr and exit status 2.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        printError("ftrlint: error: " + oneLine("\(error)"))
        throw ExitStatus.incomplete
    }
}

/// A message as one line: what a hostile tree can put in one (file names, diagnostics) must not forge more.
func oneLine(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\u{2028}", "\u{2029}", "\u{85}": out += " "
        default:
            if scalar.value < 0x20 || scalar.value == 0x7f { out += " " } else { out.unicodeScalars.append(scalar) }
        }
    }
    return out
}
