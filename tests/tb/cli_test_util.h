// Running the real slqsim binary from tests: a private temp directory per test and the
// command's exit code, stdout and stderr.
#pragma once
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <chrono>

namespace slq::test {

inline const std::string kModel = std::string(SLQSIM_SOURCE_DIR) + "/data/lenet_fmnist.onnx";

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  explicit TempDir(const std::string& tag = "slqsim_test") {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            (tag + "_" + std::to_string(getpid()) + "_" + (test ? test->name() : "none"));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Result {
  int exit_code;
  std::string out, err;
};

// Runs a shell command with its output captured in dir.
inline Result run_command(const TempDir& dir, const std::string& command) {
  const std::string out = dir / "stdout.txt", err = dir / "stderr.txt";
  const int status = std::system((command + " >'" + out + "' 2>'" + err + "'").c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text(out), read_text(err)};
}

// Runs `slqsim ARGS` (a shell-quoted argument string).
inline Result slqsim(const TempDir& dir, const std::string& args) {
  return run_command(dir, std::string("'") + SLQSIM_BINARY + "' " + args);
}

// Runs `slqsim ARGS` (shell words, stdout redirected by the caller) with its log in `log`, waits
// until the log shows `when` (so the interrupt lands in a known phase, however busy the machine),
// then `delay` more, sends SIGINT, and returns the exit code (-1 if a signal ended it).
inline int interrupted_run(const std::string& args, const std::string& log, const std::string& when,
                    std::chrono::milliseconds delay) {
  const std::string cmd = std::string("exec '") + SLQSIM_BINARY + "' " + args + " 2>'" + log + "'";
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  if (pid < 0) return -2;
  for (int i = 0; i < 6000 && read_text(log).find(when) == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(delay);
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace slq::test
