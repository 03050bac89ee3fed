// Assertions on Result errors shared by the directory tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace cvw::directory::testing {

// The result failed with `status` and a message containing every fragment.
template <typename T>
::testing::AssertionResult fails_with(const Result<T>& result, int status,
                                      std::initializer_list<std::string_view> fragments) {
  if (result.ok()) return ::testing::AssertionFailure() << "expected an error, got success";
  if (result.error().status != status)
    return ::testing::AssertionFailure() << "status " << result.error().status << " (want "
                                         << status << "): " << result.error().message;
  for (const std::string_view fragment : fragments) {
    if (result.error().message.find(fragment) == std::string::npos)
      return ::testing::AssertionFailure()
             << "message \"" << result.error().message << "\" lacks \"" << fragment << "\"";
  }
  return ::testing::AssertionSuccess();
}

template <typename T>
::testing::AssertionResult fails_with(const Result<T>& result,
                                      std::initializer_list<std::string_view> fragments) {
  return fails_with(result, 400, fragments);
}

template <typename T>
std::string message_of(const Result<T>& result) {
  return result.ok() ? std::string("(ok)") : result.error().message;
}

}  // namespace cvw::directory::testing
