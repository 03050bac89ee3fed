// A test parameterized by storage backend with the app's schema migrated and
// a DirectoryService loaded on it (storage::test::BackendTest skips or, under
// CI=true, fails when the PostgreSQL test server is missing).
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "app/directory_service.hpp"
#include "app/directory_store.hpp"
#include "scratch_database.hpp"

namespace cvw::app::test {

class DirectoryTest : public storage::test::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    store_ = std::make_unique<DirectoryStore>(db());
    ASSERT_TRUE(store_->migrate().ok());
    directory_ = std::make_unique<DirectoryService>(*store_);
    ASSERT_TRUE(directory_->load().ok());
  }

  std::unique_ptr<DirectoryStore> store_;
  std::unique_ptr<DirectoryService> directory_;
};

}  // namespace cvw::app::test
