#include "cli/options.hpp"

#include "base/text.hpp"

#include <algorithm>

namespace minirun::cli {

namespace {

std::vector<std::string> split_names(const std::string& names) {
  std::vector<std::string> each;
  for (std::string_view name : split(names, ',')) each.emplace_back(name);
  return each;
}

bool is_option(const std::string& word) {
  return word.size() > 1 && word[0] == '-' && !(word[1] >= '0' && word[1] <= '9');
}

// "-b, --bundle DIR": an option as the help shows it.
std::string shown(const std::vector<std::string>& names, const std::string& value_name) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return value_name.empty() ? text : text + " " + value_name;
}

// "  --bundle DIR        Bundle directory": the help's rows, their second column aligned.
std::string rows(const std::vector<std::pair<std::string, std::string>>& rows) {
  size_t width = 0;
  for (const auto& [left, right] : rows) width = std::max(width, left.size());
  std::string text;
  for (const auto& [left, right] : rows) text += "  " + left + std::string(width - left.size() + 2, ' ') + right + "\n";
  return text;
}

UsageError usage_error(const Parsed& parsed, const std::string& message) {
  return UsageError(parsed.verb ? parsed.verb->name() : "usage", message);
}

}  // namespace

void Verb::option(const std::string& names, const std::string& value_name, const std::string& help,
                  std::function<void(const std::string&)> set) {
  options_.push_back({split_names(names), value_name, help, std::move(set)});
}

void Verb::option(const std::string& names, const std::string& value_name, const std::string& help, std::string& target) {
  option(names, value_name, help, [&target](const std::string& value) { target = value; });
}

void Verb::flag(const std::string& names, const std::string& help, bool& target) {
  options_.push_back({split_names(names), "", help, [&target](const std::string& value) {
                        if (value != "true" && value != "false") throw Error("\"" + value + "\" is not true or false");
                        target = value == "true";
                      }});
}

void Verb::argument(const std::string& name, const std::string& help, std::string& target, bool required) {
  arguments_.push_back({name, help, [&target](const std::string& value) { target = value; }, required, false});
}

void Verb::rest(const std::string& name, const std::string& help, std::vector<std::string>& target) {
  arguments_.push_back({name, help, [&target](const std::string& value) { target.push_back(value); }, false, true});
}

const Verb::Option* Verb::find(const std::string& name) const {
  for (const auto& option : options_) {
    if (std::ranges::find(option.names, name) != option.names.end()) return &option;
  }
  return nullptr;
}

std::string Verb::help() const {
  std::string usage = "usage: minirun " + name_ + (options_.empty() ? "" : " [options]");
  std::vector<std::pair<std::string, std::string>> listed;
  for (const auto& argument : arguments_) {
    std::string shown = argument.many ? "[-- " + argument.name + "...]" : argument.name;
    usage += " " + (argument.required || argument.many ? shown : "[" + shown + "]");
    listed.emplace_back(argument.name, argument.help);
  }
  for (const auto& option : options_) {
    listed.emplace_back(shown(option.names, option.value_name), option.help);
  }
  return usage + "\n\n" + description_ + "\n\n" + rows(listed);
}

Verb& CommandLine::add_verb(const std::string& name, const std::string& description) {
  return verbs_.emplace_back(name, description);
}

// A word that is not an option: the verb, then the verb's arguments in order.
void CommandLine::take_word(const std::string& word, Reading& at, const std::function<void(Verb&)>& on_verb) {
  if (!at.parsed.verb) {
    auto verb = std::ranges::find(verbs_, word, &Verb::name);
    if (verb == verbs_.end()) throw UsageError(word, "unknown command (minirun --help lists them)");
    at.parsed.verb = &*verb;
    on_verb(*verb);
    return;
  }
  auto& arguments = at.parsed.verb->arguments_;
  if (at.next_argument == arguments.size()) throw usage_error(at.parsed, "unexpected argument \"" + word + "\"");
  arguments[at.next_argument].set(word);
  if (arguments[at.next_argument].many) at.options_ended = true;  // the rest is the command's own
  else ++at.next_argument;
}

size_t CommandLine::take_option(const std::vector<std::string>& words, size_t i, Reading& at) {
  const std::string& word = words[i];
  std::string name = word.substr(0, word.find('='));
  const Verb::Option* option = at.parsed.verb ? at.parsed.verb->find(name) : nullptr;
  if (!option) option = global_.find(name);
  if (!option) throw usage_error(at.parsed, "unknown option " + name);
  std::string value = option->value_name.empty() ? "true" : "";
  if (word.size() > name.size()) {
    value = word.substr(name.size() + 1);
  } else if (!option->value_name.empty()) {
    if (i + 1 == words.size()) throw usage_error(at.parsed, name + " needs a value (" + option->value_name + ")");
    value = words[++i];
  }
  try {
    option->set(value);
  } catch (const Error& e) {
    throw usage_error(at.parsed, name + ": " + e.what());
  }
  return i;
}

Parsed CommandLine::parse(int argc, char** argv, const std::function<void(Verb&)>& on_verb) {
  std::vector<std::string> words(argv + 1, argv + argc);
  Reading at;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    std::string name = word.substr(0, word.find('='));
    if (at.options_ended || !is_option(word)) {
      take_word(word, at, on_verb);
    } else if (word == "--") {
      at.options_ended = true;
    } else if (name == "-h" || name == "--help") {
      at.parsed.help = true;
      return at.parsed;
    } else if (!at.parsed.verb && (name == "-v" || name == "--version")) {
      at.parsed.version = true;
      return at.parsed;
    } else {
      i = take_option(words, i, at);
    }
  }
  if (!at.parsed.verb) throw usage_error(at.parsed, "a command is needed (minirun --help lists them)");
  for (size_t a = at.next_argument; a < at.parsed.verb->arguments_.size(); ++a) {
    const auto& argument = at.parsed.verb->arguments_[a];
    if (argument.required) throw usage_error(at.parsed, argument.name + " is missing");
  }
  return at.parsed;
}

std::string CommandLine::help() const {
  std::vector<std::pair<std::string, std::string>> commands, globals;
  for (const auto& verb : verbs_) commands.emplace_back(verb.name(), verb.description());
  for (const auto& option : global_.options_) {
    globals.emplace_back(shown(option.names, option.value_name), option.help);
  }
  globals.emplace_back("-h, --help", "This help; COMMAND --help: the command's");
  globals.emplace_back("-v, --version", "The version, and the runtime spec it implements");
  return "usage: minirun [options] COMMAND [command options] [arguments]\n\n" + global_.description() +
         "\n\ncommands:\n" + rows(commands) + "\noptions:\n" + rows(globals);
}

}  // namespace minirun::cli
