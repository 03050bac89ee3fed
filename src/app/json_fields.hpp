// Reading a JSON request body strictly: the body must be an object, every
// member must be one the resource knows (a typo such as "enabeld" is a 400
// naming it, not a silently ignored field), and each value must have the
// right type. Errors are Error{400, "..."} naming the member.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace cvw::app {

// Parses `body` as a JSON object.
Result<boost::json::object> parse_object(std::string_view body);

class JsonFields {
 public:
  explicit JsonFields(const boost::json::object& object) : object_(object) {}

  // Each getter marks the member as known. Absent: nullopt. Wrong type: error.
  Result<std::optional<std::string>> string(std::string_view name);
  Result<std::optional<bool>> boolean(std::string_view name);
  Result<std::optional<std::int64_t>> integer(std::string_view name);
  // A string or null: nullopt = absent, optional(nullopt) = explicit null.
  Result<std::optional<std::optional<std::string>>> nullable_string(std::string_view name);
  // An object member (absent: nullptr).
  Result<const boost::json::object*> object(std::string_view name);
  const boost::json::value* value(std::string_view name);

  // The first member no getter asked for, as an error.
  Result<void> no_unknown() const;

 private:
  const boost::json::object& object_;
  std::set<std::string, std::less<>> known_;
};

}  // namespace cvw::app
