import LibClang

/// What an expression's descendants contain, independent of the frame: the same for every register
/// and view, so computed once per expression (from its children's) rather than by a walk per question.
struct ExpressionShape {
    /// A variable or parameter reference, a call or a member access below: not a constant expression.
    var impure = false
    var call = false
    /// Which of Op0, Op1, CRn, CRm, Op2 are accessed below (bit i: encodingMembers[i]).
    var encodingMembers: UInt8 = 0
    /// Whether another member is accessed below.
    var otherMembers = false

    static let encodingMembers = ["Op0", "Op1", "CRn", "CRm", "Op2"]

    /// The members accessed below are exactly Op0, Op1, CRn, CRm and Op2.
    var onlyEncodingMembers: Bool { encodingMembers == 0b11111 && !otherMembers }

    private static let shapes = CursorMemoSlot<ExpressionShape>("ReadPathInterpreter.Shape")

    /// The shape of `expr`, computed once per translation unit.
    static func of(_ expr: Cursor) -> ExpressionShape {
        expr.memoized(shapes) {
            var shape = ExpressionShape()
            for child in expr.children {
                let below = of(child)
                shape.impure = shape.impure || below.impure
                shape.call = shape.call || below.call
                shape.encodingMembers |= below.encodingMembers
                shape.otherMembers = shape.otherMembers || below.otherMembers
                let kind = child.kind
                if kind == .declRefExpr, let decl = child.referenced, decl.kind == .varDecl || decl.kind == .parmDecl {
                    shape.impure = true
                }
                if kind == .callExpr {
                    shape.call = true
                    shape.impure = true
                }
                if kind == .memberRefExpr {
                    shape.impure = true
                    if let index = encodingMembers.firstIndex(of: child.spelling) {
                        shape.encodingMembers |= 1 << index
                    } else {
                        shape.otherMembers = true
                    }
                }
            }
            return shape
        }
    }
}
