import Foundation
import Harness

/// libFuzzer's entry point: one input through check --b4's patch parser (FuzzHarness.patch).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzHarness.patch(Data(bytes: data, count: size))
    return 0
}

/// The executable's entry (SwiftPM aliases main to it): libFuzzer's driver with the callback above.
@_cdecl("fuzz_patch_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runLibFuzzer(argc, argv, fuzzOne)
}
