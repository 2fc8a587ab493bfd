#include "spec/spec_support.hpp"

#include "base/error.hpp"
#include "base/log.hpp"
#include "spec/oci_fields.hpp"
#include "spec/schema.hpp"

#include <nlohmann/json.hpp>

#include <set>

namespace minirun {

namespace {

using nlohmann::json;

std::string join(const std::string& prefix, const std::string& key) { return prefix.empty() ? key : prefix + "." + key; }

// Every path the tables of schema.hpp reach.
struct Known {
  std::set<std::string> fields;     // "process.user.uid", "mounts[].options", ...
  std::set<std::string> free_form;  // objects whose keys are not field names: annotations, linux.sysctl
};

template <typename S>
void list_fields(const std::string& prefix, Known& known) {
  for_each_field<S>([&](const auto& row) {
    std::string path = join(prefix, row.key);
    for (size_t dot = path.find('.', prefix.size() + 1); dot != std::string::npos; dot = path.find('.', dot + 1)) {
      known.fields.insert(path.substr(0, dot));  // "linux" for "linux.namespaces"
    }
    known.fields.insert(path);
    using T = std::remove_cvref_t<decltype(S{}.*row.member)>;
    using Value = typename std::conditional_t<is_optional<T>::value, T, std::optional<T>>::value_type;
    if constexpr (Described<Value>) list_fields<Value>(path, known);
    if constexpr (ListOfDescribed<Value>) list_fields<typename Value::value_type>(path + "[]", known);
    if constexpr (is_map<Value>::value) known.free_form.insert(path);
  });
}

const Known& known_fields() {
  static const Known known = [] {
    Known k;
    list_fields<Spec>("", k);
    return k;
  }();
  return known;
}

void check_object(const json& object, const std::string& prefix);

void check_value(const json& value, const std::string& path) {
  if (known_fields().free_form.contains(path)) return;
  if (value.is_object()) check_object(value, path);
  if (value.is_array()) {
    for (const auto& element : value) {
      if (element.is_object()) check_object(element, path + "[]");
    }
  }
}

void check_object(const json& object, const std::string& prefix) {
  for (const auto& [key, value] : object.items()) {
    std::string path = join(prefix, key);
    if (!known_fields().fields.contains(path)) {
      if (in_oci_spec(path)) throw Error("unsupported field \"" + path + "\"");
      // Not a field of the spec: a newer spec's, or an engine's extension. The spec says a runtime
      // MUST NOT fail on it.
      log_debug("config.json: ignored \"" + path + "\", a property the runtime spec does not define");
      continue;
    }
    check_value(value, path);
  }
}


}  // namespace

void refuse_unsupported(const json& value, const std::string& prefix) {
  if (!value.is_object()) throw Error((prefix.empty() ? "config.json" : prefix) + ": not a JSON object");
  check_object(value, prefix);
}

}  // namespace minirun
