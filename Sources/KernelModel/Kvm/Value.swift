import LibClang

/// What an expression in KVM's read path evaluates to, abstractly.
enum Value: Equatable {
    case bits(Bits)
    /// A function designator (a handler named in a sys_reg_desc, a callback).
    case function(String)
    /// The sys_reg_desc of the register under analysis (`r`), whose members are known.
    case descriptor
    /// The `struct sys_reg_params *p` of an access handler: writes to `p->regval` are what the guest reads.
    case params
    /// Anything else: pointers to vcpu/VM state, structs.
    case opaque

    var bits: Bits? {
        guard case .bits(let bits) = self else { return nil }
        return bits
    }
}
