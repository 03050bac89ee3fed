// The registrar's bindings in storage (table `registrations`, migration 6),
// so that a restart of cvwd keeps every UC client reachable instead of
// waiting up to an hour for each to register again (issue #5).
//
// The location service stays the one source of truth while cvwd runs: it
// calls save() (through LocationService::on_change) with an AoR's whole list
// of bindings after each change, and this store mirrors that snapshot. At
// start, load_into() puts the unexpired rows back.
//
// Writes are batched (storage::BatchWriter, see storage/batch_writer.hpp):
// a snapshot is queued and the queue is committed in one transaction after
// `flush_after` or at `batch_limit`, by a writer thread on a second
// connection when there is one, else on the loop. Within a batch the last
// snapshot of an AoR wins: its rows are deleted and its bindings inserted,
// so a REGISTER storm of one phone costs one rewrite per batch. A crash
// loses the last `flush_after` of changes (phones re-register on their own);
// a failed batch (logged, counted) leaves its AoRs' rows as they were until
// their next change rewrites them whole.
//
// The store does not know the directory: bindings of users deleted while
// cvwd was down come back from load_into() unless its `keep` filter drops
// them (the daemon passes "is still a user").
//
// Threading: every member function on the event-loop thread (the one that
// runs `timers`); the writer thread is internal.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "common/timer.hpp"
#include "registrar/location_service.hpp"
#include "storage/batch_writer.hpp"
#include "storage/database.hpp"

namespace cvw::app {

// One AoR's bindings as the location service had them after a change (empty:
// none left).
struct RegistrationSnapshot {
  std::string aor;
  std::vector<registrar::Binding> bindings;
};

// written / write_failures count AoR snapshots (a snapshot superseded by a
// later one of the same batch counts as written: what it said was replaced).
using RegistrationStoreMetrics = storage::BatchWriterMetrics;
using RegistrationStoreOptions = storage::BatchWriterOptions;

class RegistrationStore {
 public:
  // `db`: the loop's connection (the load; also writes when `writer` is
  // null). `writer`: a second connection to the same database for the
  // writer thread.
  RegistrationStore(storage::Database& db, TimerService& timers, std::unique_ptr<storage::Database> writer = nullptr,
                    RegistrationStoreOptions options = {});
  RegistrationStore(const RegistrationStore&) = delete;
  RegistrationStore& operator=(const RegistrationStore&) = delete;

  // Queues `aor`'s bindings as they are now (LocationService::on_change).
  void save(std::string_view aor, const std::vector<registrar::Binding>& now);

  // At start, into a location service that has no bindings yet: restores
  // every stored binding that has not expired by `now` and whose AoR `keep`
  // accepts (all when `keep` is empty), and returns how many it restored.
  // Rows that expired are deleted there and then; the AoRs `keep` refuses
  // are queued for deletion (an empty snapshot). Waits first for the
  // snapshots queued before it, like a read of the call history.
  Result<std::size_t> load_into(registrar::LocationService& locations, registrar::WallClock::time_point now,
                                const std::function<bool(std::string_view aor)>& keep = {});

  // Commits the queue now (with a writer thread: waits for it, 503 after
  // read_wait_limit); the error of a snapshot batch lost meanwhile, once.
  Result<void> flush() { return writer_.flush(); }

  // A snapshot; safe while the writer thread commits.
  RegistrationStoreMetrics metrics() const { return writer_.metrics(); }
  bool has_writer_thread() const { return writer_.has_writer_thread(); }

 private:
  storage::Database& db_;
  storage::BatchWriter<RegistrationSnapshot> writer_;
};

// Migration 6 of the app's schema (see directory_store.cpp).
extern const std::string_view kRegistrationsSchema;

}  // namespace cvw::app
