// mutate: makes the mutants of tests/mutants/mutants.txt and checks that the isolation matrix
// catches each of them. The table is built into this program (mutants_table.hpp, written by CMake),
// so the checks also run where the source tree is not (the virtual machines of scripts/vm-test).
//
//   mutate apply NAME SOURCE OUTPUT     writes SOURCE with NAME's edits applied to OUTPUT
//   mutate check NAME MATRIX BINARY     runs NAME's rows of MATRIX on BINARY; passes when the matrix
//                                       fails and its output says what NAME's entry says
//
// Exit status: 0 done, 1 the mutant or the check failed, 2 bad usage or table, 77 skipped (not root).
#include "mutants_table.hpp"  // kMutantsTable: the text of mutants.txt

#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr int kSkipped = 77;

struct Edit {
  std::string kind;  // delete, replace (with), move (after)
  std::string text, other;
};

struct Mutant {
  std::string name, step, stage;
  std::vector<Edit> edits;
  std::vector<std::string> rows, says;
};

struct TableError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string trimmed(const std::string& text) {
  auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

Mutant find_mutant(const std::string& name) {
  const std::string table = "tests/mutants/mutants.txt";
  std::istringstream in(kMutantsTable);
  Mutant mutant;
  bool inside = false;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    std::string where = table + ":" + std::to_string(number) + ": ";
    std::string text = trimmed(line);
    if (text.empty() || text.starts_with('#')) continue;
    if (text.starts_with("mutant ")) {
      if (inside) break;  // the next mutant begins
      std::istringstream fields(text.substr(7));
      Mutant read;
      fields >> read.name >> read.step >> read.stage;
      if (read.stage.empty()) throw TableError(where + "expected: mutant NAME STEP-DIRECTORY STAGE");
      inside = read.name == name;
      if (inside) mutant = read;
      continue;
    }
    if (!inside) continue;
    auto colon = text.find(':');
    if (colon == std::string::npos) throw TableError(where + "expected KEY: TEXT");
    std::string key = text.substr(0, colon);
    std::string value = trimmed(text.substr(colon + 1));
    if (key == "delete" || key == "replace" || key == "move") {
      mutant.edits.push_back({key, value, ""});
    } else if (key == "with" || key == "after") {
      bool pairs = !mutant.edits.empty() && mutant.edits.back().kind == (key == "with" ? "replace" : "move");
      if (!pairs) throw TableError(where + key + ": must follow " + (key == "with" ? "replace:" : "move:"));
      mutant.edits.back().other = value;
    } else if (key == "row") {
      mutant.rows.push_back(value);
    } else if (key == "says") {
      mutant.says.push_back(value);
    } else {
      throw TableError(where + "unknown key '" + key + "'");
    }
  }
  if (mutant.name.empty()) throw TableError(table + ": no mutant named " + name);
  if (mutant.edits.empty() || mutant.rows.empty() || mutant.says.empty()) {
    throw TableError(table + ": mutant " + name + " needs at least one edit, one row: and one says:");
  }
  return mutant;
}

// The position of the one occurrence of `text`; anything else is an error naming the mutant.
size_t only_occurrence(const std::string& source, const std::string& text, const Mutant& mutant) {
  auto first = source.find(text);
  if (first == std::string::npos || source.find(text, first + 1) != std::string::npos) {
    throw TableError("mutant " + mutant.name + ": '" + text + "' occurs " +
                     (first == std::string::npos ? "nowhere" : "more than once") + " in " + mutant.step +
                     "/main.cpp; update tests/mutants/mutants.txt to the step's code");
  }
  return first;
}

// [begin, end) of the whole line holding position `at`, newline included.
std::pair<size_t, size_t> line_around(const std::string& source, size_t at) {
  auto begin = source.rfind('\n', at);
  begin = begin == std::string::npos ? 0 : begin + 1;
  auto end = source.find('\n', at);
  end = end == std::string::npos ? source.size() : end + 1;
  return {begin, end};
}

