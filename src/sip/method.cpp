#include "sip/method.hpp"

#include <array>

namespace cvw::sip {
namespace {

constexpr std::array<std::string_view, 15> kNames = {
    "",        "INVITE", "ACK",    "BYE",  "CANCEL", "OPTIONS", "REGISTER", "PRACK",
    "SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE"};

}  // namespace

Method method_from_name(std::string_view name) {
  for (std::size_t i = 1; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Method>(i);
  }
  return Method::Unknown;
}

std::string_view method_name(Method m) { return kNames[static_cast<std::size_t>(m)]; }

}  // namespace cvw::sip
