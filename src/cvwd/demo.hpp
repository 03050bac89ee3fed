// `cvwd --demo`: a small directory to try cvw with, created on start when the
// users are missing (existing ones are left alone, so a demo database can be
// reused and changed).
#pragma once

#include "app/directory_service.hpp"
#include "directory/password.hpp"

namespace cvw::cvwd {

// The administrator is sip:admin@example.com with password
// "admin-password-1"; every other demo user's password is "<name>-password-1".
Result<void> create_demo_directory(app::DirectoryService& directory, const directory::PasswordCost& cost);

}  // namespace cvw::cvwd