std::string apply(std::string source, const Mutant& mutant) {
  for (const auto& edit : mutant.edits) {
    size_t at = only_occurrence(source, edit.text, mutant);
    if (edit.kind == "replace") {
      source.replace(at, edit.text.size(), edit.other);
    } else if (edit.kind == "delete") {
      auto [begin, end] = line_around(source, at);
      source.erase(begin, end - begin);
    } else {  // move
      auto [begin, end] = line_around(source, at);
      std::string line = source.substr(begin, end - begin);
      source.erase(begin, end - begin);
      auto [anchor_begin, anchor_end] = line_around(source, only_occurrence(source, edit.other, mutant));
      source.insert(anchor_end, line);
    }
  }
  return source;
}

int apply_command(const std::string& name, const std::string& input, const std::string& output) {
  Mutant mutant = find_mutant(name);
  std::ifstream in(input, std::ios::binary);
  if (!in) throw TableError("cannot read " + input + ": " + std::strerror(errno));
  std::ostringstream source;
  source << in.rdbuf();
  std::string mutated = "// Mutant " + name + " of " + mutant.step + "/main.cpp, made by tests/mutants/mutate.\n" +
                        apply(source.str(), mutant);
  std::ofstream out(output, std::ios::binary | std::ios::trunc);
  out << mutated;
  out.close();
  if (!out) throw TableError("cannot write " + output + ": " + std::strerror(errno));
  return 0;
}

// A row name as a Catch2 test spec: a comma would split it in two.
std::string as_test_spec(const std::string& row) {
  std::string spec;
  for (char c : row) {
    if (c == ',' || c == '[' || c == ']' || c == '\\') spec += '\\';
    spec += c;
  }
  return spec;
}

// Catch2 wraps long messages to fit its console width, breaking lines between words: compare text
// with every white-space character taken out.
std::string without_spaces(const std::string& text) {
  std::string kept;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) == 0) kept += c;
  }
  return kept;
}

// Runs argv with MATRIX_BINARY set; returns its exit status and its stdout and stderr together.
std::pair<int, std::string> run_matrix(const std::vector<std::string>& argv, const std::string& binary) {
  int pipe_fds[2];
  if (pipe(pipe_fds) == -1) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  pid_t child = fork();
  if (child == -1) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (child == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    dup2(pipe_fds[1], STDERR_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    setenv("MATRIX_BINARY", binary.c_str(), 1);
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    std::fprintf(stderr, "mutate: execv %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  close(pipe_fds[1]);
  std::string output;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = read(pipe_fds[0], buffer, sizeof buffer)) > 0 || (n == -1 && errno == EINTR)) {
    if (n > 0) output.append(buffer, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(child, &status, 0) == -1 && errno == EINTR) {
  }
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), output};
}

int check_command(const std::string& name, const std::string& matrix, const std::string& binary) {
  Mutant mutant = find_mutant(name);
  std::vector<std::string> argv{matrix, "--stage", mutant.stage, "--warn", "NoTests"};
  for (const auto& row : mutant.rows) argv.push_back(as_test_spec(row));
  auto [status, output] = run_matrix(argv, binary);
  std::cout << "The isolation matrix on mutant " << name << " (MATRIX_BINARY=" << binary << "):\n"
            << output << "(exit status " << status << ")\n\n";
  if (status == kSkipped || output.find("SKIPPED:") != std::string::npos) return kSkipped;
  if (status == 0) {
    std::cout << "FAILED: the matrix passed on mutant " << name << ": its rows cannot tell that the step's idea is missing\n";
    return 1;
  }
  int missing = 0;
  std::string said = without_spaces(output);
  for (const auto& words : mutant.says) {
    if (said.find(without_spaces(words)) == std::string::npos) {
      std::cout << "FAILED: the matrix failed on mutant " << name << " but does not say: " << words << '\n';
      ++missing;
    }
  }
  if (missing > 0) return 1;
  std::cout << "The matrix caught mutant " << name << " and said why.\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() == 4 && args[0] == "apply") return apply_command(args[1], args[2], args[3]);
    if (args.size() == 4 && args[0] == "check") return check_command(args[1], args[2], args[3]);
  } catch (const TableError& e) {
    std::cerr << "mutate: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "mutate: " << e.what() << '\n';
    return 1;
  }
  std::cerr << "usage: mutate apply NAME SOURCE OUTPUT | mutate check NAME MATRIX BINARY\n";
  return 2;
}
