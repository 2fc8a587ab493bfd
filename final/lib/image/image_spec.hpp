// The process an image's config describes, put into a spec as engines do: Entrypoint followed by
// Cmd (a command given on the line replaces Cmd), Env, WorkingDir, and User as "uid[:gid]" or names
// looked up in the image's /etc/passwd and /etc/group.
#pragma once

#include "image/layout.hpp"
#include "spec/spec.hpp"

#include <string>
#include <vector>

namespace minirun {

// Everything but the user, which may need the layers.
void apply_image_config(Spec& spec, const ImageConfig& config, const std::vector<std::string>& command);

// The config's User, looked up in `lowers`, the unpacked layers (top first); with none
// (`spec --image`), only numbers are accepted.
User image_user(const std::string& user, const std::vector<std::string>& lowers);

}  // namespace minirun
