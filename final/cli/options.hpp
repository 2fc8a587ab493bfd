// The command line's grammar, as runc's engines speak it: global options, a verb, the verb's options
// and arguments. An option is `--name VALUE`, `--name=VALUE` or `-n VALUE`; a switch is `--name` or `-n`.
// Global options are also accepted after the verb. `--` ends the options; so does the first word of a
// trailing command (`exec ID sh -c ...`), so that the command's own options stay its own. A word
// starting with '-' and a digit is an argument (`kill ID -9`), never an option.
//
// Written for minirun rather than taken from a library: the usual C++ ones bring iostreams, whose
// locale tables (about 0.4 MiB of code) a static minirun would otherwise load at every start.
#pragma once

#include "base/error.hpp"

#include <deque>
#include <functional>
#include <string>
#include <vector>

namespace minirun::cli {

class Verb {
 public:
  Verb(std::string name, std::string description) : name_(std::move(name)), description_(std::move(description)) {}

  // `names`: "--bundle" or "-b,--bundle". `set` may throw Error for a value it refuses.
  void option(const std::string& names, const std::string& value_name, const std::string& help,
              std::function<void(const std::string&)> set);
  void option(const std::string& names, const std::string& value_name, const std::string& help, std::string& target);
  void flag(const std::string& names, const std::string& help, bool& target);
  // Arguments, in order: `required` ones first. `rest` takes every word after them.
  void argument(const std::string& name, const std::string& help, std::string& target, bool required = true);
  void rest(const std::string& name, const std::string& help, std::vector<std::string>& target);

  const std::string& name() const { return name_; }
  const std::string& description() const { return description_; }
  std::string help() const;

 private:
  friend class CommandLine;
  struct Option {
    std::vector<std::string> names;
    std::string value_name, help;  // no value_name: a switch
    std::function<void(const std::string&)> set;
  };
  struct Argument {
    std::string name, help;
    std::function<void(const std::string&)> set;
    bool required = true, many = false;
  };
  const Option* find(const std::string& name) const;

  std::string name_, description_;
  std::vector<Option> options_;
  std::vector<Argument> arguments_;
};

// What parse() found: a verb to run, or a request for help or the version, answered by the caller.
struct Parsed {
  Verb* verb = nullptr;
  bool help = false, version = false;
};

class CommandLine {
 public:
  explicit CommandLine(std::string description) : global_("", std::move(description)) {}
  Verb& global() { return global_; }
  Verb& add_verb(const std::string& name, const std::string& description);
  // Calls `on_verb` as soon as the verb is known, before its options are read (their errors are the
  // verb's). Throws UsageError.
  Parsed parse(int argc, char** argv, const std::function<void(Verb&)>& on_verb);
  std::string help() const;

 private:
  struct Reading {  // where parse() is in the command line
    Parsed parsed;
    size_t next_argument = 0;
    bool options_ended = false;
  };
  void take_word(const std::string& word, Reading& at, const std::function<void(Verb&)>& on_verb);
  // Returns the index of the last word it used: the option's value may be the next one.
  size_t take_option(const std::vector<std::string>& words, size_t i, Reading& at);

  Verb global_;
  std::deque<Verb> verbs_;  // in the order `minirun --help` lists them (a deque: references stay valid)
};

// A command line minirun cannot read. `verb` is the verb it was for, or "usage".
struct UsageError : Error {
  UsageError(std::string for_verb, const std::string& message) : Error(message), verb(std::move(for_verb)) {}
  std::string verb;
};

}  // namespace minirun::cli
