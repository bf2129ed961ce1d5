import Foundation

/// A built tree's compile_commands.json: each translation unit's own arguments, filtered so libclang accepts
/// them and cannot be made to write files or load code. The compiler it names is never run.
public struct CompilationDatabase: CompileArguments {
    /// The largest database accepted (a full arm64 build's is tens of MiB).
    public static let sizeLimit = 1 << 30

    /// The database file.
    public let path: String
    /// The tree its entries are matched against.
    public let tree: KernelTree
    /// Builtin header folder substituted for the database compiler's own.
    public let builtinIncludes: String?
    /// Tree-relative source path → (working directory, argv as the database states it).
    private let entries: [String: (directory: String, argv: [String])]

    /// Loads `path` (a compile_commands.json, or a folder holding one) and indexes its entries inside `tree`.
    public init(path: String, tree: KernelTree, toolchain: ClangToolchain? = nil) throws {
        var isDirectory: ObjCBool = false
        var file = path
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            file = path + "/compile_commands.json"
        }
        guard FileManager.default.fileExists(atPath: file) else { throw KernelTreeError.compilationDatabaseNotFound(path) }
        self.path = file
        self.tree = tree
        builtinIncludes = (try? toolchain ?? ClangToolchain.locate())?.builtinIncludeDirectory
        let json = try Self.parse(try KernelTree.readData(file, naming: file, limit: Self.sizeLimit), path: file)
        let base = (file as NSString).deletingLastPathComponent
        var entries: [String: (directory: String, argv: [String])] = [:]
        for (index, item) in json.enumerated() {
            guard let entry = item as? [String: Any] else {
                throw KernelTreeError.compilationDatabaseMalformed(file, reason: "entry \(index) is not an object")
            }
            guard var directory = entry["directory"] as? String else {
                throw KernelTreeError.compilationDatabaseMalformed(file, reason: "entry \(index) has no \"directory\" string")
            }
            guard let source = entry["file"] as? String else {
                throw KernelTreeError.compilationDatabaseMalformed(file, reason: "entry \(index) has no \"file\" string")
            }
            let argv: [String]
            if let arguments = entry["arguments"] as? [Any] {
                guard let strings = arguments as? [String] else {
                    throw KernelTreeError.compilationDatabaseMalformed(file, reason: "entry \(index) has a non-string argument")
                }
                argv = strings
            } else if let command = entry["command"] as? String {
                argv = ShellWords.split(command)
            } else {
                throw KernelTreeError.compilationDatabaseMalformed(
                    file, reason: "entry \(index) has neither \"arguments\" nor \"command\"")
            }
            if !directory.hasPrefix("/") { directory = base + "/" + directory }
            let absolute = source.hasPrefix("/") ? source : directory + "/" + source
            guard let rel = tree.relativePath(Self.resolved(absolute)), entries[rel] == nil else { continue }
            entries[rel] = (directory, argv)
        }
        self.entries = entries
    }

    /// The first compile_commands.json among: `explicitPath`, the O= `buildDirectory`, the tree's root.
    public static func locate(tree: KernelTree, explicitPath: String? = nil, buildDirectory: String? = nil) -> String? {
        if let explicitPath { return explicitPath }
        let candidates = [buildDirectory.map { $0 + "/compile_commands.json" }, tree.root + "/compile_commands.json"]
        return candidates.compactMap { $0 }.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// The tree-relative files the database has entries for, sorted.
    public var files: [String] { entries.keys.sorted() }

    /// The filtered clang arguments of a tree-relative file's translation unit (the file itself not included).
    public func arguments(for relativePath: String) throws -> [String] {
        guard let rel = tree.relativePath(relativePath), let entry = entries[rel] else {
            throw KernelTreeError.noCompileCommand(relativePath, database: path)
        }
        return CompileFlagFilter.filter(entry.argv, directory: entry.directory, builtinIncludes: builtinIncludes)
    }

    private static func parse(_ data: Data, path: String) throws -> [Any] {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw KernelTreeError.compilationDatabaseMalformed(path, reason: "not valid JSON")
        }
        guard let array = object as? [Any] else {
            throw KernelTreeError.compilationDatabaseMalformed(path, reason: "top level is not an array")
        }
        return array
    }

    /// The path with symlinks resolved when it exists (the tree's root is), else as written.
    private static func resolved(_ path: String) -> String {
        guard let r = realpath(path, nil) else { return (path as NSString).standardizingPath }
        defer { free(r) }
        return String(cString: r)
    }
}
