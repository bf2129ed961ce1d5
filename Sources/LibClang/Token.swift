import CClang

/// One preprocessing token as written in the file.
public struct Token: Hashable, Sendable {
    public enum Kind: Sendable { case punctuation, keyword, identifier, literal, comment }
    public let kind: Kind
    public let spelling: String
    public let location: SourceLocation
}

extension Token.Kind {
    init(_ k: CXTokenKind) {
        switch k {
        case CXToken_Punctuation: self = .punctuation
        case CXToken_Keyword: self = .keyword
        case CXToken_Identifier: self = .identifier
        case CXToken_Literal: self = .literal
        default: self = .comment
        }
    }
}
