#include "base/clock.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace minirun {

std::string now_rfc3339() {
  auto now = std::chrono::system_clock::now();
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  time_t seconds = static_cast<time_t>(ns / 1000000000);
  struct tm utc {};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<long long>(ns % 1000000000));
  return text;
}

}  // namespace minirun
