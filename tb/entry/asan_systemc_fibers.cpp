// AddressSanitizer and SystemC's coroutines (docs/fuzzing.md, "Sanitizers and SystemC's
// coroutines"). Compiled into every program that links SystemC; empty unless built with GCC's
// -fsanitize=address.
//
// Debian's libsystemc 2.3.4 announces each QuickThreads switch to ASan through weak references to
// __sanitizer_start_switch_fiber(fake_stack_save, bottom, size), giving the new coroutine's stack.
// The main coroutine (the thread that called sc_start) has no stack of SystemC's own, so a switch
// back to it announces bottom = NULL, size = 0: ASan then takes the thread's stack to be empty,
// refuses to unpoison it when an exception is thrown there ("ASan is ignoring requested
// __asan_handle_no_return", google/sanitizers#189), and the stale poison of the frames the
// exception unwound gives false stack-buffer-overflow reports afterwards (an SC_METHOD that throws
// a StreamError, then sc_report_compose_message in SystemC's kernel).
//
// A thread that ends (returns, or throws an error out of its function) leaves through QuickThreads'
// abort path, which announces nothing: ASan then still takes the ended thread's stack for the
// current one while the kernel runs on again on the main stack, and the next exception there
// (sc_start passing the error on) meets the same refusal and false report. So the stack ASan
// believes current is tracked here, and __asan_handle_no_return (which GCC calls before every
// throw and noreturn call in instrumented code) first announces the stack the call really runs on
// when the two differ: the main thread's, or one of the coroutine stacks seen so far.
//
// LeakSanitizer has the same blind spot: it scans thread stacks, not the mmap'd stacks of
// coroutines, so what only a suspended SC_THREAD's locals still point to (a pass driver left
// waiting when a stream error stopped the simulation) was reported as leaked although it is
// reachable. Each coroutine stack is registered as an LSan root region the first time a switch
// announces it, so it is scanned like a thread's stack. (A stack SystemC unmaps stays registered;
// LSan scans only what is mapped, so at worst a leak could be hidden, never invented.)
//
// This definition takes precedence over libasan's for libsystemc's weak reference (the executable
// comes first in symbol lookup); it passes the thread's real stack for the main coroutine,
// registers coroutine stacks with LSan, and hands everything to libasan unchanged otherwise. SystemC also passes fake_stack_save = NULL, which makes ASan drop
// the thread's fake stack at every switch: hence detect_stack_use_after_return=0
// (tools/ci_sanitize.sh).
#if defined(__SANITIZE_ADDRESS__) && !defined(__clang__)  // clang links its ASan runtime statically
#include <dlfcn.h>
#include <pthread.h>
#include <sanitizer/lsan_interface.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

namespace {

struct Stack {
  const void* bottom = nullptr;
  size_t size = 0;
};

// The stack of the calling thread (for the main thread glibc finds it in /proc/self/maps, whatever
// stack the call runs on). Cached per thread: the thread that runs the SystemC kernel.
Stack thread_stack() {
  thread_local Stack stack;
  if (stack.bottom == nullptr) {
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
      void* addr = nullptr;
      size_t size = 0;
      if (pthread_attr_getstack(&attr, &addr, &size) == 0) stack = {addr, size};
      pthread_attr_destroy(&attr);
    }
  }
  return stack;
}

std::mutex& stacks_mutex() {
  static std::mutex* m = new std::mutex;  // never destroyed: used until exit
  return *m;
}
// Coroutine stacks seen so far, by bottom.
std::map<const char*, size_t>& coroutine_stacks() {
  static auto* stacks = new std::map<const char*, size_t>;
  return *stacks;
}
// The stack ASan was last told about (the main thread's until the first switch).
thread_local Stack announced;
thread_local bool announced_known = false;

// Registers a coroutine stack as an LSan root region once.
void register_root(const void* bottom, size_t size) {
  std::lock_guard<std::mutex> lock(stacks_mutex());
  if (coroutine_stacks().emplace(static_cast<const char*>(bottom), size).second)
    __lsan_register_root_region(bottom, size);
}

bool contains(const Stack& s, const void* p) {
  const char* c = static_cast<const char*>(p);
  const char* b = static_cast<const char*>(s.bottom);
  return b != nullptr && c >= b && c < b + s.size;
}

using Start = void (*)(void**, const void*, size_t);
using Finish = void (*)(void*, const void**, size_t*);
template <class F>
F real(const char* name) {
  F f = reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
  if (f == nullptr) {
    std::fprintf(stderr, "asan_systemc_fibers: libasan's %s not found\n", name);
    std::abort();
  }
  return f;
}

}  // namespace

extern "C" void __sanitizer_start_switch_fiber(void** fake_stack_save, const void* bottom, size_t size) {
  static const Start start = real<Start>("__sanitizer_start_switch_fiber");
  if (bottom == nullptr && size == 0) {  // back to the main coroutine: the thread's own stack
    const Stack s = thread_stack();
    bottom = s.bottom;
    size = s.size;
  } else if (bottom != nullptr && size != 0) {  // a coroutine's own stack
    register_root(bottom, size);
  }
  announced = {bottom, size};
  announced_known = true;
  start(fake_stack_save, bottom, size);
}

namespace {

// Announces the stack the caller really runs on when ASan was last told about another one (after
// a thread ended through QuickThreads' abort path, which announces nothing): the thread's own
// stack, or one of the coroutine stacks seen so far.
void announce_actual_stack(const void* sp) {
  static const Start start = real<Start>("__sanitizer_start_switch_fiber");
  static const Finish finish = real<Finish>("__sanitizer_finish_switch_fiber");
  if (!announced_known || contains(announced, sp)) return;
  Stack actual = thread_stack();
  if (!contains(actual, sp)) {
    actual = {};
    std::lock_guard<std::mutex> lock(stacks_mutex());
    for (const auto& [b, n] : coroutine_stacks())
      if (contains({b, n}, sp)) actual = {b, n};
  }
  if (actual.bottom != nullptr) {
    start(nullptr, actual.bottom, actual.size);
    finish(nullptr, nullptr, nullptr);
    announced = actual;
  }
}

// LeakSanitizer's check at exit scans each thread's stack as ASan knows it. When the last switch
// before exit was a thread ending, ASan still holds that coroutine's stack for the main thread's,
// and SystemC may have unmapped it since (or mapped other stacks over part of it): LSan then takes
// the stack pointer to be outside the stack, scans the whole stale range and its tracer dies on an
// unmapped page ("Tracer caught signal 11", LeakSanitizer's fatal error, at random with ASLR).
// This handler, registered after libasan's (so it runs before the leak check), announces the
// real stack first.
void announce_at_exit() { announce_actual_stack(__builtin_frame_address(0)); }
[[maybe_unused]] const bool at_exit_registered = (std::atexit(announce_at_exit), true);

}  // namespace

extern "C" void __asan_handle_no_return() {
  static const auto handle = real<void (*)()>("__asan_handle_no_return");
  announce_actual_stack(__builtin_frame_address(0));
  handle();
}
#endif
