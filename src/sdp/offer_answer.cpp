#include "sdp/offer_answer.hpp"

#include <algorithm>
#include <functional>
#include <string_view>

namespace cvw::sdp {
namespace {

// "101 telephone-event/8000", with "/2" only for more than one channel.
std::string rtpmap_value(std::uint8_t pt, const Codec& codec) {
  std::string value = std::to_string(pt);
  value += ' ';
  value += codec.encoding;
  value += '/';
  value += std::to_string(codec.clock_rate);
  if (codec.channels != 1) {
    value += '/';
    value += std::to_string(codec.channels);
  }
  return value;
}

void add_format(Media& m, std::uint8_t pt, const Codec& codec,
                const std::optional<std::string_view>& fmtp) {
  m.formats.push_back(std::to_string(pt));
  // RFC 3264 §6.1: the answer "SHOULD contain mappings for static payload
  // types" too, and writing them always costs one line.
  m.attributes.push_back(Attribute{"rtpmap", rtpmap_value(pt, codec)});
  if (fmtp) {
    m.attributes.push_back(Attribute{"fmtp", std::to_string(pt) + ' ' + std::string(*fmtp)});
  }
}

void add_ptime(Media& m, const std::optional<std::uint32_t>& ptime) {
  if (ptime) m.attributes.push_back(Attribute{"ptime", std::to_string(*ptime)});
}

bool codec_matches(const RtpMap& offered, const Codec& ours) {
  return iequals(offered.encoding, ours.encoding) && offered.clock_rate == ours.clock_rate &&
         offered.channels() == ours.channels;
}

// The payload type under which `offered` lists `ours`, if it does.
std::optional<std::uint8_t> offered_payload_type(const Media& offered, const Codec& ours) {
  for (const auto& f : offered.formats) {
    const auto pt = payload_type_of(f);
    if (!pt) continue;
    const auto map = find_rtpmap(offered, *pt);
    if (map && codec_matches(*map, ours)) return pt;
  }
  return std::nullopt;
}

struct Match {
  const Codec* codec;
  std::uint8_t payload_type;  // the offer's number for it
};

// Our codecs the offer also has, in our order of preference.
std::vector<Match> intersect(const Media& offered, const LocalMedia& local) {
  std::vector<Match> matches;
  for (const auto& codec : local.codecs) {
    const auto pt = offered_payload_type(offered, codec);
    if (!pt) continue;
    const bool taken = std::any_of(matches.begin(), matches.end(),
                                   [&](const Match& m) { return m.payload_type == *pt; });
    if (!taken) matches.push_back(Match{&codec, *pt});
  }
  return matches;
}

bool has_real_codec(const std::vector<Match>& matches) {
  return std::any_of(matches.begin(), matches.end(),
                     [](const Match& m) { return !is_auxiliary(*m.codec); });
}

// RFC 3264 §6: "To reject an offered stream, the port number in the
// corresponding stream in the answer MUST be set to zero." §8.2: the answer
// "MAY list just a single media format from amongst those in the offer".
Media rejected_stream(const Media& offered) {
  Media m;
  m.type = offered.type;
  m.proto = offered.proto;
  if (!offered.formats.empty()) m.formats.push_back(offered.formats.front());
  return m;
}

// RFC 3264 §6.1: "If a stream is offered as sendonly, the corresponding
// stream MUST be marked as recvonly or inactive in the answer. If a media
// stream is listed as recvonly in the offer, the answer MUST be marked as
// sendonly or inactive in the answer. ... If an offered media stream is
// listed as inactive, it MUST be marked as inactive in the answer."
// Reversing the offer and then taking away what we do not want meets all
// three rules.
Direction answer_direction(Direction offered, Direction wanted) {
  const Direction mirror = reverse(offered);
  return make_direction(sends(mirror) && sends(wanted), receives(mirror) && receives(wanted));
}

Media accepted_stream(const Session& offer, const Media& offered, const LocalMedia& local,
                      const std::vector<Match>& matches, Direction wanted) {
  Media m;
  m.type = offered.type;
  m.port = local.port;
  m.proto = offered.proto;
  for (const auto& match : matches) {
    // RFC 3264 §6.1: "if a particular codec was referenced with a specific
    // payload type number in the offer, that same payload type number SHOULD
    // be used for that codec in the answer." Our fmtp if we have one, else
    // the offer's: "the same fmtp parameters with the same values MUST be
    // present in the answer if the media format they describe is present".
    std::optional<std::string_view> fmtp = match.codec->fmtp;
    if (!fmtp) fmtp = find_fmtp(offered, match.payload_type);
    add_format(m, match.payload_type, *match.codec, fmtp);
  }
  add_ptime(m, local.ptime);
  set_direction(m, answer_direction(offered_direction(offer, offered), wanted));
  return m;
}

// The answer to one offered stream; `used` marks LocalMedia already taken.
Media answer_stream(const Session& offer, const Media& offered, const LocalEndpoint& endpoint,
                    std::vector<bool>& used) {
  // RFC 3264 §8.2: "A stream that is offered with a port of zero MUST be
  // marked with port zero in the answer."
  if (offered.is_rejected()) return rejected_stream(offered);
  for (std::size_t i = 0; i < endpoint.media.size(); ++i) {
    const LocalMedia& local = endpoint.media[i];
    if (used[i] || local.type != offered.type || local.proto != offered.proto) continue;
    const auto matches = intersect(offered, local);
    if (!has_real_codec(matches)) continue;
    used[i] = true;
    return accepted_stream(offer, offered, local, matches, endpoint.direction);
  }
  return rejected_stream(offered);
}

Session skeleton(const std::string& address, std::string name) {
  Session s;
  s.origin.address = address;
  s.origin.address_type = Connection::for_address(address).address_type;
  s.name = std::move(name);
  s.connection = Connection::for_address(address);
  return s;
}

Media offered_stream(const LocalMedia& local, Direction direction) {
  Media m;
  m.type = local.type;
  m.port = local.port;
  m.proto = local.proto;
  for (const auto& codec : local.codecs) {
    add_format(m, codec.payload_type, codec, codec.fmtp);
  }
  add_ptime(m, local.ptime);
  set_direction(m, direction);
  return m;
}

// Rewrites the direction of every active stream of `previous` with `change`.
// Directions go to the media level and session-level ones are dropped, so
// the peer reads one unambiguous value per stream.
template <typename Change>
Session redirect(const Session& previous, Change change) {
  Session out = previous;
  for (std::size_t i = 0; i < out.media.size(); ++i) {
    if (out.media[i].is_rejected()) continue;
    set_direction(out.media[i], change(effective_direction(previous, previous.media[i])));
  }
  clear_session_direction(out);
  return out;
}

}  // namespace

Codec pcmu() {
  return Codec{"PCMU", 8000, 1, 0, std::nullopt};
}
Codec pcma() {
  return Codec{"PCMA", 8000, 1, 8, std::nullopt};
}
Codec g729() {
  return Codec{"G729", 8000, 1, 18, "annexb=no"};
}

Codec telephone_event(std::uint8_t payload_type, std::string events) {
  return Codec{"telephone-event", 8000, 1, payload_type, std::move(events)};
}

bool is_auxiliary(const Codec& codec) {
  return iequals(codec.encoding, "telephone-event") || iequals(codec.encoding, "CN");
}

std::vector<Codec> default_audio_codecs() {
  return {pcmu(), pcma(), telephone_event()};
}

Direction offered_direction(const Session& offer, const Media& media) {
  const Direction d = effective_direction(offer, media);
  const Connection* c = effective_connection(offer, media);
  if (c == nullptr || !c->is_unspecified()) return d;
  // RFC 3264 §8.4: a connection address of 0.0.0.0 "means that neither RTP
  // nor RTCP should be sent to the peer", whatever the attribute says.
  return make_direction(sends(d), false);
}

// RFC 3264 §6: "The answer MUST contain exactly the same number of "m="
// lines as the offer", in the same order; each is accepted or rejected.
Session build_answer(const Session& offer, const LocalEndpoint& endpoint) {
  Session answer = skeleton(endpoint.address, endpoint.session_name);
  // RFC 3264 §6: "The "t=" line in the answer MUST equal that of the offer."
  answer.timings = offer.timings;
  answer.media.reserve(offer.media.size());
  std::vector<bool> used(endpoint.media.size(), false);
  for (const auto& offered : offer.media) {
    answer.media.push_back(answer_stream(offer, offered, endpoint, used));
  }
  return answer;
}

std::size_t active_media_count(const Session& session) {
  return static_cast<std::size_t>(std::count_if(session.media.begin(), session.media.end(),
                                                [](const Media& m) { return !m.is_rejected(); }));
}

Session build_offer(const LocalEndpoint& endpoint) {
  Session offer = skeleton(endpoint.address, endpoint.session_name);
  offer.media.reserve(endpoint.media.size());
  for (const auto& local : endpoint.media) {
    offer.media.push_back(offered_stream(local, endpoint.direction));
  }
  return offer;
}

Session build_offer_without_media(const std::string& address) {
  return skeleton(address, "-");
}

Session build_black_hole_offer(std::uint16_t port, const Codec& codec) {
  Session offer = skeleton("0.0.0.0", "-");
  Media m;
  m.type = "audio";
  m.port = port;
  m.proto = "RTP/AVP";
  add_format(m, codec.payload_type, codec, codec.fmtp);
  offer.media.push_back(std::move(m));
  return offer;
}

Session build_offer_from(const Session& described) {
  Session out;  // s=- by default
  out.connection = described.connection;
  out.bandwidths = described.bandwidths;
  out.media = described.media;
  for (std::size_t i = 0; i < out.media.size(); ++i) {
    if (out.media[i].is_rejected()) continue;
    set_direction(out.media[i], effective_direction(described, described.media[i]));
  }
  return out;
}

bool is_black_hole(const Session& session) {
  bool any_active = false;
  for (const auto& m : session.media) {
    if (m.is_rejected()) continue;
    any_active = true;
    const Connection* c = effective_connection(session, m);
    if (c == nullptr || !c->is_unspecified()) return false;
  }
  return any_active;
}

Session build_hold_offer(const Session& previous) {
  // RFC 3264 §8.4: sendrecv -> sendonly, recvonly -> inactive; a stream
  // already on hold stays as it is.
  return redirect(previous, [](Direction d) { return make_direction(sends(d), false); });
}

Session build_resume_offer(const Session& previous) {
  return redirect(previous, [](Direction d) { return make_direction(sends(d), true); });
}

LocalSession::LocalSession(const Origin& origin)
    : username_(origin.username),
      address_(origin.address),
      session_id_(origin.session_id),
      session_version_(origin.session_version),
      ip6_(origin.address_type == "IP6") {}

Origin LocalSession::origin() const {
  return Origin{username_, session_id_, session_version_, "IN", ip6_ ? "IP6" : "IP4", address_};
}

std::string LocalSession::stamp(Session sdp) {
  sdp.origin = origin();
  std::string text = serialize(sdp);
  const std::hash<std::string_view> hash;
  if (previous_size_ != 0) {
    // §8: "If the version in the origin line does not increment, the SDP
    // MUST be identical to the SDP with that version number": the same
    // text keeps the version, so the peer sees a no-op.
    if (text.size() == previous_size_ && hash(text) == previous_hash_) return text;
    sdp.origin.session_version = ++session_version_;
    text = serialize(sdp);
  }
  previous_size_ = static_cast<std::uint32_t>(text.size());
  previous_hash_ = hash(text);
  return text;
}

}  // namespace cvw::sdp
