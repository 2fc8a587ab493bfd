// The numbers a user types on the command line: sizes (--memory 64M), counts (--pids 20),
// CPU shares (--cpus 0.5). Anything that is not a clean positive number is an Error, before
// anything is created.
#pragma once

#include <cstdint>
#include <string>

namespace minirun {

// "1048576", "512K", "64M", "1G" (powers of 1024, suffix in either case). Zero is refused.
int64_t parse_size(const std::string& text);

// A positive integer, e.g. a pids limit.
int64_t parse_count(const std::string& text);

// A positive number of CPUs, e.g. "0.5", turned into a CFS quota for the given period (µs).
int64_t cpus_to_quota(const std::string& text, int64_t period_us);

}  // namespace minirun
