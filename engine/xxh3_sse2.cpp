#define XXH3_KERNEL_NAMESPACE sse2
#include "xxh3_kernel.inc"
