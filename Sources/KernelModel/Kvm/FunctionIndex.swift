import Foundation
import LibClang

/// Function definitions (with bodies) across the parsed KVM units, so the read path can be followed
/// from sys_regs.c into nested.c, pmu-emul.c and header inlines.
public struct FunctionIndex {
    private var definitions: [String: Cursor] = [:]
    /// Functions of KVM's files whose bodies were left out of the parse (KvmUnit): asking for one is a request.
    private let blanked: Set<String>
    private let requests = Requests()

    /// Indexes the functions defined in each unit's main file and in `files` (absolute paths: the files a
    /// unity build includes); `blanked` names those whose bodies were left out.
    public init(units: [TranslationUnit], files: Set<String> = [], blanked: Set<String> = []) {
        self.blanked = blanked
        for unit in units {
            unit.cursor.visit { c in
                if c.kind == .functionDecl, c.isInMainFile || files.contains(c.location.file), definitions[c.spelling] == nil,
                    c.hasBody
                {
                    definitions[c.spelling] = c
                }
                return .continue
            }
        }
    }

    /// The definition of `name` in an indexed file; a blanked one is noted as requested.
    public func definition(of name: String) -> Cursor? {
        if let d = definitions[name] { return d }
        if blanked.contains(name) { requests.insert(name) }
        return nil
    }

    /// The blanked functions the analysis asked for: its results stand only when there are none.
    var requested: Set<String> { requests.names }

    /// Requests from the views, which may run on several threads.
    private final class Requests: @unchecked Sendable {
        private let lock = NSLock()
        private var set = Set<String>()
        func insert(_ name: String) {
            lock.lock()
            set.insert(name)
            lock.unlock()
        }
        var names: Set<String> {
            lock.lock()
            defer { lock.unlock() }
            return set
        }
    }
}
