// libFuzzer entry point for the SDP parser (seed corpus: tests/fixtures/sdp).
//
// Checks more than "does not crash": whatever parses must serialize to text
// that parses back to the same model and serializes to the same bytes, so a
// B2BUA relaying a body never changes it on a second pass. The offer/answer
// code runs on every parsed description too, since it reads the same
// untrusted fields.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sdp/offer_answer.hpp"
#include "sdp/session.hpp"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

void exercise_offer_answer(const cvw::sdp::Session& offer) {
  cvw::sdp::LocalEndpoint endpoint;
  endpoint.address = "192.0.2.10";
  endpoint.media.push_back(
      cvw::sdp::LocalMedia{"audio", 30000, "RTP/AVP", cvw::sdp::default_audio_codecs(), 20});
  const cvw::sdp::Session answer = cvw::sdp::build_answer(offer, endpoint);
  // RFC 3264 §6: one m= line in the answer per m= line in the offer.
  check(answer.media.size() == offer.media.size());
  cvw::sdp::LocalSession local(cvw::sdp::Origin{"-", 1, 1, "IN", "IP4", "192.0.2.10"});
  check(cvw::sdp::parse(local.stamp(answer)).ok());
  (void)cvw::sdp::build_hold_offer(offer);
  (void)cvw::sdp::is_held(offer);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto first = cvw::sdp::parse(input);
  if (!first.ok()) {
    check(!first.error().message.empty());
    return 0;
  }
  const std::string text = cvw::sdp::serialize(*first);
  auto second = cvw::sdp::parse(text);
  check(second.ok());
  check(*second == *first);
  check(cvw::sdp::serialize(*second) == text);
  exercise_offer_answer(*first);
  return 0;
}
