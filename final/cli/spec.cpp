// minirun spec [--bundle DIR] [--image DIR[:REF]]: write the default config.json, or the one an
// image's config describes (its process; the bundle's rootfs is still the reader's to fill).
#include "base/files.hpp"
#include "cli/cli.hpp"
#include "image/image_spec.hpp"
#include "image/layout.hpp"
#include "spec/spec.hpp"

namespace minirun::cli {

namespace {

struct SpecArgs {
  std::string bundle = ".", image;
};

int write_spec(const SpecArgs& a) {
  Spec spec = default_spec();
  if (!a.image.empty()) {
    Image image = open_image(a.image);
    apply_image_config(spec, image.config, {});
    if (!image.config.user.empty()) spec.process.user = image_user(image.config.user, {});
  }
  write_new_file(a.bundle + "/config.json", to_text(spec));
  return 0;
}

}  // namespace

void add_spec(CommandLine& line, Commands& commands) {
  auto args = std::make_shared<SpecArgs>();
  auto& verb = add_verb(line, commands, "spec", "Write a default config.json into the bundle",
                        [args](const StateRoot&) { return write_spec(*args); });
  verb.option("-b,--bundle", "DIR", "Bundle directory (default: .)", args->bundle);
  verb.option("--image", "DIR[:REF]", "Take the process (command, env, cwd, user) from an OCI image layout", args->image);
}

}  // namespace minirun::cli
