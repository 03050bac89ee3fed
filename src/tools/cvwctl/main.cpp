// cvwctl: the administrator's command line for cvw. It talks only to the
// REST API (docs/openapi.json), never to the database, so it works against
// any node and obeys the same checks as every other client.
#include <iostream>

#include "tools/cvwctl/cli.hpp"

int main(int argc, char** argv) {
  cvw::cvwctl::Context context(std::cout, std::cerr, std::cin,
                               cvw::cvwctl::Environment::from_process(),
                               cvw::cvwctl::system_clock_seconds);
  return cvw::cvwctl::run_cvwctl(argc, argv, context);
}
