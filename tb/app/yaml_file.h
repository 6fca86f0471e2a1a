// Reading YAML files that come from users (config files, energy tables) safely: no anchors or
// aliases (a self-reference is a cycle, nested aliases a "billion laughs"), bounded nesting, and
// every error an InputError naming the file, the line and column, and the reason. Implemented in
// cli.cpp, next to the config reader that uses the same checks.
#pragma once
#include <string>

#include <yaml-cpp/yaml.h>

namespace slq {

// The file's YAML; `bytes`, if given, receives the file's bytes (for a digest).
YAML::Node read_yaml_file(const std::string& path, std::string* bytes = nullptr);
YAML::Node parse_yaml_text(const std::string& text, const std::string& file);
// "line L, column C" of a node's mark ("" if unknown).
std::string yaml_position(const YAML::Mark& mark);

}  // namespace slq
