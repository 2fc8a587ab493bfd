// Namespaces: what a container sees. A new one comes from unshare(CLONE_NEW*); an existing one is
// joined with setns() on a file such as /proc/PID/ns/net. Two kernel rules shape the order:
//   - a process never changes its own PID namespace: setns/unshare of CLONE_NEWPID only decides
//     where its *next child* is born, so a fork must follow;
//   - the mount namespace is joined last, because it changes which /proc/PID/ns files we can see.
#pragma once

#include "base/fd.hpp"
#include "spec/spec.hpp"

#include <sys/types.h>

#include <string>
#include <vector>

namespace minirun {

// Joins the namespaces the spec gives a path for and creates the others.
void enter_namespaces(const std::vector<Namespace>& namespaces);

// Writes /proc/PID/uid_map and gid_map (from outside the namespace: then any range may be mapped).
void write_id_maps(pid_t pid, const std::vector<IdMapping>& uids, const std::vector<IdMapping>& gids);

// Inside a new user namespace: become its root (uid and gid 0 inside, the mapped ids outside), so
// that files made from now on have an owner the namespace can name.
void become_user_namespace_root();

// The namespaces of a running process that differ from ours, opened in the order to join them.
struct OpenNamespace {
  std::string name;  // as in /proc/PID/ns/NAME
  Fd fd;
};
std::vector<OpenNamespace> open_namespaces_of(pid_t pid);
void join(const std::vector<OpenNamespace>& namespaces);

}  // namespace minirun
