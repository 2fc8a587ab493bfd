// bench/floor: the isolation a container needs and nothing else, for bench/run's "floor" row: a cgroup
// with the benchmark's limits (memory 64 MiB, swap included, pids 64), the pid, mount, uts, ipc and net
// namespaces, an overlay root with ROOTFS as its lower layer, pivot_root, a fresh /proc, exec.
//
//   floor ROOTFS SCRATCH_DIR CGROUP_NAME -- PROGRAM ARGS...        (as root)
//
// Exits with PROGRAM's status (128 + the signal that killed it), 1 when a system call failed. Either
// way it removes the cgroup and what it made in SCRATCH_DIR before it exits.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MEMORY_LIMIT "67108864"
#define PIDS_LIMIT "64"

static bool in_parent = true; // only the parent removes what was made; the children just exit
static bool clean_up_failed;
static char cgroup_dirs[2][PATH_MAX];
static int cgroup_count;
static char made_dirs[4][PATH_MAX]; // SCRATCH_DIR (unless it existed), upper, work, merged
static int made_count;

static void report(const char *operation, const char *path) {
  fprintf(stderr, "floor: %s%s%s: %s\n", operation, *path ? " " : "", path, strerror(errno));
}

static void clean_up(void);

static _Noreturn void fail(const char *operation, const char *path) {
  report(operation, path);
  if (in_parent) clean_up();
  _exit(1);
}

// join BUFFER DIR NAME: DIR/NAME, or DIR alone when NAME is NULL, in BUFFER (PATH_MAX bytes).
static char *join(char *buffer, const char *dir, const char *name) {
  int length = name ? snprintf(buffer, PATH_MAX, "%s/%s", dir, name) : snprintf(buffer, PATH_MAX, "%s", dir);
  if (length >= PATH_MAX) {
    errno = ENAMETOOLONG;
    fail("path", dir);
  }
  return buffer;
}

static void write_file(const char *dir, const char *name, const char *value, bool optional) {
  char path[PATH_MAX];
  int fd = open(join(path, dir, name), O_WRONLY | O_CLOEXEC);
  if (fd < 0 && optional && errno == ENOENT) return;
  if (fd < 0 || write(fd, value, strlen(value)) < 0) fail("write", path);
  close(fd);
}

static char *make_cgroup(const char *hierarchy, const char *name) {
  char *dir = join(cgroup_dirs[cgroup_count], hierarchy, name);
  if (mkdir(dir, 0755) < 0) fail("mkdir", dir);
  cgroup_count++;
  return dir;
}

static void create_cgroup(const char *name) {
  struct statfs fs;
  if (statfs("/sys/fs/cgroup", &fs) < 0) fail("statfs", "/sys/fs/cgroup");
  if (fs.f_type == CGROUP2_SUPER_MAGIC) {
    // A child's limit files exist only for the controllers its parent enables for its children.
    char enabled[256] = "";
    FILE *control = fopen("/sys/fs/cgroup/cgroup.subtree_control", "r");
    if (!control) fail("open", "/sys/fs/cgroup/cgroup.subtree_control");
    if (!fgets(enabled, sizeof enabled, control)) enabled[0] = '\0';
    fclose(control);
    if (!strstr(enabled, "memory") || !strstr(enabled, "pids"))
      write_file("/sys/fs/cgroup", "cgroup.subtree_control", "+memory +pids", false);
    char *dir = make_cgroup("/sys/fs/cgroup", name);
    write_file(dir, "memory.max", MEMORY_LIMIT, false);
    write_file(dir, "memory.swap.max", "0", true); // v2 counts swap alone; exists with swap accounting
    write_file(dir, "pids.max", PIDS_LIMIT, false);
  } else {
    // v1, or hybrid: the cgroup2 at /sys/fs/cgroup/unified has no controllers and is left alone.
    char *memory = make_cgroup("/sys/fs/cgroup/memory", name);
    write_file(memory, "memory.limit_in_bytes", MEMORY_LIMIT, false);
    // memory + swap may not be set below memory alone; the file exists with swap accounting
    write_file(memory, "memory.memsw.limit_in_bytes", MEMORY_LIMIT, true);
    write_file(make_cgroup("/sys/fs/cgroup/pids", name), "pids.max", PIDS_LIMIT, false);
  }
}

