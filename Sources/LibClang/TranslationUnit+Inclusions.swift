import CClang

extension TranslationUnit {
    /// Every file the parse read: the main file, then each header in the order the preprocessor entered
    /// it, each once, as libclang names them (clang_getInclusions). Files a guard skipped are listed once.
    public var includedFiles: [String] {
        final class Collector {
            var names: [String] = []
            var seen = Set<String>()
        }
        let collector = Collector()
        withExtendedLifetime(collector) {
            clang_getInclusions(
                raw,
                { file, _, _, data in
                    guard let file, let data else { return }
                    let collector = Unmanaged<Collector>.fromOpaque(data).takeUnretainedValue()
                    let name = consume(clang_getFileName(file))
                    if !name.isEmpty, collector.seen.insert(name).inserted { collector.names.append(name) }
                }, Unmanaged.passUnretained(collector).toOpaque())
        }
        return collector.names
    }
}
