// Storage URL parsing and password redaction.
#include "storage/storage_url.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cvw::storage {
namespace {

using testing::HasSubstr;
using testing::Not;

StorageUrl parsed(std::string_view url) {
  Result<StorageUrl> r = parse_storage_url(url);
  EXPECT_TRUE(r) << url << ": " << (r ? "" : r.error().message);
  return r ? *r : StorageUrl{};
}

std::string refusal(std::string_view url) {
  Result<StorageUrl> r = parse_storage_url(url);
  EXPECT_FALSE(r) << url << " was accepted";
  if (r) return "";
  EXPECT_EQ(r.error().status, 500);
  return r.error().message;
}

TEST(StorageUrl, SqlitePaths) {
  EXPECT_EQ(parsed("sqlite:cvw.db").target, "cvw.db");
  EXPECT_EQ(parsed("sqlite:data/cvw.db").target, "data/cvw.db");
  EXPECT_EQ(parsed("sqlite:/var/lib/cvw/cvw.db").target, "/var/lib/cvw/cvw.db");
  EXPECT_EQ(parsed("sqlite:///var/lib/cvw/cvw.db").target, "/var/lib/cvw/cvw.db");
  EXPECT_EQ(parsed("sqlite::memory:").target, ":memory:");
  EXPECT_EQ(parsed("sqlite:cvw.db").backend, StorageUrl::Backend::sqlite);
  // Taken literally: no percent-decoding.
  EXPECT_EQ(parsed("sqlite:my%20db.db").target, "my%20db.db");
}

TEST(StorageUrl, SqliteFaultsAreNamed) {
  EXPECT_THAT(refusal("sqlite:"), HasSubstr("empty database path"));
  EXPECT_THAT(refusal("sqlite://"), HasSubstr("empty database path"));
  EXPECT_THAT(refusal("sqlite://host/cvw.db"), HasSubstr("a host is not allowed"));
  EXPECT_THAT(refusal("sqlite:cvw.db?mode=ro"), HasSubstr("no parameters"));
  EXPECT_THAT(refusal(std::string_view("sqlite:a\0b", 10)), HasSubstr("NUL"));
}

TEST(StorageUrl, PostgresqlUrlsGoToLibpqAsWritten) {
  const StorageUrl pg = parsed("postgresql://cvw:secret@db.example:5433/cvw?sslmode=require");
  EXPECT_EQ(pg.backend, StorageUrl::Backend::postgresql);
  EXPECT_EQ(pg.target, "postgresql://cvw:secret@db.example:5433/cvw?sslmode=require");
  EXPECT_EQ(parsed("postgres://localhost/cvw").backend, StorageUrl::Backend::postgresql);
  EXPECT_EQ(parsed("postgresql://").target, "postgresql://");  // libpq's defaults
  EXPECT_THAT(refusal("postgresql:cvw"), HasSubstr("expected postgresql://"));
}

TEST(StorageUrl, OtherFaultsAreNamed) {
  EXPECT_THAT(refusal(""), HasSubstr("storage URL is empty"));
  EXPECT_THAT(refusal("cvw.db"), HasSubstr("no scheme"));
  EXPECT_THAT(refusal(":memory:"), HasSubstr("no scheme"));
  const std::string unknown = refusal("mysql://root:topsecret@localhost/cvw");
  EXPECT_THAT(unknown, HasSubstr("unknown scheme 'mysql'"));
  EXPECT_THAT(unknown, HasSubstr("root:***@localhost"));
  EXPECT_THAT(unknown, Not(HasSubstr("topsecret")));
  // Even a URL missing its "//" is not quoted with its password.
  EXPECT_THAT(refusal("cvw:topsecret@localhost/cvw"), Not(HasSubstr("topsecret")));
}

TEST(StorageUrl, RedactsPasswords) {
  EXPECT_EQ(redact_url("postgresql://cvw:s3cret@h:5432/cvw"), "postgresql://cvw:***@h:5432/cvw");
  EXPECT_EQ(redact_url("postgresql://cvw@h/cvw?password=s3cret&sslmode=require"),
            "postgresql://cvw@h/cvw?password=***&sslmode=require");
  EXPECT_EQ(redact_url("postgresql://cvw:a@b/c@h/cvw"),
            "postgresql://cvw:***@h/cvw");  // an unencoded '@'
  EXPECT_EQ(redact_url("postgresql://cvw@h:5432/cvw"), "postgresql://cvw@h:5432/cvw");
  EXPECT_EQ(redact_url("postgresql://h:5432/cvw"), "postgresql://h:5432/cvw");
  EXPECT_EQ(redact_url("sqlite:/var/lib/cvw.db"), "sqlite:/var/lib/cvw.db");
}

TEST(StorageUrl, HidesThePasswordInOtherMessages) {
  const std::string url = "postgresql://cvw:p%40ss@h/cvw";
  EXPECT_EQ(hide_password("bad token p%40ss near p@ss", url), "bad token *** near ***");
  EXPECT_EQ(hide_password("nothing to hide", url), "nothing to hide");
}

}  // namespace
}  // namespace cvw::storage
