/// An error ftrlint reports to its user: every target's errors conform (a malformed sysreg file, a path that
/// is not a kernel tree, libclang failing, a bad policy or baseline, a patch that does not apply, an analysis
/// that saw less than the source holds).
///
/// Its `description` is the message the command prints as its one line, `ftrlint: error: MESSAGE`, before
/// exiting with status 2: it says where (a file, a line, an entry) and what is wrong, and it is part of
/// ftrlint's interface (CI logs and scripts match on it), so its wording changes only with care.
public protocol ToolError: Error, CustomStringConvertible, Sendable {}
