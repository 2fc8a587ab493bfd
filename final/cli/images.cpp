// minirun images [--store DIR] [--prune]: the layers unpacked in the store, their size and the
// containers stacking them; --prune removes those no container uses.
#include "cli/cli.hpp"
#include "image/layer_store.hpp"

#include <memory>

namespace minirun::cli {

namespace {

struct ImagesArgs {
  std::string store = kDefaultStore;
  bool prune = false;
};

// LAYER (its digest cut to 12 hex digits, as engines show IDs), BYTES right-aligned, USED BY.
std::string row(const std::string& layer, const std::string& bytes, const std::string& users) {
  std::string padded_layer = layer + std::string(layer.size() < 19 ? 19 - layer.size() : 0, ' ');
  std::string padded_bytes = std::string(bytes.size() < 12 ? 12 - bytes.size() : 0, ' ') + bytes;
  return padded_layer + padded_bytes + "  " + users + "\n";
}

std::string listed(const StoredLayer& layer) {
  std::string users;
  for (const auto& id : layer.used_by) users += (users.empty() ? "" : ",") + id;
  return row(layer.digest.substr(0, 19), std::to_string(layer.size), users.empty() ? "-" : users);
}

int images(const StateRoot& root, const ImagesArgs& a) {
  LayerStore store(a.store);
  if (a.prune) {
    for (const auto& digest : store.prune(root)) print("removed " + digest + "\n");
    return 0;
  }
  std::string table = row("LAYER", "BYTES", "USED BY");
  for (const auto& layer : store.list(root)) table += listed(layer);
  print(table);
  return 0;
}

}  // namespace

void add_images(CommandLine& line, Commands& commands) {
  auto args = std::make_shared<ImagesArgs>();
  auto& verb = add_verb(line, commands, "images", "List the image layers unpacked in the store (or --prune the unused)",
                        [args](const StateRoot& root) { return images(root, *args); });
  verb.option("--store", "DIR", std::string("Layer store (default: ") + kDefaultStore + ")", args->store);
  verb.flag("--prune", "Remove the layers no container uses", args->prune);
}

}  // namespace minirun::cli
