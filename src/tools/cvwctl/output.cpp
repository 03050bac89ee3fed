#include "tools/cvwctl/output.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>

namespace cvw::cvwctl {
namespace json = boost::json;
namespace {

// Display width in characters: UTF-8 continuation bytes do not count, so
// "Zoë" is three wide. (East Asian wide characters are not measured; they
// are rare in directory fields and only cost alignment.)
std::size_t width(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

void pad_to(std::string& line, std::size_t from, std::size_t target) {
  if (target > from) line.append(target - from, ' ');
}

void trim_right(std::string& line) {
  while (!line.empty() && line.back() == ' ') line.pop_back();
}

void append_pretty(std::string& out, const json::value& value, std::size_t indent) {
  const std::string inner(indent + 2, ' ');
  if (const json::object* object = value.if_object()) {
    if (object->empty()) {
      out += "{}";
      return;
    }
    out += "{\n";
    bool first = true;
    for (const auto& [key, member] : *object) {
      if (!first) out += ",\n";
      first = false;
      out += inner;
      out += json::serialize(key);
      out += ": ";
      append_pretty(out, member, indent + 2);
    }
    out += '\n';
    out.append(indent, ' ');
    out += '}';
  } else if (const json::array* array = value.if_array()) {
    if (array->empty()) {
      out += "[]";
      return;
    }
    out += "[\n";
    bool first = true;
    for (const json::value& element : *array) {
      if (!first) out += ",\n";
      first = false;
      out += inner;
      append_pretty(out, element, indent + 2);
    }
    out += '\n';
    out.append(indent, ' ');
    out += ']';
  } else {
    out += json::serialize(value);
  }
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    // C1 controls are U+0080..U+009F, in UTF-8 0xC2 0x80..0x9F.
    if (byte == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      out += '?';
      ++i;
    } else if (byte < 0x20 || byte == 0x7F) {
      out += '?';
    } else {
      out += text[i];
    }
  }
  return out;
}

const json::value* find_path(const json::value& object, std::string_view dotted_path) {
  const json::value* current = &object;
  while (true) {
    const std::size_t dot = dotted_path.find('.');
    const json::object* members = current->if_object();
    if (members == nullptr) return nullptr;
    current = members->if_contains(dotted_path.substr(0, dot));
    if (current == nullptr || dot == std::string_view::npos) return current;
    dotted_path.remove_prefix(dot + 1);
  }
}

std::string cell_text(const json::value* value) {
  if (value == nullptr) return {};
  switch (value->kind()) {
    case json::kind::null:
      return {};
    case json::kind::bool_:
      return value->get_bool() ? "True" : "False";
    case json::kind::string:
      return printable(value->get_string());
    case json::kind::array: {
      std::string out;
      for (const json::value& element : value->get_array()) {
        if (!out.empty()) out += ", ";
        out += cell_text(&element);
      }
      return out;
    }
    default:
      return printable(json::serialize(*value));
  }
}

std::string render_table(const Row& headers, const std::vector<Row>& rows) {
  std::vector<std::size_t> widths(headers.size());
  for (std::size_t c = 0; c < headers.size(); ++c) widths[c] = width(headers[c]);
  for (const Row& row : rows) {
    for (std::size_t c = 0; c < headers.size() && c < row.size(); ++c)
      widths[c] = std::max(widths[c], width(row[c]));
  }
  std::string out;
  auto emit = [&](auto cell_of) {
    std::string line;
    std::size_t column_start = 0;
    for (std::size_t c = 0; c < headers.size(); ++c) {
      if (c > 0) {
        column_start += widths[c - 1] + 2;
        pad_to(line, width(line), column_start);
      }
      line += cell_of(c);
    }
    trim_right(line);
    out += line;
    out += '\n';
  };
  emit([&](std::size_t c) { return headers[c]; });
  emit([&](std::size_t c) { return std::string(width(headers[c]), '-'); });
  for (const Row& row : rows)
    emit([&](std::size_t c) { return c < row.size() ? row[c] : std::string(); });
  return out;
}

std::string render_key_values(const std::vector<std::pair<std::string, std::string>>& lines) {
  std::size_t label_width = 0;
  for (const auto& [label, value] : lines) label_width = std::max(label_width, width(label));
  std::string out;
  for (const auto& [label, value] : lines) {
    std::string line = label + ":";
    pad_to(line, width(line), label_width + 2);
    line += value;
    trim_right(line);
    out += line;
    out += '\n';
  }
  return out;
}

Row table_headers(std::span<const Field> fields) {
  Row headers;
  for (const Field& field : fields) headers.emplace_back(field.label);
  return headers;
}

std::vector<Row> table_rows(const json::array& items, std::span<const Field> fields) {
  std::vector<Row> rows;
  rows.reserve(items.size());
  for (const json::value& item : items) {
    Row row;
    for (const Field& field : fields) row.push_back(cell_text(find_path(item, field.path)));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string table_view(const json::array& items, std::span<const Field> fields) {
  return render_table(table_headers(fields), table_rows(items, fields));
}

std::string record_view(const json::value& object, std::span<const Field> fields) {
  std::vector<std::pair<std::string, std::string>> lines;
  for (const Field& field : fields)
    lines.emplace_back(field.label, cell_text(find_path(object, field.path)));
  return render_key_values(lines);
}

std::string pretty_json(const json::value& value) {
  std::string out;
  append_pretty(out, value, 0);
  out += '\n';
  return out;
}

}  // namespace cvw::cvwctl
