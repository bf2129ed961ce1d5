import Foundation
import KernelTree
import LibClang

/// The translation units of one analysis, by name: the tree-relative path of the file parsed (KVM's
/// combined unit goes by its first file's, sys_regs.c). Units are parsed side by side, each through its
/// precompiled preamble where it has one, kept until what reads them is done, then released, so that
/// few are alive at once. What went wrong is kept per unit, for the caller to report in an order of
/// its own choosing, whatever order the units were parsed in.
public final class ParsedUnits: @unchecked Sendable {
    private let preambles: PreambleCache?
    private let lock = NSLock()
    private var units: [String: TranslationUnit] = [:]
    private var outcomes: [String: Result<Void, Error>] = [:]
    private var firstErrors: [String: Diagnostic] = [:]
    private var inclusions: [String: [String]] = [:]

    public init(preambles: PreambleCache?) { self.preambles = preambles }

    /// Parses the file `name` of `tree` with `options`, through its precompiled preamble (`extraPreamble`
    /// precompiled after it) where it has one, and notes its first error; `recordInclusions`: keep the
    /// files it read, for the result cache.
    public func parse(
        _ name: String, tree: KernelTree, arguments: [String], options: ParseOptions,
        recordInclusions: Bool, extraPreamble: String = ""
    ) {
        let path = tree.absolutePath(name)
        do {
            let precompiled = preambles?.parse(
                path: path, tree: tree, arguments: arguments, options: options,
                extra: extraPreamble)
            let unit =
                try precompiled?.unit
                ?? TranslationUnit(path: path, arguments: arguments, unsavedFiles: tree.unsavedFiles, options: options)
            let error = unit.diagnostics.first { $0.severity >= .error }
            let included = recordInclusions ? (precompiled?.preambleFiles ?? []) + unit.includedFiles : []
            locked {
                units[name] = unit
                outcomes[name] = .success(())
                firstErrors[name] = error
                inclusions[name] = included
            }
        } catch {
            failed(name, error)
        }
    }

    /// Notes that `name` could not be parsed at all.
    public func failed(_ name: String, _ error: Error) {
        locked { outcomes[name] = .failure(error) }
    }

    /// Counts `name` as parsed without a unit of its own (its text is part of another unit).
    public func included(_ name: String) {
        locked { outcomes[name] = .success(()) }
    }

    /// Forgets the outcome of `name`'s parse, before it is parsed again another way.
    public func forget(_ name: String) {
        locked {
            outcomes[name] = nil
            firstErrors[name] = nil
        }
    }

    /// The parsed unit `name`, nil when it was not parsed or was released.
    public func unit(_ name: String) -> TranslationUnit? { locked { units[name] } }

    /// How the parse of `name` ended, nil when it was not parsed.
    public func outcome(_ name: String) -> Result<Void, Error>? { locked { outcomes[name] } }

    /// The first error libclang reported in `name` or a header it includes.
    public func firstError(_ name: String) -> Diagnostic? { locked { firstErrors[name] } }

    /// The files each unit of `names` read, in that order (empty where not recorded).
    public func inclusions(of names: [String]) -> [[String]] { locked { names.map { inclusions[$0] ?? [] } } }

    /// Whether the units parsed with no error (a reader runs through them: it fails closed otherwise).
    public func clean(_ names: [String]) -> Bool {
        locked { names.allSatisfy { units[$0] != nil && firstErrors[$0] == nil } }
    }

    /// Drops the reference to unit `name`: libclang frees it once the last cursor into it is gone. The
    /// memory then goes back to the system rather than stay with the allocator arena of the thread that
    /// parsed the unit, where a parse on the other thread could not reuse it.
    /// `trim: false` for the last units: nothing is parsed after them, so handing their memory back would
    /// only cost time at the end of the run.
    public func release(_ name: String, trim: Bool = true) {
        let unit: TranslationUnit? = locked { units.removeValue(forKey: name) }
        guard unit != nil else { return }
        _ = consume unit
        if trim { _ = Self.mallocTrim?(0) }
    }

    /// glibc's malloc_trim, where the C library has it.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        guard let symbol = dlsym(nil, "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    }()

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
