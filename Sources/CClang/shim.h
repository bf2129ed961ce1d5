// libclang's C API; the include path to Debian's LLVM is set by Package.swift.
#include <clang-c/Index.h>
#include <clang-c/CXCompilationDatabase.h>
