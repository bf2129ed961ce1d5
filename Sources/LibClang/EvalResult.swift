/// The value of a constant expression as libclang's evaluator computed it.
public enum EvalResult: Hashable, Sendable {
    case int(Int64)
    case unsigned(UInt64)
    case float(Double)
    case string(String)

    /// The value as 64 bits, two's complement for negative integers.
    public var bits: UInt64? {
        switch self {
        case .int(let v): return UInt64(bitPattern: v)
        case .unsigned(let v): return v
        default: return nil
        }
    }

    /// The value as a signed integer, when it fits.
    public var integer: Int64? {
        switch self {
        case .int(let v): return v
        case .unsigned(let v): return v <= UInt64(Int64.max) ? Int64(v) : nil
        default: return nil
        }
    }
}
