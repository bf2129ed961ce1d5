import CClang
import ToolError

/// Why libclang could not produce or save a translation unit.
public enum ClangError: ToolError, Equatable {
    /// libclang could not make an index to parse the file in.
    case noIndex(String)
    /// libclang did not parse the file at all (errors in the source are diagnostics, not this).
    case parseFailed(String, Failure)
    /// The unit parsed from the file could not be saved (as a precompiled header) to `to`.
    case saveFailed(String, to: String, code: Int32)

    /// What clang_parseTranslationUnit2 answered instead of success.
    public enum Failure: Equatable, Sendable {
        case crashed, invalidArguments, astReadError, other

        init(_ code: CXErrorCode) {
            switch code {
            case CXError_Crashed: self = .crashed
            case CXError_InvalidArguments: self = .invalidArguments
            case CXError_ASTReadError: self = .astReadError
            default: self = .other
            }
        }

        var reason: String {
            switch self {
            case .crashed: return "libclang crashed"
            case .invalidArguments: return "invalid arguments"
            case .astReadError: return "AST read error"
            case .other: return "failure"
            }
        }
    }

    public var description: String {
        switch self {
        case .noIndex(let path): return "\(path): libclang could not parse the file (no index)"
        case .parseFailed(let path, let failure): return "\(path): libclang could not parse the file (\(failure.reason))"
        case .saveFailed(let path, let destination, let code):
            return "\(path): libclang could not parse the file (could not be saved to \(destination) (error \(code)))"
        }
    }
}
