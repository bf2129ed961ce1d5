/// A relation between two values as C and Kconfig spell it: `==` (Kconfig's `=`), `!=`, `<`, `>`, `<=`, `>=`.
public enum Relation {
    /// Whether `a op b` holds; an operator outside the six reads as `>=`, the last of them.
    public static func holds<T: Comparable>(_ a: T, _ op: String, _ b: T) -> Bool {
        switch op {
        case "=", "==": return a == b
        case "!=": return a != b
        case "<": return a < b
        case ">": return a > b
        case "<=": return a <= b
        default: return a >= b
        }
    }
}
