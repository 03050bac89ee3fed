# One place for the warning set, applied to every cvw target through cvw_warnings.
add_library(cvw_warnings INTERFACE)
target_compile_options(cvw_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough -Wformat=2)
if(CVW_WERROR)
  target_compile_options(cvw_warnings INTERFACE -Werror)
endif()
