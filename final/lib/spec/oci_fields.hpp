// The fields the OCI runtime spec defines, to tell a field minirun cannot apply (refused) from a
// property the spec does not have (ignored, as the spec requires of a runtime).
#pragma once

#include <string>

namespace minirun {

// Whether the spec defines the field at this path ("linux.resources.blockIO", "mounts[].uidMappings").
bool in_oci_spec(const std::string& path);

}  // namespace minirun
