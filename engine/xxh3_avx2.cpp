// Built with -mavx2 (see CMakeLists.txt); only called when the CPU has AVX2.
#define XXH3_KERNEL_NAMESPACE avx2
#include "xxh3_kernel.inc"
