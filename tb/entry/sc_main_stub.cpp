// Debian's libsystemc.so defines main() and so needs an sc_main() in every program that links
// it. slqsim and the tests have their own main() and start SystemC with sc_start(), so this one
// only satisfies the linker; it is compiled into every executable (an archive member would not
// be pulled in by a reference from a shared library).
#include <cstdio>

extern "C" int sc_main(int, char*[]) {
  std::fprintf(stderr, "slqsim: sc_main is not used; this program has its own main()\n");
  return 1;
}
