// Ways to XXH3-128 one big file, for the "profile notes" in docs/benchmarks.md.
// Not part of pipe's build. Every variant prints the same digest as `xxhsum -H2`.
//
//   g++ -O2 -o /tmp/h_lib  tests/bench/hash_file_experiment.cpp -lxxhash            # Debian libxxhash (what pipe links)
//   g++ -O2 -march=x86-64-v3 -DINLINE -o /tmp/h_avx2 tests/bench/hash_file_experiment.cpp  # header-only, AVX2
//   /tmp/h_lib read FILE [BUFFER]   # read() into a static 64 KiB buffer (pipe's hash_fd today)
//   /tmp/h_avx2 mmap FILE           # mmap + MADV_SEQUENTIAL, hash the mapping in one call
//
// A real build would keep the binary portable with xxHash's runtime dispatch
// (xxh_x86dispatch.c) instead of -march.
#define XXH_STATIC_LINKING_ONLY
#ifdef INLINE
#define XXH_INLINE_ALL
#endif
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

static double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s read|mmap FILE [BUFFER]\n", argv[0]);
    return 2;
  }
  const char* mode = argv[1];
  const char* path = argv[2];
  const size_t buf = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 65536;
  const double t0 = now();
  const int fd = open(path, O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) return 1;
  XXH128_hash_t h;
  if (!std::strcmp(mode, "read")) {
    static unsigned char b[1 << 22];
    if (buf > sizeof b) return 2;
    XXH3_state_t s;
    XXH3_128bits_reset(&s);
    for (;;) {
      const ssize_t n = read(fd, b, buf);
      if (n <= 0) break;
      XXH3_128bits_update(&s, b, static_cast<size_t>(n));
    }
    h = XXH3_128bits_digest(&s);
  } else {
    void* p = mmap(nullptr, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) return 1;
    madvise(p, st.st_size, MADV_SEQUENTIAL);
    h = XXH3_128bits(p, st.st_size);
    munmap(p, st.st_size);
  }
  const double t = now() - t0;
  std::printf("%016llx%016llx  %s  (%s, %.3f s, %.2f GiB/s)\n", static_cast<unsigned long long>(h.high64),
              static_cast<unsigned long long>(h.low64), path, mode, t, st.st_size / t / (1 << 30));
  return 0;
}
