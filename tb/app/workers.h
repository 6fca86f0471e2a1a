// Worker processes of slqsim itself (run --jobs, sweep --jobs): started in their own process
// group, so a Ctrl-C reaches only the parent, which passes it on once.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

namespace slq::tb {

// The running slqsim executable.
std::string self_exe();
// Starts `args` (args[0] the executable) with stdin from /dev/null and stdout and stderr in
// `log`, and `env` (NAME=VALUE) added to the environment. Throws std::runtime_error when it
// cannot start.
pid_t spawn_worker(const std::vector<std::string>& args, const std::string& log,
                   const std::vector<std::string>& env = {});
// The last non-empty line of a file (a failed worker's error, for the message).
std::string last_line(const std::string& path);

}  // namespace slq::tb
