import CClang

/// The libclang ftrlint runs on.
public enum Clang {
    /// libclang's version string ("Debian clang version 14.0.6"): part of what a cached result depends on.
    public static let version: String = consume(clang_getClangVersion())
}
