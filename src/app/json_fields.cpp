#include "app/json_fields.hpp"

#include <boost/json/parse.hpp>

namespace cvw::app {

namespace {
Error wrong_type(std::string_view name, std::string_view expected) {
  return Error{400, "field \"" + std::string(name) + "\": " + std::string(expected) + " expected"};
}
}  // namespace

Result<boost::json::object> parse_object(std::string_view body) {
  if (body.empty()) return Error{400, "a JSON object body is required"};
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec) return Error{400, "malformed JSON: " + ec.message()};
  if (!v.is_object()) return Error{400, "the body must be a JSON object"};
  return std::move(v.as_object());
}

const boost::json::value* JsonFields::value(std::string_view name) {
  known_.emplace(name);
  return object_.if_contains(name);
}

Result<std::optional<std::string>> JsonFields::string(std::string_view name) {
  const auto* v = value(name);
  if (!v) return std::optional<std::string>{};
  if (!v->is_string()) return wrong_type(name, "a string");
  return std::optional<std::string>{std::string(v->as_string())};
}

Result<std::optional<bool>> JsonFields::boolean(std::string_view name) {
  const auto* v = value(name);
  if (!v) return std::optional<bool>{};
  if (!v->is_bool()) return wrong_type(name, "true or false");
  return std::optional<bool>{v->as_bool()};
}

Result<std::optional<std::int64_t>> JsonFields::integer(std::string_view name) {
  const auto* v = value(name);
  if (!v) return std::optional<std::int64_t>{};
  if (v->is_int64()) return std::optional<std::int64_t>{v->as_int64()};
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return std::optional<std::int64_t>{static_cast<std::int64_t>(v->as_uint64())};
  return wrong_type(name, "an integer");
}

Result<std::optional<std::optional<std::string>>> JsonFields::nullable_string(std::string_view name) {
  using R = std::optional<std::optional<std::string>>;
  const auto* v = value(name);
  if (!v) return R{};
  if (v->is_null()) return R{std::optional<std::string>{}};
  if (!v->is_string()) return wrong_type(name, "a string or null");
  return R{std::optional<std::string>{std::string(v->as_string())}};
}

Result<const boost::json::object*> JsonFields::object(std::string_view name) {
  const auto* v = value(name);
  if (!v) return static_cast<const boost::json::object*>(nullptr);
  if (!v->is_object()) return wrong_type(name, "an object");
  return &v->as_object();
}

Result<void> JsonFields::no_unknown() const {
  for (const auto& member : object_)
    if (!known_.count(std::string_view(member.key())))
      return Error{400, "unknown field \"" + std::string(member.key()) + "\""};
  return {};
}

}  // namespace cvw::app
