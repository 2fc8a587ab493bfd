#include "base/log.hpp"

#include "base/clock.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>

namespace minirun {

namespace {

LogConfig config;

std::string format(const std::string& level, const std::string& verb, const std::string& message) {
  if (!config.json) return "minirun: " + verb + ": " + (level == "error" ? "" : level + ": ") + message;
  nlohmann::json line = {{"level", level}, {"msg", verb + ": " + message}, {"time", now_rfc3339()}};
  return line.dump();
}

void emit(const std::string& level, const std::string& verb, const std::string& message) {
  std::string line = format(level, verb, message) + "\n";
  if (config.file.empty()) {
    std::cerr << line << std::flush;
    return;
  }
  std::ofstream out(config.file, std::ios::app);
  if (out) {
    out << line;
  } else {
    std::cerr << line << std::flush;  // the log file is unusable: the message must not be lost
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
  std::cerr << "minirun: " << verb << ": " << message << std::endl;
  if (!config.file.empty()) emit("warning", verb, message);
}

void log_error(const std::string& message) { log_error(config.verb, message); }
void log_debug(const std::string& message) { log_debug(config.verb, message); }
void notice(const std::string& message) { notice(config.verb, message); }

}  // namespace minirun
