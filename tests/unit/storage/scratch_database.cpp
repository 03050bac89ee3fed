// Scratch databases for the storage tests; see scratch_database.hpp.
#include "scratch_database.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string_view>

namespace cvw::storage::test {

std::optional<std::string> postgres_test_url() {
  const char* url = std::getenv("CVW_TEST_POSTGRES_URL");
  if (url == nullptr || *url == '\0') return std::nullopt;
  return std::string(url);
}

Result<std::unique_ptr<ScratchDatabase>> ScratchDatabase::create(Backend backend) {
  std::unique_ptr<ScratchDatabase> scratch(new ScratchDatabase);
  if (backend == Backend::sqlite) {
    std::string pattern = (std::filesystem::temp_directory_path() / "cvw-storage-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) return Error{500, "mkdtemp failed for " + pattern};
    scratch->folder_ = pattern;
    scratch->url_ = "sqlite:" + pattern + "/test.db";
    return scratch;
  }

  const std::optional<std::string> base = postgres_test_url();
  if (!base) return Error{500, "CVW_TEST_POSTGRES_URL is not set"};
  Result<std::unique_ptr<Database>> admin = open_database(*base);
  if (!admin) return admin.error();
  scratch->admin_ = std::move(*admin);
  // Unique across the processes ctest may run at once, and within one.
  static std::atomic<int> counter{0};
  scratch->schema_ = "cvw_test_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
  if (auto r = scratch->admin_->execute_script("DROP SCHEMA IF EXISTS " + scratch->schema_ +
                                               " CASCADE; CREATE SCHEMA " + scratch->schema_);
      !r)
    return r.error();
  const char separator = base->find('?') == std::string::npos ? '?' : '&';
  scratch->url_ = *base + separator + "options=-csearch_path%3D" + scratch->schema_;
  return scratch;
}

ScratchDatabase::~ScratchDatabase() {
  if (!folder_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(folder_, ec);
  }
  if (admin_) (void)admin_->execute_script("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
}

void BackendTest::SetUp() {
  if (GetParam() == Backend::postgresql && !postgres_test_url()) {
    const char* ci = std::getenv("CI");
    if (ci != nullptr && std::string_view(ci) == "true")
      GTEST_FAIL()
          << "CI=true but CVW_TEST_POSTGRES_URL is not set: the PostgreSQL tests must run in CI "
             "(run them through ctest, whose postgres fixture starts a server)";
    GTEST_SKIP() << "CVW_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against (run "
                    "through ctest, "
                    "whose postgres fixture starts one, or point it at a server)";
  }
  Result<std::unique_ptr<ScratchDatabase>> scratch = ScratchDatabase::create(GetParam());
  ASSERT_TRUE(scratch) << scratch.error().message;
  scratch_ = std::move(*scratch);
  Result<std::unique_ptr<Database>> db = scratch_->open();
  ASSERT_TRUE(db) << db.error().message;
  db_ = std::move(*db);
}

}  // namespace cvw::storage::test
