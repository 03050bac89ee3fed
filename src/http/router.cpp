#include "http/router.hpp"

#include "common/log.hpp"

namespace cvw::http {

namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    std::size_t end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    out.emplace_back(path.substr(i, end - i));
    i = end;
  }
  return out;
}

bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Matches `path` against a route's segments without splitting it into
// strings: routes are few and this runs once per route per request.
bool match(const Route& route, std::string_view path, PathParams& params) {
  params.clear();
  std::size_t i = 0;
  for (const std::string& segment : route.segments) {
    while (i < path.size() && path[i] == '/') ++i;
    if (i >= path.size()) return false;
    std::size_t end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    std::string_view actual = path.substr(i, end - i);
    if (is_param(segment)) {
      auto decoded = percent_decode(actual);
      if (!decoded) return false;
      params.add(std::string_view(segment).substr(1, segment.size() - 2), std::move(*decoded));
    } else if (actual != segment) {
      return false;
    }
    i = end;
  }
  while (i < path.size() && path[i] == '/') ++i;
  return i == path.size();
}

}  // namespace

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    if (exchange_) send(error_response(Status::internal_server_error, "NoResponse", "the request was not answered"));
    exchange_ = std::move(other.exchange_);
  }
  return *this;
}

Responder::~Responder() {
  if (!exchange_) return;
  log().error("http: a handler dropped its request without answering; sending 500");
  exchange_->deliver(error_response(Status::internal_server_error, "NoResponse", "the request was not answered"));
}

void Responder::send(Response&& response) {
  if (!exchange_) return;
  auto exchange = std::move(exchange_);
  exchange_.reset();
  exchange->deliver(std::move(response));
}

std::shared_ptr<WebSocket> Responder::upgrade() {
  if (!exchange_) return nullptr;
  auto socket = exchange_->upgrade();
  if (socket) exchange_.reset();
  return socket;
}

void Router::add(Verb method, std::string pattern, Handler handler) {
  auto segments = split_path(pattern);
  routes_.push_back(Route{method, std::move(pattern), false, std::move(handler), std::move(segments)});
}

void Router::add_websocket(std::string pattern, Handler handler) {
  auto segments = split_path(pattern);
  routes_.push_back(Route{Verb::get, std::move(pattern), true, std::move(handler), std::move(segments)});
}

Router::Match Router::find(Verb method, std::string_view path, PathParams& params) const {
  Match result;
  for (const Route& route : routes_) {
    if (!match(route, path, params)) continue;
    if (route.method == method) {
      result.route = &route;
      result.allow.clear();
      return result;
    }
    if (!result.allow.empty()) result.allow += ", ";
    result.allow += std::string_view(boost::beast::http::to_string(route.method));
  }
  params.clear();
  return result;
}

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
  std::size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    std::size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    if (key == name) return percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

}  // namespace cvw::http
