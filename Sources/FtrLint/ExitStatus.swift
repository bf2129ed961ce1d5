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
        printError("ftrlint: error: \(error)")
        throw ExitStatus.incomplete
    }
}
