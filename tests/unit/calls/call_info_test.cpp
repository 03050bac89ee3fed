#include <gtest/gtest.h>

#include "calls/call_info.hpp"

namespace cvw::calls {
namespace {

TEST(CallInfo, PhoneFailuresSayWhatHappenedToTheUsersOwnPhone) {
  const std::pair<int, EndCode> cases[] = {
      {486, EndCode::PhoneBusy},        {600, EndCode::PhoneBusy},        {603, EndCode::PhoneDeclined},
      {408, EndCode::PhoneNoAnswer},    {480, EndCode::PhoneUnreachable}, {404, EndCode::PhoneUnreachable},
      {503, EndCode::PhoneUnreachable}, {500, EndCode::PhoneUnreachable}, {403, EndCode::Failed},
      {488, EndCode::Failed}};
  for (const auto& [status, code] : cases) {
    const EndReason r = phone_failure(status);
    EXPECT_EQ(r.code, code) << status;
    EXPECT_EQ(r.sip_status, status);
    EXPECT_EQ(r.by, Party::Phone);
    EXPECT_NE(r.message.find(std::to_string(status)), std::string::npos) << r.message;
  }
}

TEST(CallInfo, CalleeFailures) {
  const std::pair<int, EndCode> cases[] = {
      {486, EndCode::CalleeBusy},        {600, EndCode::CalleeBusy},        {603, EndCode::CalleeDeclined},
      {408, EndCode::CalleeNoAnswer},    {480, EndCode::CalleeUnavailable}, {404, EndCode::CalleeNotFound},
      {484, EndCode::CalleeNotFound},    {604, EndCode::CalleeNotFound},    {410, EndCode::CalleeNotFound},
      {502, EndCode::CalleeUnavailable}, {415, EndCode::Failed}};
  for (const auto& [status, code] : cases) {
    EXPECT_EQ(callee_failure(status).code, code) << status;
    EXPECT_EQ(callee_failure(status).by, Party::Callee);
  }
}

TEST(CallInfo, NamesAreTheApisSpelling) {
  EXPECT_EQ(to_string(CallState::CallingPhone), "callingPhone");
  EXPECT_EQ(to_string(CallState::CalleeRinging), "calleeRinging");
  EXPECT_EQ(to_string(CallState::Ended), "ended");
  EXPECT_EQ(to_string(EndCode::MediaUpdateFailed), "MediaUpdateFailed");
  EXPECT_EQ(to_string(EndCode::CancelledByUser), "CancelledByUser");
  EXPECT_EQ(to_string(Party::Callee), "callee");
  EXPECT_EQ(to_string(TargetKind::User), "user");
}

}  // namespace
}  // namespace cvw::calls
