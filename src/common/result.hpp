// Result<T>: the value of an operation that can fail on untrusted input.
//
// Wire parsers never throw (STYLE.md "wire input is untrusted"); they return a
// Result carrying either the value or an Error whose message names what is
// wrong, so the SIP layer can put it in a 400 reason phrase and a log line.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace cvw {

struct Error {
  // Errors from the wire carry the SIP status a server should answer with
  // (400 by default, 505 for a bad version...); 0 means "drop, do not answer".
  int status = 400;
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}    // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

inline Error bad_request(std::string message) { return Error{400, std::move(message)}; }

}  // namespace cvw
