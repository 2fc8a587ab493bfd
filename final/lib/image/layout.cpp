#include "image/layout.hpp"

#include "base/digest.hpp"
#include "base/error.hpp"
#include "base/files.hpp"
#include "image/unpack.hpp"

#include <nlohmann/json.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>

namespace minirun {

namespace {

using json = nlohmann::json;

const char* const kRefName = "org.opencontainers.image.ref.name";

bool is_index(const std::string& media_type) {
  return media_type == "application/vnd.oci.image.index.v1+json" ||
         media_type == "application/vnd.docker.distribution.manifest.list.v2+json";
}

bool is_manifest(const std::string& media_type) {
  return media_type == "application/vnd.oci.image.manifest.v1+json" ||
         media_type == "application/vnd.docker.distribution.manifest.v2+json";
}

bool is_layout(const std::string& dir) { return ::access((dir + "/oci-layout").c_str(), F_OK) == 0; }

// DIR may hold a colon, and REF a slash and a colon ("localhost/app:1"): DIR is the shortest
// prefix that is an image layout.
std::pair<std::string, std::string> split_reference(const std::string& reference) {
  if (is_layout(reference)) return {reference, ""};
  for (size_t colon = reference.find(':'); colon != std::string::npos; colon = reference.find(':', colon + 1)) {
    if (is_layout(reference.substr(0, colon))) return {reference.substr(0, colon), reference.substr(colon + 1)};
  }
  throw Error("image " + reference + ": not an OCI image layout (no oci-layout file)");
}

// The GOARCH name image indexes use for this machine.
std::string this_architecture() {
  utsname host{};
  ::uname(&host);
  std::string machine = host.machine;
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  if (machine.starts_with("arm")) return "arm";
  if (machine == "i686" || machine == "i386") return "386";
  return machine;  // ppc64le, s390x, riscv64 are spelt the same
}

Descriptor descriptor_from(const json& j) {
  Descriptor d;
  d.media_type = j.value("mediaType", "");
  d.digest = j.at("digest").get<std::string>();
  d.size = j.at("size").get<int64_t>();
  digest_hex(d.digest);
  return d;
}

json read_json_blob(const std::string& layout, const Descriptor& blob) {
  if (blob.size > (4 << 20)) throw Error("blob " + blob.digest + ": " + std::to_string(blob.size) + " bytes, too big for JSON");
  return json::parse(read_rest(open_blob(layout, blob).get(), blob.digest));
}

std::string names_of(const std::vector<json>& manifests) {
  std::string names;
  for (const auto& m : manifests) {
    std::string name = m.contains("annotations") ? m["annotations"].value(kRefName, "") : "";
    if (m.contains("platform")) name += (name.empty() ? "" : " ") + m["platform"].value("os", "?") + "/" + m["platform"].value("architecture", "?");
    names += (names.empty() ? "" : ", ") + (name.empty() ? m.value("digest", "?") : name);
  }
  return names;
}

// The manifest the index (and the indexes it names) holds for REF, on this machine's platform.
Descriptor pick_manifest(const std::string& layout, const json& index, const std::string& ref) {
  std::vector<json> named;
  for (const auto& m : index.at("manifests")) {
    bool annotated = m.contains("annotations") && m["annotations"].value(kRefName, "") == ref;
    if (ref.empty() || annotated) named.push_back(m);
  }
  if (named.empty()) throw Error("image " + layout + ": no manifest named \"" + ref + "\" (it has: " + names_of(index.at("manifests").get<std::vector<json>>()) + ")");
  std::string platform = "linux/" + this_architecture();
  std::vector<json> usable;
  for (const auto& m : named) {
    bool here = !m.contains("platform") ||
                m["platform"].value("os", "") + "/" + m["platform"].value("architecture", "") == platform;
    if (here) usable.push_back(m);
  }
  if (usable.empty()) throw Error("image " + layout + ": no manifest for " + platform + " (it has: " + names_of(named) + ")");
  if (usable.size() > 1) throw Error("image " + layout + ": " + std::to_string(usable.size()) + " images (" + names_of(usable) + "); name one as DIR:REF");
  Descriptor chosen = descriptor_from(usable.front());
  if (is_index(chosen.media_type)) return pick_manifest(layout, read_json_blob(layout, chosen), "");
  if (!is_manifest(chosen.media_type)) throw Error("image " + layout + ": " + chosen.digest + ": not a manifest but \"" + chosen.media_type + "\"");
  return chosen;
}

std::vector<std::string> strings_or_none(const json& config, const char* key) {
  if (!config.contains(key) || config[key].is_null()) return {};
  return config[key].get<std::vector<std::string>>();
}

ImageConfig image_config_from(const json& blob) {
  ImageConfig config;
  if (!blob.contains("config") || blob["config"].is_null()) return config;
  const json& c = blob["config"];
  config.entrypoint = strings_or_none(c, "Entrypoint");
  config.cmd = strings_or_none(c, "Cmd");
  config.env = strings_or_none(c, "Env");
  config.working_dir = c.value("WorkingDir", "");
  config.user = c.value("User", "");
  return config;
}

Image read_image(const std::string& layout, const std::string& ref) {
  json index = json::parse(read_file(layout + "/index.json"));
  Descriptor manifest_blob = pick_manifest(layout, index, ref);
  json manifest = read_json_blob(layout, manifest_blob);
  Image image{layout, manifest_blob.digest, {}, {}};
  for (const auto& layer : manifest.at("layers")) {
    Descriptor d = descriptor_from(layer);
    if (!is_layer_media_type(d.media_type)) throw Error("layer " + d.digest + ": unknown media type \"" + d.media_type + "\"");
    image.layers.push_back(d);
  }
  image.config = image_config_from(read_json_blob(layout, descriptor_from(manifest.at("config"))));
  return image;
}

}  // namespace

std::string digest_hex(const std::string& digest) {
  std::string hex = digest.starts_with("sha256:") ? digest.substr(7) : "";
  bool valid = hex.size() == 64 && hex.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (!valid) throw Error("digest \"" + digest + "\": not sha256:<64 hex digits>");
  return hex;
}

Fd open_blob(const std::string& layout, const Descriptor& blob) {
  std::string path = layout + "/blobs/sha256/" + digest_hex(blob.digest);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw Error("blob " + blob.digest, path, errno);
  struct stat st {};
  check(::fstat(fd.get(), &st), "stat", path);
  if (st.st_size != blob.size) {
    throw Error("blob " + blob.digest + ": " + std::to_string(st.st_size) + " bytes where " + std::to_string(blob.size) + " were named");
  }
  if ("sha256:" + sha256_hex_of_fd(fd.get(), path) != blob.digest) throw Error("blob " + blob.digest + ": its content has another digest");
  check(::lseek(fd.get(), 0, SEEK_SET), "lseek", path);
  return fd;
}

Image open_image(const std::string& reference) {
  auto [layout, ref] = split_reference(reference);
  try {
    return read_image(layout, ref);
  } catch (const json::exception& e) {
    throw Error("image " + reference + ": " + e.what());
  }
}

}  // namespace minirun
