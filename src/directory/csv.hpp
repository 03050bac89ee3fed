// RFC 4180 CSV: fields separated by commas, records by line ends; a field in
// double quotes may hold commas, line ends and doubled quotes ("").
//
// Reading is lenient where spreadsheets differ and strict where data would be
// guessed at: LF alone ends a record as well as CRLF, a final line end is
// optional and a UTF-8 byte order mark is skipped; but a quote inside an
// unquoted field, text after a closing quote, a lone CR or an unterminated
// quoted field is an error naming its line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace cvw::directory {

struct CsvRecord {
  std::size_t line = 0;  // 1-based line the record starts on
  std::vector<std::string> fields;
};

Result<std::vector<CsvRecord>> parse_csv(std::string_view text);

// One record with its CRLF. Fields are quoted when they hold a comma, a quote,
// CR or LF, or start or end with a space (which some readers trim).
std::string format_csv_record(const std::vector<std::string>& fields);

}  // namespace cvw::directory
