// The SDP offer/answer model (RFC 3264) and the descriptions third party
// call control needs (RFC 3725).
//
// Builders here are pure: they return a Session whose o= line is left for a
// LocalSession to fill in, because only the owner of a session's history
// knows whether the version must go up. A typical answer:
//
//   LocalSession local(Origin{"-", id, id, "IN", "IP4", "192.0.2.10"});
//   std::string body = local.stamp(build_answer(offer, endpoint));
//
// Thread safety: plain values; a LocalSession belongs to one dialog and is
// used from the thread that owns the dialog.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sdp/session.hpp"

namespace cvw::sdp {

// A media format we can use, as it is written in an offer of ours.
struct Codec {
  std::string encoding;  // "PCMU", "telephone-event", ...
  std::uint32_t clock_rate = 8000;
  std::uint32_t channels = 1;
  std::uint8_t payload_type = 0;  // what we offer it as; answers reuse the offer's
  std::optional<std::string> fmtp;

  bool operator==(const Codec&) const = default;
};

Codec pcmu();  // 0 PCMU/8000
Codec pcma();  // 8 PCMA/8000
Codec g729();  // 18 G729/8000, annexb=no (Annex B silence suppression off)
// RFC 4733 DTMF; events 0-15 are the keypad, 16 is flash-hook.
Codec telephone_event(std::uint8_t payload_type = 101, std::string events = "0-16");

// telephone-event and comfort noise only accompany a real codec: a stream
// whose only match is one of them is rejected.
bool is_auxiliary(const Codec& codec);

// What we can take on one m= line of a given media type.
struct LocalMedia {
  std::string type = "audio";
  std::uint16_t port = 0;  // our RTP port (RTCP on port + 1)
  std::string proto = "RTP/AVP";
  std::vector<Codec> codecs;  // most preferred first
  std::optional<std::uint32_t> ptime;
};

// Our side of the session: where we receive and what we can do.
struct LocalEndpoint {
  std::string address;  // our media address, IPv4 or IPv6
  // Each entry answers at most one offered m= line (its port can only be
  // used once); offered streams left over are rejected.
  std::vector<LocalMedia> media;
  // What we want to do; an answer never goes beyond what the offer allows.
  Direction direction = Direction::SendRecv;
  std::string session_name = "-";
};

// PCMU, PCMA, telephone-event 101 with events 0-16.
std::vector<Codec> default_audio_codecs();

// ---------------------------------------------------------------------------
// Answers (RFC 3264 §6)

// The answer to `offer`: one m= line per offered one, in order. A stream is
// accepted when it matches an unused LocalMedia by type, proto and at least
// one codec; its formats are our codecs in our order of preference, under the
// payload type numbers of the offer. Anything else is rejected with port 0.
// The direction is the offer's reversed, narrowed by endpoint.direction.
Session build_answer(const Session& offer, const LocalEndpoint& endpoint);

// The direction the offerer asked for on `media`, with RFC 2543 hold
// (c=0.0.0.0) read as "do not send to me".
Direction offered_direction(const Session& offer, const Media& media);

// Number of m= lines with a non-zero port. An answer with none accepts
// nothing (the caller typically answers 488 to such an offer).
std::size_t active_media_count(const Session& session);

// ---------------------------------------------------------------------------
// Offers

// A fresh offer: one m= line per LocalMedia with all its codecs.
Session build_offer(const LocalEndpoint& endpoint);

// RFC 3264 §5: an offer with no m= lines, "implying that the offerer wishes
// to communicate, but that the streams for the session will be added at a
// later time through a modified offer".
Session build_offer_without_media(const std::string& address);

// The "black hole" offer of RFC 3725 (3pcc): one audio stream with a single
// codec and a real port, but c=IN IP4 0.0.0.0, so the peer sends neither
// RTP nor RTCP until a re-INVITE gives it a real address. RFC 3264 §8.4
// allows it in an initial offer, and requires that "the port number MUST NOT
// be zero".
Session build_black_hole_offer(std::uint16_t port, const Codec& codec = pcmu());

// The offer a third-party controller sends one party to connect it with
// another (RFC 3725 §4): `described` is the other party's own description of
// its media (its answer to us, or its offer). Every m= line is kept, rejected
// ones included, so a re-offer never has fewer lines than the previous SDP
// (RFC 3264 §8); each keeps the party's address, port, formats and their
// attributes. Directions are copied, not reversed: the description still
// speaks for the same party. Session-level directions move to the streams;
// other session-level attributes are the other party's business and are
// dropped. The o= line is left for the controller's LocalSession.
Session build_offer_from(const Session& described);

// True when every active stream points at 0.0.0.0 / :: (a black hole or an
// old-style hold).
bool is_black_hole(const Session& session);

// The re-offer that puts every active stream of `previous` on hold
// (RFC 3264 §8.4: sendrecv -> sendonly, recvonly -> inactive). `previous`
// is the last SDP we sent, offer or answer (§8 "previous SDP").
Session build_hold_offer(const Session& previous);

// The re-offer that takes `previous` off hold: sendonly -> sendrecv,
// inactive -> recvonly.
Session build_resume_offer(const Session& previous);

// ---------------------------------------------------------------------------
// LocalSession: our o= line over the life of a dialog (RFC 3264 §8)

// Owns the o= line of the descriptions we send in one session. RFC 3264 §8:
// "the "o=" line of the new SDP MUST be identical to that in the previous
// SDP, except that the version in the origin field MUST increment by one from
// the previous SDP. If the version in the origin line does not increment, the
// SDP MUST be identical to the SDP with that version number."
//
// Of the last description stamped it keeps only its length and hash: all the
// rule needs is to tell a repeat from a change. A call keeps two of these for
// its whole life, and the SIP session that sent the text keeps the text
// (issue #4's memory per call). Two different texts of one length with one
// 64-bit hash would keep the version: a chance of 2^-64 per stamp, on texts
// we generate ourselves. For the same reason the o= line is kept as its
// parts that vary: the network type is IN (the only one RFC 8866 defines)
// and the address type is IP4 or IP6.
class LocalSession {
 public:
  // `origin` carries the username, session id (an NTP timestamp is the
  // RFC 8866 §5.2 suggestion; the caller supplies it, so tests are
  // deterministic), address and the first version; its network type must be
  // IN, and an address type other than IP6 is taken as IP4.
  explicit LocalSession(const Origin& origin);

  // Gives `sdp` our o= line and returns its text, the body to send. The
  // version goes up by one when the text differs from the previous SDP's and
  // stays put when it is the same, so a repeated offer is byte-identical.
  std::string stamp(Session sdp);

  // Our o= line as the last stamp wrote it.
  Origin origin() const;

 private:
  std::string username_;
  std::string address_;
  std::uint64_t session_id_;
  std::uint64_t session_version_;
  std::uint32_t previous_size_ = 0;  // 0 until the first stamp (a description is never empty)
  bool ip6_;
  std::size_t previous_hash_ = 0;
};

}  // namespace cvw::sdp
