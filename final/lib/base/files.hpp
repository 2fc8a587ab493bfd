// Whole files minirun writes: state.json, the effective config.json, pid files and the
// config.json of `minirun spec`.
#pragma once

#include <string>

namespace minirun {

// Writes a temporary file next to `path` and renames it over `path`: a reader sees the old or the
// new file, never half of one. A full file system fails the write (ENOSPC) and the temporary goes.
void write_file(const std::string& path, const std::string& text);

// Creates `path` holding `text`; an Error if something of that name exists already.
void write_new_file(const std::string& path, const std::string& text);

}  // namespace minirun
