import Foundation
import KernelModel
import KernelTree
import Rules
import XCTest

@testable import FtrLint

/// On the Debian trees: describing a field KVM passes through introduces exactly that leak, and
/// nothing once KVM hides it. The trees are changed in memory only (an overlay), never on disk. The KVM
/// analysis is still being made precise, so only the difference the injected change makes is asserted.
final class DiffRealTreeTests: XCTestCase {
    static let field = "ID_AA64DFR0_EL1.TraceBuffer"

    /// cpufeature.c with an ARM64_FTR_BITS entry for TraceBuffer (bits 47:44) at the top of ftr_id_aa64dfr0[].
    static func describingTraceBuffer(_ source: String, version: String) throws -> String {
        let anchor = "static const struct arm64_ftr_bits ftr_id_aa64dfr0[] = {\n"
        _ = try XCTUnwrap(source.range(of: anchor), "\(version): ftr_id_aa64dfr0[] not found")
        // 5.10 has no sysreg file: name the shift the way its own macros do.
        let shift = version == "5.10" ? "ID_AA64DFR0_TRACEBUFFER_SHIFT" : "ID_AA64DFR0_EL1_TraceBuffer_SHIFT"
        let define = version == "5.10" ? "#define ID_AA64DFR0_TRACEBUFFER_SHIFT 44\n" : ""
        return source.replacingOccurrences(
            of: anchor,
            with: define + anchor
                + "\tARM64_FTR_BITS(FTR_HIDDEN, FTR_NONSTRICT, FTR_LOWER_SAFE, \(shift), 4, 0),\n")
    }

    /// sys_regs.c hiding bits 47:44 of ID_AA64DFR0_EL1 right where it reads the sanitised value: in the
    /// register's own reader where it has one (6.12's .reset), else in the reader of every ID register.
    static func hidingTraceBuffer(_ source: String) throws -> String {
        let hide = "\tval &= ~(0xfULL << 44);\n"
        let reads = [
            ("\tu64 val = read_sanitised_ftr_reg(SYS_ID_AA64DFR0_EL1);\n", hide),
            ("\tval = read_sanitised_ftr_reg(id);\n", "\tif (id == SYS_ID_AA64DFR0_EL1)\n\t" + hide),
            ("\tu64 val = raz ? 0 : read_sanitised_ftr_reg(id);\n", "\tif (id == SYS_ID_AA64DFR0_EL1)\n\t" + hide),
        ]
        let (read, hiding) = try XCTUnwrap(
            reads.first { source.contains($0.0) },
            "sys_regs.c: the read of the sanitised value was not found")
        return source.replacingOccurrences(of: read, with: read + hiding)
    }

    func analysis(_ root: String, overlay: [String: String] = [:]) throws -> Analysis {
        try Analysis(options: try TreeOptions.parse([root]), policy: try Policy.shipped(), overlay: overlay)
    }

    func testDescribingAFieldKvmPassesThroughIsExactlyOneNewLeak() throws {
        for version in RealTrees.versions {
            let root = try RealTrees.root(version)
            let tree = try KernelTree(path: root)
            let cpufeature = try Self.describingTraceBuffer(try tree.read(CheckRun.cpufeature), version: version)
            let base = try analysis(root)
            XCTAssertFalse(base.fields.contains(Self.field), "\(version): TraceBuffer is not described yet")
            let injected = try analysis(root, overlay: [CheckRun.cpufeature: cpufeature])
            XCTAssertTrue(injected.fields.contains(Self.field), version)
            let diff = FindingDiff(old: base.findings, new: injected.findings)
            XCTAssertEqual(
                Set(diff.introduced.map(\.key)), [Self.field],
                "\(version): \(diff.introduced.map { "\($0.rule) \($0.key): \($0.message)" })")
            let leak = diff.introduced.first { $0.rule == "leak" }
            XCTAssertEqual(leak?.severity, .error, "\(version): \(diff.introduced.map(\.message))")
            XCTAssertEqual(leak?.location.path, CheckRun.cpufeature)
            XCTAssertTrue(leak?.message.contains("TRBLIMITR_EL1") ?? false, leak?.message ?? "")
            XCTAssertTrue(diff.fixed.isEmpty, "\(version): \(diff.fixed.map(\.key))")
            XCTAssertEqual(ReportSettings.status(diff.introduced, failOn: .error), ExitStatus.findings)

            // With KVM hiding the field, describing it introduces nothing.
            let hidden = try Self.hidingTraceBuffer(try tree.read(CheckRun.sysRegs))
            let base2 = try analysis(root, overlay: [CheckRun.sysRegs: hidden])
            let both = try analysis(root, overlay: [CheckRun.sysRegs: hidden, CheckRun.cpufeature: cpufeature])
            let quiet = FindingDiff(old: base2.findings, new: both.findings)
            XCTAssertEqual(quiet.introduced.map { "\($0.rule) \($0.key)" }, [], version)
        }
    }
}
