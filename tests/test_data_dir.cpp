// Where the program finds its chips, energy tables and plot scripts (docs/install.md): the override, an
// install beside the executable wherever it was moved, the source tree, and one error naming every place.
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "helpers.hpp"
#include "spikeworm/app/data_dir.hpp"
#include "spikeworm/core/error.hpp"

namespace spikeworm {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// A data folder: configs/chips and configs/energy.
fs::path make_data(const fs::path& dir) {
  fs::create_directories(dir / "configs" / "chips");
  fs::create_directories(dir / "configs" / "energy");
  return dir;
}

TEST(data_dir, an_install_finds_share_beside_its_executable_wherever_it_moved) {
  test::temp_dir t;
  const auto share = make_data(t.path() / "moved" / "share" / "spikeworm");
  const auto source = make_data(t.path() / "src");
  EXPECT_EQ(app::find_data_dir("", t.path() / "moved" / "bin" / "spikeworm", source), share);
}

TEST(data_dir, a_build_tree_falls_back_to_the_source_tree) {
  test::temp_dir t;
  const auto source = make_data(t.path() / "src");
  EXPECT_EQ(app::find_data_dir("", t.path() / "build" / "cli" / "spikeworm", source), source);
  EXPECT_EQ(app::find_data_dir("", fs::path(), source), source) << "no /proc: the source tree still serves";
}

TEST(data_dir, the_override_wins_and_a_wrong_one_is_an_error_naming_it) {
  test::temp_dir t;
  make_data(t.path() / "share" / "spikeworm");
  const auto mine = make_data(t.path() / "mine");
  EXPECT_EQ(app::find_data_dir(mine.string(), t.path() / "bin" / "spikeworm", fs::path()), mine);
  const auto wrong = (t.path() / "nothing_here").string();
  try {
    app::find_data_dir(wrong, t.path() / "bin" / "spikeworm", t.path());
    FAIL() << "a wrong SPIKEWORM_DATA_DIR must not be passed over";
  } catch (const error& e) {
    EXPECT_THAT(e.what(), HasSubstr("SPIKEWORM_DATA_DIR=" + wrong));
  }
}

TEST(data_dir, nothing_found_is_one_error_naming_every_place_looked) {
  test::temp_dir t;
  try {
    app::find_data_dir("", t.path() / "opt" / "bin" / "spikeworm", t.path() / "gone");
    FAIL() << "no data folder anywhere";
  } catch (const error& e) {
    EXPECT_THAT(e.what(), HasSubstr((t.path() / "opt" / "share" / "spikeworm").string()));
    EXPECT_THAT(e.what(), HasSubstr((t.path() / "gone").string()));
    EXPECT_THAT(e.what(), HasSubstr("SPIKEWORM_DATA_DIR"));
  }
}

TEST(data_dir, this_build_finds_the_source_tree) {
  EXPECT_TRUE(fs::exists(app::data_dir() / "configs" / "energy" / "cmos45_fp32.toml"));
}

}  // namespace
}  // namespace spikeworm
