// Where minirun's own messages go: one line per error, as text ("minirun: <verb>: <what>") or as a
// JSON line ({"level":"error","msg":...,"time":...}) for engines that parse them, on stderr or
// in the --log file.
#pragma once

#include <string>

namespace minirun {

struct LogConfig {
  std::string file;  // empty: stderr
  bool json = false;
  bool debug = false;
  std::string verb;  // the command being run: "minirun: <verb>: ..."
};

void configure_log(const LogConfig& config);
void log_error(const std::string& verb, const std::string& message);
void log_debug(const std::string& verb, const std::string& message);  // only with --debug
void log_warning(const std::string& verb, const std::string& message);
void log_info(const std::string& verb, const std::string& message);   // only into a --log file
// A message for the person at the terminal (like the OOM notice): always on stderr, and in the log.
void notice(const std::string& verb, const std::string& message);
// The same, for the command being run (LogConfig::verb).
void log_error(const std::string& message);
void log_debug(const std::string& message);
void notice(const std::string& message);

}  // namespace minirun
