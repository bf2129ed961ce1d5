import Foundation
import Harness
import KernelTree

/// The tree "@TREE@" stands for in the inputs: $FTRLINT_FUZZ_TREE (scripts/fuzz sets testdata/hostile/trees/kvm-mini).
let tree: KernelTree = {
    let path = ProcessInfo.processInfo.environment["FTRLINT_FUZZ_TREE"] ?? "testdata/hostile/trees/kvm-mini"
    do { return try KernelTree(path: path) } catch { fatalError("FTRLINT_FUZZ_TREE: \(error)") }
}()

/// Where each input is written for CompilationDatabase to read (tmpfs when there is one).
let scratch: String = {
    let dir = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    return dir + "/ftrlint-fuzz-compiledb-\(getpid()).json"
}()

/// libFuzzer's entry point: one input through CompilationDatabase (FuzzHarness.compiledb).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzHarness.compiledb(Data(bytes: data, count: size), tree: tree, scratch: scratch)
    return 0
}

/// The executable's entry (SwiftPM aliases main to it): libFuzzer's driver with the callback above.
@_cdecl("fuzz_compiledb_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runLibFuzzer(argc, argv, fuzzOne)
}
