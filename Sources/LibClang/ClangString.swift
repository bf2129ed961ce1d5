import CClang

/// Takes ownership of a CXString and returns its contents.
func consume(_ s: CXString) -> String {
    defer { clang_disposeString(s) }
    guard let c = clang_getCString(s) else { return "" }
    return String(cString: c)
}
