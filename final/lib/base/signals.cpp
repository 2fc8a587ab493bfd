#include "base/signals.hpp"

#include "base/error.hpp"

#include <csignal>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

namespace minirun {

namespace {

constexpr std::pair<const char*, int> kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},
    {"TRAP", SIGTRAP}, {"ABRT", SIGABRT},     {"IOT", SIGIOT},     {"BUS", SIGBUS},
    {"FPE", SIGFPE},   {"KILL", SIGKILL},     {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2}, {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},   {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},   {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},   {"URG", SIGURG},
    {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH}, {"IO", SIGIO},       {"POLL", SIGPOLL},   {"PWR", SIGPWR},
    {"SYS", SIGSYS},
};

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

}  // namespace

int parse_signal(const std::string& text) {
  int number = 0;
  const char* end = text.data() + text.size();
  auto [rest, ec] = std::from_chars(text.data(), end, number);
  if (!text.empty() && ec == std::errc() && rest == end) {
    if (number > 0 && number < NSIG) return number;
    throw Error("invalid signal \"" + text + "\"");
  }
  std::string name = upper(text);
  if (name.starts_with("SIG")) name = name.substr(3);
  for (const auto& [known, signal] : kSignals) {
    if (name == known) return signal;
  }
  throw Error("invalid signal \"" + text + "\"");
}

SigpipeIgnored::SigpipeIgnored() : previous_(::signal(SIGPIPE, SIG_IGN)) {}

SigpipeIgnored::~SigpipeIgnored() { ::signal(SIGPIPE, previous_); }

}  // namespace minirun
