// What cvwctl prints for people: aligned tables for lists (Get-CsCallViaWorkPolicy
// style column headings), "Key: value" blocks for one object, and indented
// JSON for --json. Pure functions from JSON to text; the commands choose the
// fields, this file knows nothing of users or policies.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cvw::cvwctl {

// A column of a table or a line of a block: the label shown and the dotted
// path of the value in a JSON object ("simultaneousRing.target").
struct Field {
  std::string_view label;
  std::string_view path;
};

using Row = std::vector<std::string>;

// `text` with every control character (C0, DEL, C1) replaced by '?': values
// come from the server and must not move the cursor, recolour or retitle the
// terminal of the admin reading them.
std::string printable(std::string_view text);

// The value at a dotted path of an object; nullptr when a step is missing or
// not an object.
const boost::json::value* find_path(const boost::json::value& object, std::string_view dotted_path);

// A JSON value as a cell: strings as they are, booleans True/False (as
// PowerShell shows them), null or missing as empty, numbers in JSON form,
// arrays joined with ", ", objects as compact JSON; always printable().
std::string cell_text(const boost::json::value* value);

// Header, a dashed rule under each heading, then the rows; columns two spaces
// apart, each as wide as its widest cell (in characters, not bytes); no
// trailing spaces. A row shorter than the header leaves its last cells empty.
std::string render_table(const Row& headers, const std::vector<Row>& rows);

// "Label: value" lines with the values aligned; no trailing spaces.
std::string render_key_values(const std::vector<std::pair<std::string, std::string>>& lines);

// One row per element of `items` (an element that is not an object gives
// empty cells).
std::vector<Row> table_rows(const boost::json::array& items, std::span<const Field> fields);
Row table_headers(std::span<const Field> fields);
std::string table_view(const boost::json::array& items, std::span<const Field> fields);
std::string record_view(const boost::json::value& object, std::span<const Field> fields);

// Two-space indented JSON with a final newline.
std::string pretty_json(const boost::json::value& value);

}  // namespace cvw::cvwctl
