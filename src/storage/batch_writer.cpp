// The wording of BatchWriter's log lines and errors; see batch_writer.hpp.
#include "storage/batch_writer.hpp"

#include "common/log.hpp"

namespace cvw::storage::detail {

void log_lost_batch(const std::string& name, std::size_t records, const std::string& why) {
  log().error("{}: {} records not written: {}", name, records, why);
}

Error writer_busy(const std::string& name, std::uint64_t pending, Duration waited) {
  return Error{503, name + ": " + std::to_string(pending) +
                        " records are not written yet: the storage writer has been busy for over " +
                        std::to_string(waited.count()) + " ms"};
}

}  // namespace cvw::storage::detail
