import Foundation

/// The arm64 system register description (`arch/arm64/tools/sysreg`), parsed.
public struct SysregSpec: Sendable {
    /// The file the text came from, as given to the parser; used in error messages.
    public let path: String
    /// The `Sysreg` blocks, in file order.
    public let registers: [Sysreg]
    /// The `SysregFields` blocks, in file order.
    public let types: [SysregType]

    private let registerIndex: [String: Int]
    private let typeIndex: [String: Int]

    /// Parses the text of a sysreg file by gen-sysreg.awk's rules, also rejecting names and numbers that would make broken C.
    public init(text: String, path: String = "sysreg") throws {
        let parsed = try SysregParser.parse(text, path: path)
        self.path = path
        registers = parsed.registers
        types = parsed.types
        // The parser rejects duplicates; keeping the first keeps this total anyway.
        registerIndex = Dictionary(registers.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        typeIndex = Dictionary(types.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Parses file contents; bytes that are not UTF-8 become U+FFFD and fail as bad names where they matter.
    public init(data: Data, path: String = "sysreg") throws {
        try self.init(text: String(decoding: data, as: UTF8.self), path: path)
    }

    /// The `Sysreg` block called `name`.
    public func register(named name: String) -> Sysreg? {
        registerIndex[name].map { registers[$0] }
    }

    /// The `SysregFields` block called `name`.
    public func type(named name: String) -> SysregType? {
        typeIndex[name].map { types[$0] }
    }

    /// The fields describing register or field set `name` in the layout `prefix` (nil: the plain one),
    /// following `Fields` and `Mapping` to the block that declares them.
    public func fields(of name: String, prefix: String? = nil) -> [SysregField] {
        layout(of: name).filter { $0.prefix == prefix }
    }

    /// The field of `register` (a register or field set name) that covers bit `lsb`.
    public func field(register: String, lsb: Int, prefix: String? = nil) -> SysregField? {
        fields(of: register, prefix: prefix).first { $0.lsb <= lsb && lsb <= $0.msb }
    }

    /// The field of `register` (a register or field set name) called `name`.
    public func field(register: String, name: String, prefix: String? = nil) -> SysregField? {
        fields(of: register, prefix: prefix).first { $0.name == name }
    }

    /// A register's own fields plus those its `Fields`/`Mapping` chain leads to.
    private func layout(of name: String) -> [SysregField] {
        guard var reg = register(named: name) else { return type(named: name)?.fields ?? [] }
        var collected = reg.fields
        var visited: Set<String> = [name]
        // `visited` stops a Mapping cycle, which the generator does not reject.
        while let reference = reg.reference {
            switch reference {
            case .fields(let typeName):
                return collected + (type(named: typeName)?.fields ?? [])
            case .mapping(let target):
                guard visited.insert(target).inserted, let mapped = register(named: target) else { return collected }
                collected += mapped.fields
                reg = mapped
            }
        }
        return collected
    }
}
