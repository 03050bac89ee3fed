// SDP session descriptions (RFC 8866): the model, its parser and serializer,
// and the lookups the offer/answer code and the call layer need.
//
// The model owns its strings: SDP is parsed once per offer or answer, far
// from the per-packet path, and owning values keep a Session valid after the
// SIP message that carried it is gone.
//
// Parsing is liberal in what it takes and exact in what it keeps:
//  - LF or CRLF line ends are accepted; serialize() always writes CRLF.
//  - Lines the model has no field for (unknown attributes, unknown type
//    letters) are kept in order, so serialize(parse(x)) == x for any CRLF
//    description whose lines are in the RFC 8866 §5 order.
//  - Known lines out of that order are accepted and written back in order.
// Input is untrusted: parse() never throws and never crashes; it returns an
// Error whose message names the line and what is wrong with it.
//
// Thread safety: plain values; no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace cvw::sdp {

// o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
struct Origin {
  std::string username = "-";
  std::uint64_t session_id = 0;
  std::uint64_t session_version = 0;
  std::string net_type = "IN";
  std::string address_type = "IP4";
  std::string address;

  bool operator==(const Origin&) const = default;
};

// c=<nettype> <addrtype> <connection-address>. A multicast address keeps its
// "/ttl/count" suffix in `address`, as written.
struct Connection {
  std::string net_type = "IN";
  std::string address_type = "IP4";
  std::string address;

  // "IN IP4 a.b.c.d" or, when the address contains a colon, "IN IP6 ...".
  static Connection for_address(std::string address);
  bool is_ipv6() const { return address_type == "IP6"; }
  // 0.0.0.0 or ::, the address RFC 2543 used to put a call on hold and
  // RFC 3725 uses for a "black hole" description.
  bool is_unspecified() const;

  bool operator==(const Connection&) const = default;
};

// b=<bwtype>:<bandwidth>. The unit depends on the type (kb/s for AS and CT,
// b/s for TIAS), so the value is kept as the number written.
struct Bandwidth {
  std::string type;
  std::uint64_t value = 0;

  bool operator==(const Bandwidth&) const = default;
};

// t=<start-time> <stop-time>, followed by its r= lines (kept as written).
struct Timing {
  std::uint64_t start = 0;
  std::uint64_t stop = 0;
  std::vector<std::string> repeats;

  bool operator==(const Timing&) const = default;
};

// a=<name> or a=<name>:<value>. `value` is empty-optional for a property
// attribute ("a=sendrecv") and an empty string for "a=name:", so both
// round-trip.
struct Attribute {
  std::string name;
  std::optional<std::string> value;

  bool operator==(const Attribute&) const = default;
};

// A line with a type letter RFC 8866 does not define (GB28181 cameras send
// "y=" and "f=", for instance). `position` is the number of a= lines of the
// same section that came before it, which is where serialize() puts it back.
//
// RFC 8866 §5: "an SDP parser MUST completely ignore or reject any session
// description that contains a type letter that it does not understand".
// We keep the lines instead so a B2BUA can relay such a body untouched; a
// caller that wants the RFC behaviour checks has_unknown_lines().
struct UnknownLine {
  char type = 0;
  std::string value;
  std::size_t position = 0;

  bool operator==(const UnknownLine&) const = default;
};

// One m= section: m= i= c= b= k= a=.
struct Media {
  std::string type;  // audio, video, application, image, ...
  std::uint16_t port = 0;
  std::optional<std::uint32_t> port_count;  // the "/2" of "m=video 49170/2 ..."
  std::string proto;                        // RTP/AVP, RTP/SAVP, udptl, ...
  std::vector<std::string> formats;         // payload types for RTP protos
  std::optional<std::string> title;         // i=
  // Only one c= per media section is supported; several are legal for
  // layered multicast, which SIP calls do not use.
  std::optional<Connection> connection;
  std::vector<Bandwidth> bandwidths;
  std::optional<std::string> key;  // k=, obsolete but kept
  std::vector<Attribute> attributes;
  std::vector<UnknownLine> unknown_lines;

  // RFC 3264 §6: a stream is rejected (or removed, §8.2) by port zero.
  bool is_rejected() const { return port == 0; }
  const Attribute* find_attribute(std::string_view name) const;

  bool operator==(const Media&) const = default;
};

struct Session {
  int version = 0;  // v=, always 0
  Origin origin;
  std::string name = "-";                  // s=
  std::optional<std::string> information;  // i=
  std::optional<std::string> uri;          // u=
  std::vector<std::string> emails;         // e=
  std::vector<std::string> phones;         // p=
  std::optional<Connection> connection;
  std::vector<Bandwidth> bandwidths;
  std::vector<Timing> timings{Timing{}};  // "t=0 0" unless parsed otherwise
  std::optional<std::string> time_zones;  // z=
  std::optional<std::string> key;         // k=
  std::vector<Attribute> attributes;
  std::vector<UnknownLine> unknown_lines;
  std::vector<Media> media;

