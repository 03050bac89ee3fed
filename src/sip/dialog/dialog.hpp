// One SIP dialog (RFC 3261 §12): the peer-to-peer relationship an INVITE (or
// SUBSCRIBE, REFER) sets up, and the rules for requests inside it: route
// set, remote target, CSeq numbering, tags.
//
// A Dialog is a value owned by the usage that created it (an InviteSession);
// no I/O here. Threading: the event-loop thread only.
#pragma once

#include <spdlog/fmt/fmt.h>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "sip/message.hpp"

namespace cvw::sip::dialog {

// §12: "A dialog is identified ... by a Call-ID, a local tag and a remote tag."
struct DialogId {
  std::string call_id;
  std::string local_tag;
  std::string remote_tag;
  bool operator==(const DialogId&) const = default;
};

// The same three values as views into a received message: looking a
// request's dialog up costs no allocation.
struct DialogIdView {
  std::string_view call_id;
  std::string_view local_tag;
  std::string_view remote_tag;
  bool operator==(const DialogIdView&) const = default;
  // Where a tag lands when its header needed normalising (rare).
  struct Scratch {
    std::string local;
    std::string remote;
  };
};

inline DialogIdView view_of(const DialogId& id) {
  return {id.call_id, id.local_tag, id.remote_tag};
}

// Hash and equality over DialogId and DialogIdView alike (transparent), so
// maps keyed by DialogId are searched with a view.
struct DialogIdHash {
  using is_transparent = void;
  static std::size_t hash(std::string_view call_id, std::string_view local, std::string_view remote) noexcept {
    const std::hash<std::string_view> h;
    return h(call_id) ^ (h(local) * 31) ^ (h(remote) * 131);
  }
  std::size_t operator()(const DialogId& id) const noexcept { return hash(id.call_id, id.local_tag, id.remote_tag); }
  std::size_t operator()(const DialogIdView& id) const noexcept {
    return hash(id.call_id, id.local_tag, id.remote_tag);
  }
};
struct DialogIdEqual {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const noexcept {
    return std::string_view(a.call_id) == std::string_view(b.call_id) &&
           std::string_view(a.local_tag) == std::string_view(b.local_tag) &&
           std::string_view(a.remote_tag) == std::string_view(b.remote_tag);
  }
};

// Reads the dialog id a request received from the network belongs to: its
// Call-ID, To tag (ours) and From tag (theirs). Responses: From tag is ours.
DialogId dialog_id_of_request(const Message& request);
DialogId dialog_id_of_response(const Message& response);
DialogIdView dialog_view_of_request(const Message& request, DialogIdView::Scratch& scratch);
DialogIdView dialog_view_of_response(const Message& response, DialogIdView::Scratch& scratch);

class Dialog {
 public:
  // §12.1.1: the UAS side, from the request that created the dialog and the
  // tag we put in our To. `local_contact` is our Contact URI.
  static Result<Dialog> as_uas(const Message& request, std::string_view local_tag,
                               std::string_view local_contact);
  // §12.1.2: the UAC side, from our request and a response carrying a To tag.
  static Result<Dialog> as_uac(const Message& request, const Message& response,
                               std::string_view local_contact);

  DialogIdView id() const { return {text(CallId), text(LocalTag), text(RemoteTag)}; }
  bool early() const { return early_; }
  // §12.1: an early dialog becomes confirmed with the 2xx; the 2xx carries the
  // route set and target that stand from then on (§12.1.2 "recomputed").
  void confirm(const Message& response_2xx);

  // §12.2.1.1: a new request inside the dialog (not ACK, not CANCEL): the
  // Request-URI, Route, To, From, Call-ID, CSeq (local CSeq + 1), Contact and
  // Max-Forwards. The caller adds the Via and sends it to next_hop().
  Message make_request(Method method);
  Message make_request(std::string_view method_name);
  // §13.2.2.4: the ACK for a 2xx: "the CSeq header field's sequence number
  // MUST be the same as the INVITE being acknowledged".
  Message make_ack(std::uint32_t invite_cseq) const;

  // The URI the next request goes to: the first Route when loose routing,
  // else the remote target (§12.2.1.1, §8.1.2).
  std::string next_hop_uri() const;

  // §12.2.2: checks a request received inside the dialog. CSeq numbers must
  // go up ("If the remote sequence number was not empty, but the sequence
  // number of the request is lower than the remote sequence number, the
  // request is out of order and MUST be rejected with a 500"). ACK and CANCEL
  // carry the number of the request they belong to and are not checked.
  Result<void> accept_remote_request(const Message& request);
  // Target refresh (re-INVITE, UPDATE, their 2xx): "the remote target MUST be
  // replaced" by the Contact it carries (§12.2.2, §12.2.1.2).
  void refresh_remote_target(const Message& message);

  std::uint32_t local_cseq() const { return local_cseq_; }
  std::string_view remote_target() const { return text(RemoteTarget); }
  const std::vector<std::string>& route_set() const { return route_set_; }
  std::string_view local_uri() const {
    return text(LocalUri);
  }  // our From/To value (name-addr, no tag)
  std::string_view remote_uri() const { return text(RemoteUri); }
  std::string_view local_contact() const { return text(LocalContact); }  // our Contact URI
  bool is_uac() const { return uac_; }

 private:
  Dialog() = default;

  // The dialog's texts share one buffer. A call holds two dialogs for its
  // whole life: seven strings were 224 bytes of string headers and up to
  // seven allocations per dialog (issue #4's memory per call). The buffer
  // is written whole when one text changes (a target refresh: rare).
  enum Text : std::uint8_t {
    CallId,
    LocalTag,
    RemoteTag,
    LocalUri,
    RemoteUri,
    RemoteTarget,
    LocalContact,
    kTexts
  };
  using Texts = std::array<std::string_view, kTexts>;
  std::string_view text(Text t) const {
    const std::uint32_t begin = t == 0 ? 0 : ends_[t - 1];
    return std::string_view(texts_).substr(begin, ends_[t] - begin);
  }
  void set_texts(const Texts& values);  // the values may view texts_: the new buffer is built first
  void set_text(Text t, std::string_view value);

  std::string texts_;
  std::array<std::uint32_t, kTexts> ends_{};  // where each text ends in texts_
  std::vector<std::string> route_set_;  // each a name-addr, in the order requests list them
  std::uint32_t local_cseq_ = 0;
  std::optional<std::uint32_t> remote_cseq_;
  bool early_ = true;
  bool uac_ = false;
};

// The name-addr without its tag parameter (what a dialog keeps as local/remote URI).
std::string without_tag(std::string_view name_addr_value);
// The same, appended to a buffer on the stack (room for the usual From and
// To together; a longer one grows it on the heap).
using NameBuffer = fmt::basic_memory_buffer<char, 320>;
void append_without_tag(std::string_view name_addr_value, NameBuffer& out);
// The URI of a name-addr ("<sip:p1.example.com;lr>" → "sip:p1.example.com;lr"),
// or the text itself when it does not parse.
std::string uri_of(std::string_view name_addr);
// "<uri>": a URI as a name-addr (Contact, Route, Refer-To values).
std::string bracketed(std::string_view uri);
// The URI inside the first Contact value, or "" when there is none.
std::string contact_uri(const Message& message);
// The same as a view into the message (or into `scratch`, when it had to be
// unescaped).
std::string_view contact_uri_view(const Message& message, std::string& scratch);

}  // namespace cvw::sip::dialog
