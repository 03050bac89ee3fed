// RFC 4180 reader and writer; see csv.hpp.
#include "directory/csv.hpp"

namespace cvw::directory {
namespace {

Error at_line(std::size_t line, std::string_view problem) {
  return bad_request("line " + std::to_string(line) + ": " + std::string(problem));
}

}  // namespace

Result<std::vector<CsvRecord>> parse_csv(std::string_view text) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (text.starts_with(kBom)) text.remove_prefix(kBom.size());

  std::vector<CsvRecord> records;
  std::size_t line = 1;
  std::size_t i = 0;
  while (i < text.size()) {
    CsvRecord record;
    record.line = line;
    // One record: fields until a line end or the end of the text.
    while (true) {
      std::string field;
      if (i < text.size() && text[i] == '"') {
        const std::size_t opened = line;
        ++i;
        while (true) {
          if (i >= text.size())
            return at_line(opened, "a quoted field is not closed before the end of the file");
          const char c = text[i++];
          if (c == '"') {
            if (i < text.size() && text[i] == '"') {
              field += '"';
              ++i;
              continue;
            }
            break;
          }
          if (c == '\n') ++line;
          field += c;
        }
        if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
          return at_line(
              line,
              "text after the closing quote of a field (a quote inside a field must be doubled)");
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          if (text[i] == '"')
            return at_line(line, "a quote inside an unquoted field (quote the whole field)");
          field += text[i++];
        }
      }
      record.fields.push_back(std::move(field));
      if (i >= text.size()) break;
      if (text[i] == ',') {
        ++i;
        continue;
      }
      if (text[i] == '\r') {
        if (i + 1 >= text.size() || text[i + 1] != '\n')
          return at_line(line, "a carriage return without a line feed");
        ++i;
      }
      ++i;  // the '\n'
      ++line;
      break;
    }
    records.push_back(std::move(record));
  }
  return records;
}

std::string format_csv_record(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    const std::string& field = fields[i];
    const bool quote = field.find_first_of(",\"\r\n") != std::string::npos ||
                       (!field.empty() && (field.front() == ' ' || field.back() == ' '));
    if (!quote) {
      out += field;
      continue;
    }
    out += '"';
    for (const char c : field) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
  }
  out += "\r\n";
  return out;
}

}  // namespace cvw::directory
