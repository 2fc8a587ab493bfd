#include "base/log.hpp"

#include "base/clock.hpp"
#include "base/fd.hpp"

#include <nlohmann/json.hpp>
#include <fcntl.h>
#include <unistd.h>

namespace minirun {

namespace {

LogConfig config;

std::string format(const std::string& level, const std::string& verb, const std::string& message) {
  if (!config.json) return "minirun: " + verb + ": " + (level == "error" ? "" : level + ": ") + message;
  nlohmann::json line = {{"level", level}, {"msg", verb + ": " + message}, {"time", now_rfc3339()}};
  return line.dump();
}

// One write(2) per line: lines from several processes never interleave.
bool write_line(int fd, const std::string& line) {
  return ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
}

void emit(const std::string& level, const std::string& verb, const std::string& message) {
  std::string line = format(level, verb, message) + "\n";
  if (config.file.empty()) {
    write_line(STDERR_FILENO, line);
    return;
  }
  Fd out(::open(config.file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666));
  if (!out.valid() || !write_line(out.get(), line)) {
    write_line(STDERR_FILENO, line);  // the log file is unusable: the message must not be lost
  }
}

}  // namespace

void configure_log(const LogConfig& new_config) { config = new_config; }

void log_error(const std::string& verb, const std::string& message) { emit("error", verb, message); }

void log_debug(const std::string& verb, const std::string& message) {
  if (config.debug) emit("debug", verb, message);
}

void log_warning(const std::string& verb, const std::string& message) { emit("warning", verb, message); }

void log_info(const std::string& verb, const std::string& message) {
  if (!config.file.empty()) emit("info", verb, message);
}

void notice(const std::string& verb, const std::string& message) {
  write_line(STDERR_FILENO, "minirun: " + verb + ": " + message + "\n");
  if (!config.file.empty()) emit("warning", verb, message);
}

void log_error(const std::string& message) { log_error(config.verb, message); }
void log_debug(const std::string& message) { log_debug(config.verb, message); }
void notice(const std::string& message) { notice(config.verb, message); }

}  // namespace minirun
