// The writer of the kill -9 durability test: opens the storage URL, then
// inserts rows 1, 2, ... one per transaction and prints "acked N" (flushed)
// after each commit returns. The test kills it at a random point and checks
// that every acknowledged row is in the database.
//
//   storage_durability_writer URL [LIMIT]
#include <cstdio>
#include <cstdlib>
#include <string>

#include "storage/database.hpp"

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s URL [LIMIT]\n", argv[0]);
    return 2;
  }
  // A bound, so that a writer whose test died does not run forever.
  const long limit = argc == 3 ? std::strtol(argv[2], nullptr, 10) : 100000;
  auto db = cvw::storage::open_database(argv[1]);
  if (!db) {
    std::fprintf(stderr, "writer: %s\n", db.error().message.c_str());
    return 1;
  }
  cvw::storage::Database& database = **db;
  if (auto r = database.execute(
          "CREATE TABLE IF NOT EXISTS acked (n BIGINT PRIMARY KEY, payload TEXT NOT NULL)");
      !r) {
    std::fprintf(stderr, "writer: %s\n", r.error().message.c_str());
    return 1;
  }
  const std::string payload(200, 'p');
  for (long n = 1; n <= limit; ++n) {
    cvw::Result<void> r = database.transaction([&]() -> cvw::Result<void> {
      if (auto e = database.execute("INSERT INTO acked (n, payload) VALUES ($1, $2)", {n, payload});
          !e)
        return e.error();
      return {};
    });
    if (!r) {
      std::fprintf(stderr, "writer: row %ld: %s\n", n, r.error().message.c_str());
      return 1;
    }
    std::printf("acked %ld\n", n);
    std::fflush(stdout);
  }
  return 0;
}
