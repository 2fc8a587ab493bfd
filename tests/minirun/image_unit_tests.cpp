// Unit tests of the image module that need no root: the process an image config describes, and the
// user it names, looked up in the image's own files and never in the host's.

#include "base/error.hpp"
#include "image/image_spec.hpp"
#include "image/layout.hpp"
#include "spec/spec.hpp"

#include "../harness/files.hpp"

#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>

using namespace minirun;

namespace {

// A layer directory holding etc/passwd and etc/group.
std::string layer_with_accounts(const harness::TempDir& tmp, const std::string& name, const std::string& passwd,
                                const std::string& group) {
  std::string layer = tmp / name;
  std::filesystem::create_directories(layer + "/etc");
  harness::write_file(layer + "/etc/passwd", passwd);
  harness::write_file(layer + "/etc/group", group);
  return layer;
}

}  // namespace

TEST_CASE("image config: Entrypoint, then Cmd or the command given, Env with a PATH, WorkingDir", "[unit][image]") {
  Spec spec = default_spec();
  ImageConfig config{{"/bin/app"}, {"--serve"}, {"A=1"}, "/work", ""};
  apply_image_config(spec, config, {});
  CHECK(spec.process.args == std::vector<std::string>{"/bin/app", "--serve"});
  CHECK(spec.process.env == std::vector<std::string>{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "A=1"});
  CHECK(spec.process.cwd == "/work");
  apply_image_config(spec, config, {"--check"});
  CHECK(spec.process.args == std::vector<std::string>{"/bin/app", "--check"});

  config.env = {"PATH=/opt/bin"};
  apply_image_config(spec, config, {});
  CHECK(spec.process.env == std::vector<std::string>{"PATH=/opt/bin"});
  config.working_dir = "work";
  CHECK_THROWS_WITH(apply_image_config(spec, config, {}), Catch::Contains("WorkingDir \"work\": not an absolute path"));
  CHECK_THROWS_WITH(apply_image_config(spec, ImageConfig{}, {}), Catch::Contains("no Entrypoint, no Cmd"));
}

TEST_CASE("image user: numbers, or names from the topmost layer's /etc/passwd and /etc/group", "[unit][image]") {
  harness::TempDir tmp;
  std::string lower = layer_with_accounts(tmp, "lower", "app:x:1000:1000::/:/bin/sh\n", "app:x:1000:\n");
  std::string upper = layer_with_accounts(tmp, "upper", "app:x:2000:2001::/:/bin/sh\n", "staff:x:50:\n");
  CHECK(image_user("1:2", {}).uid == 1);
  CHECK(image_user("1:2", {}).gid == 2);
  CHECK(image_user("7", {}).gid == 0);
  User app = image_user("app", {upper, lower});  // the upper layer's file hides the lower one's
  CHECK(app.uid == 2000);
  CHECK(app.gid == 2001);
  CHECK(image_user("app:staff", {upper, lower}).gid == 50);
  CHECK(image_user("2000", {upper}).gid == 2001);
  CHECK_THROWS_WITH(image_user("nobody", {upper}), Catch::Contains("no such user"));
  CHECK_THROWS_WITH(image_user("app:wheel", {upper}), Catch::Contains("no such group"));
  CHECK_THROWS_WITH(image_user("app", {}), Catch::Contains("only numbers here"));
}

// An image is untrusted: a layer whose etc is a symlink to the host's /etc must not lend the host's
// accounts to the container's user.
TEST_CASE("image user: a layer's etc that is a symlink is not followed to the host's files", "[unit][image][security]") {
  harness::TempDir tmp;
  std::string layer = tmp / "layer";
  std::filesystem::create_directories(layer);
  REQUIRE(::symlink("/etc", (layer + "/etc").c_str()) == 0);
  REQUIRE(harness::read_file("/etc/passwd").value_or("").starts_with("root:"));
  CHECK_THROWS_WITH(image_user("root", {layer}), Catch::Contains("no such user"));
}

TEST_CASE("digests: sha256 and 64 lower-case hex digits, nothing else", "[unit][image]") {
  std::string hex(64, 'a');
  CHECK(digest_hex("sha256:" + hex) == hex);
  CHECK_THROWS_WITH(digest_hex("sha512:" + hex), Catch::Contains("not sha256:<64 hex digits>"));
  CHECK_THROWS(digest_hex("sha256:" + hex.substr(1)));
  CHECK_THROWS(digest_hex("sha256:../../../etc/passwd" + std::string(40, 'a')));
  CHECK_THROWS(digest_hex("sha256:" + std::string(64, 'A')));
}
