#include "calls/call_sdp.hpp"

#include "common/random.hpp"
#include "sdp/session.hpp"

namespace cvw::calls {

sdp::Origin origin_for(const std::string& address) {
  const std::uint64_t id = random_engine()() >> 2;
  sdp::Origin o;
  o.username = "cvw";
  o.session_id = id;
  o.session_version = id;
  o.address = address;
  o.address_type = sdp::Connection::for_address(address).address_type;
  return o;
}

sdp::LocalEndpoint endpoint_of(const sdp::Session& described) {
  sdp::LocalEndpoint e;
  for (const sdp::Media& m : described.media) {
    if (m.is_rejected()) continue;
    const sdp::Connection* c = sdp::effective_connection(described, m);
    if (c == nullptr) continue;
    if (e.address.empty()) e.address = c->address;
    sdp::LocalMedia local;
    local.type = m.type;
    local.port = m.port;
    local.proto = m.proto;
    for (const std::string& format : m.formats) {
      const auto pt = sdp::payload_type_of(format);
      if (!pt) continue;
      const auto map = sdp::find_rtpmap(m, *pt);
      if (!map) continue;
      sdp::Codec codec{map->encoding, map->clock_rate, map->channels(), *pt, std::nullopt};
      if (auto fmtp = sdp::find_fmtp(m, *pt)) codec.fmtp = std::string(*fmtp);
      local.codecs.push_back(std::move(codec));
    }
    e.media.push_back(std::move(local));
  }
  return e;
}

std::optional<sdp::Session> PartyMedia::take(sip::dialog::CallLeg& leg) {
  std::string text = leg.take_remote_body();
  Result<sdp::Session> session = sdp::parse(text);
  if (!session) return std::nullopt;
  text_ = std::move(text);
  return std::move(*session);
}

sdp::Session PartyMedia::parsed() const {
  Result<sdp::Session> session = sdp::parse(text_);
  return session ? std::move(*session) : sdp::Session{};
}

}  // namespace cvw::calls