static char *make_dir(const char *dir, const char *name, bool may_exist) {
  char *path = join(made_dirs[made_count], dir, name);
  if (mkdir(path, 0755) == 0) made_count++;
  else if (!may_exist || errno != EEXIST) fail("mkdir", path);
  return path;
}

static int remove_entry(const char *path, const struct stat *status, int type, struct FTW *where) {
  (void)status, (void)type, (void)where;
  if (remove(path) < 0 && errno != ENOENT) {
    report("remove", path);
    clean_up_failed = true;
  }
  return 0;
}

static void clean_up(void) {
  for (int i = cgroup_count - 1; i >= 0; i--) {
    // A process that was just reaped may still count in its cgroup for a moment: retry while busy.
    for (int tries = 0; rmdir(cgroup_dirs[i]) < 0 && errno != ENOENT; tries++) {
      if (errno != EBUSY || tries == 1000) {
        report("rmdir", cgroup_dirs[i]);
        clean_up_failed = true;
        break;
      }
      usleep(1000);
    }
  }
  // The overlay went with the mount namespace; what it wrote into upper and work stays, so go deep.
  for (int i = made_count - 1; i >= 0; i--)
    if (nftw(made_dirs[i], remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT) {
      report("remove", made_dirs[i]);
      clean_up_failed = true;
    }
  cgroup_count = made_count = 0;
}

static int wait_for(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) fail("waitpid", "");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static _Noreturn void run_init(const char *rootfs, const char *upper, const char *work, const char *merged,
                               char **program) {
  // Mounts made from here on must not propagate back into the host's namespace.
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) fail("make private", "/");
  char options[3 * PATH_MAX + 64];
  int length = snprintf(options, sizeof options, "lowerdir=%s,upperdir=%s,workdir=%s,volatile", rootfs,
                        upper, work);
  if (mount("overlay", merged, "overlay", 0, options) < 0) {
    // "volatile" (no syncs of the upper layer) needs Linux 5.10; older kernels reject it with EINVAL.
    options[length - strlen(",volatile")] = '\0';
    if (errno != EINVAL || mount("overlay", merged, "overlay", 0, options) < 0) fail("mount overlay of", rootfs);
  }
  if (sethostname("floor", strlen("floor")) < 0) fail("sethostname", "floor");
  if (chdir(merged) < 0) fail("chdir", merged);
  // pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves the new one.
  if (syscall(SYS_pivot_root, ".", ".") < 0) fail("pivot_root", merged);
  if (umount2(".", MNT_DETACH) < 0) fail("umount old root", "/");
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) fail("mount proc", "/proc");
  if (chdir("/") < 0) fail("chdir", "/");
  execv(program[0], program);
  fail("execv", program[0]);
}

int main(int argc, char **argv) {
  if (argc < 6 || strcmp(argv[4], "--") != 0) {
    fprintf(stderr, "usage: floor ROOTFS SCRATCH_DIR CGROUP_NAME -- PROGRAM ARGS...\n");
    return 2;
  }
  const char *rootfs = argv[1], *scratch = argv[2], *cgroup_name = argv[3];
  char **program = argv + 5;

  make_dir(scratch, NULL, true);
  const char *upper = make_dir(scratch, "upper", false);
  const char *work = make_dir(scratch, "work", false);
  const char *merged = make_dir(scratch, "merged", false);
  create_cgroup(cgroup_name);

  pid_t child = fork();
  if (child < 0) fail("fork", "");
  if (child == 0) {
    in_parent = false;
    for (int i = 0; i < cgroup_count; i++) write_file(cgroup_dirs[i], "cgroup.procs", "0", false);
    if (unshare(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET) < 0) fail("unshare", "");
    // The new PID namespace takes the next child as its PID 1, not the caller.
    pid_t init = fork();
    if (init < 0) fail("fork", "");
    if (init == 0) run_init(rootfs, upper, work, merged, program);
    _exit(wait_for(init));
  }
  int status = wait_for(child);
  clean_up();
  return clean_up_failed ? 1 : status;
}
