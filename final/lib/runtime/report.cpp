#include "runtime/report.hpp"

#include "base/error.hpp"
#include "base/files.hpp"
#include "base/text.hpp"
#include "runtime/container.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace minirun {

namespace {

using Row = std::vector<std::string>;

std::string command_line_of(pid_t pid) {
  std::string raw = read_file_if_any("/proc/" + std::to_string(pid) + "/cmdline").value_or("");
  std::replace(raw.begin(), raw.end(), '\0', ' ');
  while (!raw.empty() && raw.back() == ' ') raw.pop_back();
  return raw;
}

}  // namespace

nlohmann::ordered_json list_json(const StateRoot& root) {
  nlohmann::ordered_json states = nlohmann::ordered_json::array();
  for (const auto& id : root.ids()) {
    try {
      states.push_back(container_state(root, id));
    } catch (const Error&) {
      // Deleted in the meantime.
    }
  }
  return states;
}

std::string list_table(const StateRoot& root) {
  std::vector<Row> rows = {{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
  for (const auto& state : list_json(root)) {
    rows.push_back({state["id"], std::to_string(state["pid"].get<int>()), state["status"], state["bundle"],
                    state["created"], state["owner"]});
  }
  return aligned_columns(rows);
}

std::string ps_table(const std::vector<pid_t>& pids) {
  std::vector<Row> rows = {{"PID", "CMD"}};
  for (pid_t pid : pids) rows.push_back({std::to_string(pid), command_line_of(pid)});
  return aligned_columns(rows);
}

}  // namespace minirun