  const Attribute* find_attribute(std::string_view attribute_name) const;

  bool operator==(const Session&) const = default;
};

// ---------------------------------------------------------------------------
// Parsing and serializing

// Parses a whole session description (a SIP body). Never throws.
Result<Session> parse(std::string_view text);

// Writes `session` in RFC 8866 §5 order with CRLF line ends.
std::string serialize(const Session& session);

// True when parse() kept lines with a type letter RFC 8866 does not define.
bool has_unknown_lines(const Session& session);

// ---------------------------------------------------------------------------
// Attributes

// First attribute called `name` (compared case-insensitively), or nullptr.
const Attribute* find_attribute(std::span<const Attribute> attributes, std::string_view name);

// ---------------------------------------------------------------------------
// RTP payload types: a=rtpmap, a=fmtp, the RFC 3551 static table

// a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
struct RtpMap {
  std::uint8_t payload_type = 0;
  std::string encoding;  // as written; compare case-insensitively
  std::uint32_t clock_rate = 0;
  std::optional<std::string> parameters;  // the channel count, for audio

  // Audio channel count: the encoding parameters, 1 when absent (RFC 8866 §6.6).
  std::uint32_t channels() const;

  bool operator==(const RtpMap&) const = default;
};

// A format of an m= line as an RTP payload type (0..127), if it is one.
std::optional<std::uint8_t> payload_type_of(std::string_view format);

// The value of an a=rtpmap attribute ("0 PCMU/8000").
Result<RtpMap> parse_rtpmap(std::string_view value);

// The RFC 3551 mapping of a static payload type (0 PCMU, 8 PCMA, 18 G729...).
std::optional<RtpMap> static_rtpmap(std::uint8_t payload_type);

// What `payload_type` means in `media`: its a=rtpmap if there is one, else
// the static mapping. nullopt for an unmapped dynamic type.
std::optional<RtpMap> find_rtpmap(const Media& media, std::uint8_t payload_type);

// The parameters of "a=fmtp:<payload type> <parameters>", viewing into `media`.
std::optional<std::string_view> find_fmtp(const Media& media, std::uint8_t payload_type);

// The payload type of the first listed format that is telephone-event
// (RFC 4733 DTMF), or nullopt when the stream does not offer it.
std::optional<std::uint8_t> telephone_event_payload_type(const Media& media);

// Case-insensitive ASCII comparison, as encoding names need (RFC 4855 §3).
bool iequals(std::string_view a, std::string_view b);

// ---------------------------------------------------------------------------
// Direction (RFC 8866 §6.7, RFC 3264 §5.1)

enum class Direction : std::uint8_t { SendRecv, SendOnly, RecvOnly, Inactive };

std::string_view direction_name(Direction d);
// "sendrecv" -> SendRecv...; nullopt for any other attribute name.
std::optional<Direction> direction_from_name(std::string_view name);

// The direction attribute among `attributes`, if one is there.
std::optional<Direction> find_direction(std::span<const Attribute> attributes);

// The direction that applies to `media`: its own attribute, else the
// session-level one, else sendrecv (RFC 3264 §5.1: "If the offerer wishes to
// both send and receive media with its peer, it MAY include an a=sendrecv
// attribute, or it MAY omit it, since sendrecv is the default").
Direction effective_direction(const Session& session, const Media& media);

// Puts `d` on `media`, replacing its direction attribute in place (so the
// attribute order stays) or appending one.
void set_direction(Media& media, Direction d);

// Removes direction attributes from the session level (used before setting
// them per media, so no stale session value lingers for the peer to read).
void clear_session_direction(Session& session);

// The same stream seen from the other end: sendonly <-> recvonly.
Direction reverse(Direction d);
bool sends(Direction d);
bool receives(Direction d);
Direction make_direction(bool send, bool receive);

// ---------------------------------------------------------------------------
// Addresses and hold

// The c= that applies to `media`: its own, else the session's; nullptr if neither.
const Connection* effective_connection(const Session& session, const Media& media);

enum class Hold : std::uint8_t {
  None,
  SendOnly,     // RFC 3264 §8.4: a sendrecv stream put on hold
  Inactive,     // RFC 3264 §8.4: a recvonly stream put on hold
  ZeroAddress,  // RFC 2543: c=0.0.0.0, still sent by older phones
};

// Whether the writer of `session` has put `media` on hold. A rejected stream
// is never "held".
Hold hold_state(const Session& session, const Media& media);

// RFC 3264 §8.4: "An SDP with all streams "on hold" is referred to as held
// SDP." False for a description with no active stream.
bool is_held(const Session& session);

// ---------------------------------------------------------------------------
// Comparison

// Whether two descriptions describe the same session and media: equal in
// every line except the o= session version. A re-INVITE whose body passes
// this test changes nothing, whatever version the peer wrote.
bool same_media(const Session& a, const Session& b);

}  // namespace cvw::sdp
