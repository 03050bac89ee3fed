#include "events/event_json.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <ctime>

namespace cvw::events {

namespace {

std::string_view kind_name(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "boolean";
    case boost::json::kind::string:
      return "string";
    case boost::json::kind::array:
      return "array";
    case boost::json::kind::object:
      return "object";
    default:
      return "number";
  }
}

}  // namespace

std::string rfc3339_utc(std::chrono::system_clock::time_point at) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(at.time_since_epoch());
  auto seconds = duration_cast<std::chrono::seconds>(ms);
  auto millis = ms - seconds;
  if (millis.count() < 0) {  // before 1970: floor, not truncate
    seconds -= std::chrono::seconds(1);
    millis += std::chrono::seconds(1);
  }
  const std::time_t t = static_cast<std::time_t>(seconds.count());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(text, n);
  const auto m = static_cast<unsigned>(millis.count());
  out += '.';
  out += static_cast<char>('0' + m / 100);
  out += static_cast<char>('0' + m / 10 % 10);
  out += static_cast<char>('0' + m % 10);
  out += 'Z';
  return out;
}

std::string event_tail(std::string_view type, const std::optional<std::string>& operation_id,
                       boost::json::object data, std::string_view time) {
  boost::json::object event;
  event.reserve(4);
  event["type"] = type;
  if (operation_id) event["operationId"] = *operation_id;
  event["data"] = std::move(data);
  event["time"] = time;
  std::string text = boost::json::serialize(event);
  text.erase(0, 1);  // the '{': the channel writes `{"seq":N,` in its place
  return text;
}

std::string poll_body(std::span<const QueuedEvent> events, std::uint64_t next_ack) {
  std::size_t size = 64;
  for (const QueuedEvent& e : events) size += e.json.size() + 1;
  std::string body;
  body.reserve(size);
  body += "{\"events\":[";
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i > 0) body += ',';
    body += events[i].json;
  }
  body += "],\"_links\":{\"next\":\"";
  body += kEventsPath;
  body += "?ack=";
  body += std::to_string(next_ack);
  body += "\"}}";
  return body;
}

std::string error_frame(std::string_view message) {
  return boost::json::serialize(boost::json::object{{"error", message}});
}

Result<std::uint64_t> parse_ack_frame(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value frame = boost::json::parse(text, ec);
  if (ec) return bad_request("the frame is not JSON (" + ec.message() + "); send {\"ack\": N}");
  const boost::json::object* object = frame.if_object();
  if (object == nullptr) return bad_request("the frame must be a JSON object {\"ack\": N}");
  const boost::json::value* ack = object->if_contains("ack");
  if (ack == nullptr) return bad_request("the frame has no \"ack\"; send {\"ack\": N}");
  std::uint64_t seq = 0;
  if (ack->is_uint64()) {
    seq = ack->get_uint64();
  } else if (ack->is_int64() && ack->get_int64() >= 0) {
    seq = static_cast<std::uint64_t>(ack->get_int64());
  } else {
    // Numbers are shown as sent; anything else by its kind, so a long string
    // is not echoed back.
    const std::string got =
        ack->is_number() ? boost::json::serialize(*ack) : "a " + std::string(kind_name(*ack));
    return bad_request("\"ack\" must be a whole number from 0 to " + std::to_string(kMaxSeq) +
                       " (got " + got + ")");
  }
  if (seq > kMaxSeq)
    return bad_request("\"ack\" must be a whole number from 0 to " + std::to_string(kMaxSeq) +
                       " (got " + std::to_string(seq) + ")");
  return seq;
}

}  // namespace cvw::events
