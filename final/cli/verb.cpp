#include "cli/cli.hpp"

#include <algorithm>
#include <cstdio>

namespace minirun::cli {

Verb& add_verb(CommandLine& line, Commands& commands, const std::string& name, const std::string& description,
               std::function<int(const StateRoot&)> action, int failure_status, bool enters) {
  commands.emplace_back(name, Command{std::move(action), failure_status, enters});
  return line.add_verb(name, description);
}

void print(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

std::function<void(const std::string&)> one_of(std::string& target, std::vector<std::string> allowed) {
  return [&target, allowed = std::move(allowed)](const std::string& value) {
    if (std::ranges::find(allowed, value) == allowed.end()) {
      std::string names;
      for (const auto& name : allowed) names += (names.empty() ? "" : " or ") + name;
      throw Error("\"" + value + "\" is not " + names);
    }
    target = value;
  };
}

}  // namespace minirun::cli
