import Foundation

/// A kernel release as the top-level Makefile states it (VERSION.PATCHLEVEL.SUBLEVEL).
public struct KernelVersion: Comparable, Hashable, CustomStringConvertible, Sendable {
    public let major: Int
    public let minor: Int
    public let sublevel: Int
    /// EXTRAVERSION as written (e.g. "-rc3"), often empty.
    public let extraversion: String

    public init(major: Int, minor: Int, sublevel: Int = 0, extraversion: String = "") {
        self.major = major
        self.minor = minor
        self.sublevel = sublevel
        self.extraversion = extraversion
    }

    /// Reads the version from the top-level Makefile's text; nil when VERSION or PATCHLEVEL is missing.
    public init?(makefile text: String) {
        var values: [String: String] = [:]
        // The assignments sit at the top of the file; stop before the rules to stay cheap.
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(40) {
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { continue }
            let key = parts[0].trimmingCharacters(in: .whitespaces)
            guard ["VERSION", "PATCHLEVEL", "SUBLEVEL", "EXTRAVERSION"].contains(key), values[key] == nil else { continue }
            values[key] = parts[1].trimmingCharacters(in: .whitespaces)
        }
        guard let major = values["VERSION"].flatMap({ Int($0) }),
            let minor = values["PATCHLEVEL"].flatMap({ Int($0) })
        else { return nil }
        self.init(
            major: major, minor: minor, sublevel: values["SUBLEVEL"].flatMap { Int($0) } ?? 0,
            extraversion: values["EXTRAVERSION"] ?? "")
    }

    /// "6.12.117" plus any EXTRAVERSION, as `make kernelrelease` prints it (without local version).
    public var description: String { "\(major).\(minor).\(sublevel)\(extraversion)" }

    public static func < (a: KernelVersion, b: KernelVersion) -> Bool {
        (a.major, a.minor, a.sublevel) < (b.major, b.minor, b.sublevel)
    }

    /// True from release `major.minor` on, whatever the sublevel.
    public func isAtLeast(_ major: Int, _ minor: Int) -> Bool { (self.major, self.minor) >= (major, minor) }
}
