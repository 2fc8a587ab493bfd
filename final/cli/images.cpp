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

int images(const StateRoot& root, const ImagesArgs& a) {
  LayerStore store(a.store);
  if (a.prune) {
    for (const auto& digest : store.prune(root)) print("removed " + digest + "\n");
    return 0;
  }
  print(layers_table(store.list(root)));
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
