// Login sessions' housekeeping (app/sessions.hpp): a session nobody can
// refresh any more is ended by purge_expired(), in memory, in storage and on
// its event channel, while live ones stay. Both storage backends.
#include <gtest/gtest.h>

#include "app/sessions.hpp"
#include "directory_fixture.hpp"

namespace cvw::app {
namespace {

class SessionsTest : public test::DirectoryTest {
 protected:
  void SetUp() override {
    DirectoryTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    directory::User u;
    u.sip_uri = "sip:alice@example.com";
    u.display_name = "Alice";
    ASSERT_TRUE(directory_->create_user(u).ok());
    sessions_ = make();
    ASSERT_TRUE(sessions_->load().ok());
  }
  std::unique_ptr<Sessions> make() {
    SessionConfig config;
    config.access_lifetime = std::chrono::seconds(60);
    config.refresh_lifetime = std::chrono::seconds(600);
    auto s = std::make_unique<Sessions>(*store_, *directory_, config, [this] { return now_; });
    s->on_closed([this](const std::string& id) { closed_.push_back(id); });
    return s;
  }
  std::size_t stored() {
    auto rows = db().execute("SELECT COUNT(*) AS n FROM sessions");
    return rows.ok() ? static_cast<std::size_t>(rows->rows.at(0).integer(0)) : 999;
  }

  std::int64_t now_ = 1'800'000'000;
  std::unique_ptr<Sessions> sessions_;
  std::vector<std::string> closed_;
};

TEST_P(SessionsTest, ExpiredSessionsArePurgedEverywhereAndLiveOnesStay) {
  const directory::User& alice = *directory_->find_user("sip:alice@example.com");
  auto old_one = sessions_->open(alice);
  ASSERT_TRUE(old_one.ok());
  now_ += 300;
  auto new_one = sessions_->open(alice);
  ASSERT_TRUE(new_one.ok());
  auto none = sessions_->purge_expired();
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0u);

  now_ += 301;  // the first is past its 600 s refresh lifetime, the second not
  auto purged = sessions_->purge_expired();
  ASSERT_TRUE(purged.ok()) << purged.error().message;
  EXPECT_EQ(*purged, 1u);
  EXPECT_EQ(sessions_->size(), 1u);
  EXPECT_EQ(closed_, std::vector<std::string>{old_one->session_id}) << "its event channel is dropped";
  EXPECT_EQ(stored(), 1u);
  EXPECT_FALSE(sessions_->refresh(old_one->refresh_token).ok());
  EXPECT_TRUE(sessions_->refresh(new_one->refresh_token).ok());

  // A restart finds only the live one.
  auto restarted = make();
  ASSERT_TRUE(restarted->load().ok());
  EXPECT_EQ(restarted->size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Storage, SessionsTest, ::testing::ValuesIn(storage::test::kBothBackends),
                         storage::test::BackendName());

}  // namespace
}  // namespace cvw::app
