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

sdp::Direction stance_of(const sdp::Session& described) {
  for (const sdp::Media& m : described.media) {
    if (!m.is_rejected()) return sdp::offered_direction(described, m);
  }
  return sdp::Direction::SendRecv;
}

sdp::Direction shown_direction(sdp::Direction from, sdp::Direction to) {
  return sdp::make_direction(sdp::sends(from) && sdp::receives(to),
                             sdp::receives(from) && sdp::sends(to));
}

sdp::Session shown_offer(const sdp::Session& described, sdp::Direction shown) {
  sdp::Session offer = sdp::build_offer_from(described);
  for (sdp::Media& m : offer.media) {
    if (!m.is_rejected()) sdp::set_direction(m, shown);
  }
  return offer;
}

std::uint64_t media_fingerprint(const sdp::Session& described, sdp::Direction shown) {
  // FNV-1a over the parts that decide where RTP goes and whether it flows;
  // each part is closed by a separator, so that "1" "23" and "12" "3"
  // differ.
  std::uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](std::string_view part) {
    for (const char c : part) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    h = (h ^ 0xffU) * 0x100000001b3ULL;
  };
  mix(sdp::direction_name(shown));
  for (const sdp::Media& m : described.media) {
    if (m.is_rejected()) continue;
    const sdp::Connection* c = sdp::effective_connection(described, m);
    mix(m.type);
    mix(c != nullptr ? std::string_view(c->address) : std::string_view{});
    mix(std::to_string(m.port));
  }
  return h;
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
