#include "sip/transaction/matching.hpp"

#include <string_view>

#include "sip/header_id.hpp"
#include "sip/header_values.hpp"
#include "sip/transaction/message_builders.hpp"

namespace cvw::sip::txn {
namespace {

// Separates key fields; cannot occur in an unfolded header value.
constexpr char kSep = '\n';

void append_lower(std::string& out, std::string_view s) {
  for (char c : s) out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c);
}

// §17.2.3: "the branch parameter in the request is equal to the one in the top
// Via header field of the request that created the transaction, and the
// sent-by value in the top Via of the request is equal to the one in the
// request that created the transaction". Branch and host compare
// case-insensitively (§7.3.1: parameter values and host names are
// case-insensitive unless stated otherwise).
std::string rfc3261_key(const Via& via) {
  std::string key;
  key.reserve(4 + 1 + via.branch().size() + 1 + via.host.size() + 6);  // one allocation
  key.append("3261");
  key.push_back(kSep);
  append_lower(key, via.branch());
  key.push_back(kSep);
  append_lower(key, via.host);
  key.push_back(':');
  key.append(std::to_string(via.port));
  return key;
}

// §17.2.3, for requests from RFC 2543 clients: the INVITE "matches a
// transaction if the Request-URI, To tag, From tag, Call-ID, CSeq, and top Via
// header field match those of the INVITE request which created the
// transaction"; for ACK the CSeq number (not method) counts. The To tag and
// the method are compared after the lookup (RequestMatch). Values compare as
// received: retransmissions, ACKs and CANCELs copy them byte for byte.
std::string rfc2543_key(const Message& request, const CSeq& cseq) {
  std::string key = "2543";
  key.push_back(kSep);
  key.append(request.request_uri());
  key.push_back(kSep);
  key.append(tag_of(request.header(HeaderId::From)));
  key.push_back(kSep);
  key.append(request.header(HeaderId::CallId));
  key.push_back(kSep);
  key.append(std::to_string(cseq.number));
  key.push_back(kSep);
  key.append(top_via_value(request));
  return key;
}

// §17.1.3's key from the top Via's value and the method: the branch
// (case-insensitive), then the method.
Result<std::string> key_of_top_via(std::string_view via_value, std::string_view method) {
  std::string scratch;
  Result<Via> via = parse_via(via_value, scratch);
  if (!via) return bad_request("top Via: " + via.error().message);
  if (via->branch().empty()) return bad_request("top Via has no branch");
  std::string key;
  append_lower(key, via->branch());
  key.push_back(kSep);
  key.append(method);
  return key;
}

}  // namespace

Result<RequestMatch> match_request(const Message& request) {
  std::string scratch;
  Result<Via> via = parse_via(top_via_value(request), scratch);
  if (!via) return bad_request("top Via: " + via.error().message);
  Result<CSeq> cseq = parse_cseq(request.header(HeaderId::CSeq));
  if (!cseq) return bad_request("CSeq: " + cseq.error().message);

  RequestMatch match;
  match.rfc3261 = via->rfc3261_branch();
  match.key = match.rfc3261 ? rfc3261_key(*via) : rfc2543_key(request, *cseq);
  if (!match.rfc3261) match.to_tag = tag_of(request.header(HeaderId::To));
  return match;
}

Result<std::string> client_key(const Message& message) {
  Result<CSeq> cseq = parse_cseq(message.header(HeaderId::CSeq));
  if (!cseq) return bad_request("CSeq: " + cseq.error().message);
  return key_of_top_via(top_via_value(message), cseq->method_name);
}

Result<std::string> client_key_of_prefix(std::string_view bytes) {
  constexpr std::string_view kCrlf = "\r\n";
  std::size_t end = bytes.find(kCrlf);
  if (end == std::string_view::npos) return bad_request("no complete request line");
  const std::string_view start = bytes.substr(0, end);
  const std::size_t space = start.find(' ');
  if (start.starts_with("SIP/") || space == 0 || space == std::string_view::npos)
    return bad_request("not a request");
  const std::string_view method = start.substr(0, space);
  for (std::size_t at = end + kCrlf.size();;) {
    end = bytes.find(kCrlf, at);
    if (end == std::string_view::npos || end == at) return bad_request("no complete top Via");
    const std::string_view line = bytes.substr(at, end - at);
    at = end + kCrlf.size();
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    if (header_id(detail::trim_lws(line.substr(0, colon))) != HeaderId::Via) continue;
    const std::string_view value = detail::trim_lws(line.substr(colon + 1));
    const std::size_t item = list_item_end(value);
    if (item == std::string_view::npos) return bad_request("top Via: unbalanced");
    return key_of_top_via(detail::trim_lws(value.substr(0, item)), method);
  }
}

}  // namespace cvw::sip::txn
