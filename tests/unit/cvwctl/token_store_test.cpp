#include "tools/cvwctl/token_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace cvw::cvwctl {
namespace {

namespace fs = std::filesystem;

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

class TokenStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("cvwctl-token-store-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path root_;
  StoredSession session_{"https://127.0.0.1:8443", "access-abc", "refresh-def", 1767225600};
};

TEST_F(TokenStoreTest, RoundTripWithMode0600InAFolderItCreates0700) {
  const fs::path file = root_ / "config" / "cvw" / "cvwctl.json";
  TokenStore store(file);
  ASSERT_TRUE(store.save(session_).ok());
  EXPECT_EQ(mode_of(file), 0600u);
  EXPECT_EQ(mode_of(file.parent_path()), 0700u);
  Result<std::optional<StoredSession>> loaded = store.load();
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ(**loaded, session_);
  // Nothing else is left in the folder (the temporary file was renamed).
  EXPECT_EQ(std::distance(fs::directory_iterator(file.parent_path()), fs::directory_iterator()), 1);
}

TEST_F(TokenStoreTest, ReplacesAFileThatWasReadableByOthers) {
  const fs::path file = root_ / "cvwctl.json";
  { std::ofstream(file) << "{}"; }
  fs::permissions(file, fs::perms::all, fs::perm_options::replace);
  fs::permissions(root_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec,
                  fs::perm_options::replace);
  ASSERT_TRUE(TokenStore(file).save(session_).ok());
  EXPECT_EQ(mode_of(file), 0600u);
  // An existing folder keeps its mode: it is the user's, not ours.
  EXPECT_EQ(mode_of(root_), 0750u);
}

TEST_F(TokenStoreTest, MissingFileIsNoSessionAndRemovingItTwiceIsFine) {
  TokenStore store(root_ / "none.json");
  Result<std::optional<StoredSession>> loaded = store.load();
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded->has_value());
  ASSERT_TRUE(store.save(session_).ok());
  ASSERT_TRUE(store.remove().ok());
  EXPECT_FALSE(fs::exists(store.file()));
  EXPECT_TRUE(store.remove().ok());
}

TEST_F(TokenStoreTest, BrokenFileErrorNamesTheFileAndTheKey) {
  const fs::path file = root_ / "cvwctl.json";
  {
    std::ofstream(file)
        << R"({"server": "https://x", "accessToken": 5, "refreshToken": "r", "expiresAt": 1})";
  }
  Result<std::optional<StoredSession>> loaded = TokenStore(file).load();
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(
      loaded.error().message,
      file.string() + ": accessToken: must be a non-empty string (log in again to replace it)");
}

TEST(ParseSession, EachFaultNamed) {
  EXPECT_EQ(parse_session("nope").error().message.rfind("not JSON: ", 0), 0u);
  EXPECT_EQ(parse_session("[]").error().message, "must be a JSON object");
  EXPECT_EQ(
      parse_session(R"({"accessToken": "a", "refreshToken": "r", "expiresAt": 1})").error().message,
      "server: missing");
  EXPECT_EQ(
      parse_session(R"({"server": "s", "accessToken": "a", "refreshToken": "", "expiresAt": 1})")
          .error()
          .message,
      "refreshToken: must be a non-empty string");
  EXPECT_EQ(
      parse_session(R"({"server": "s", "accessToken": "a", "refreshToken": "r"})").error().message,
      "expiresAt: missing");
  EXPECT_EQ(parse_session(
                R"({"server": "s", "accessToken": "a", "refreshToken": "r", "expiresAt": "soon"})")
                .error()
                .message,
            "expiresAt: must be an integer (Unix seconds)");
}

TEST(ParseSession, SerializedFormIsTheDocumentedJson) {
  const StoredSession session{"https://cvw.example.com", "a", "r", 42};
  EXPECT_EQ(serialize_session(session),
            "{\n"
            "  \"server\": \"https://cvw.example.com\",\n"
            "  \"accessToken\": \"a\",\n"
            "  \"refreshToken\": \"r\",\n"
            "  \"expiresAt\": 42\n"
            "}\n");
  EXPECT_EQ(*parse_session(serialize_session(session)), session);
}

TEST(SessionFilePath, XdgConfigHomeThenHome) {
  EXPECT_EQ(*session_file_path("/xdg", "/home/ann"), fs::path("/xdg/cvw/cvwctl.json"));
  EXPECT_EQ(*session_file_path("", "/home/ann"), fs::path("/home/ann/.config/cvw/cvwctl.json"));
  // The XDG spec: a relative XDG_CONFIG_HOME is invalid and ignored.
  EXPECT_EQ(*session_file_path("relative", "/home/ann"),
            fs::path("/home/ann/.config/cvw/cvwctl.json"));
  EXPECT_FALSE(session_file_path("", "").ok());
}

}  // namespace
}  // namespace cvw::cvwctl
