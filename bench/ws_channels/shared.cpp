#include "shared.hpp"

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <cmath>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <istream>

namespace cvw::bench {

namespace net = boost::asio;

std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t cpu_us() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto us = [](const timeval& t) { return std::int64_t{t.tv_sec} * 1'000'000 + t.tv_usec; };
  return us(usage.ru_utime) + us(usage.ru_stime);
}

ControlChannel::ControlChannel(net::io_context& io, int fd) : socket_(io) {
  socket_.assign(net::local::stream_protocol(), fd);
}

void ControlChannel::send(std::string_view line) {
  std::string text(line);
  text += '\n';
  boost::system::error_code ignored;  // a peer gone is seen by the reader as end of file
  net::write(socket_, net::buffer(text), ignored);
}

namespace {

std::string take_line(net::streambuf& buffer) {
  std::istream in(&buffer);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

std::string ControlChannel::read_line() {
  boost::system::error_code ec;
  net::read_until(socket_, buffer_, '\n', ec);
  if (ec) return {};
  return take_line(buffer_);
}

void ControlChannel::read_lines(std::function<void(const std::string&)> on_line) {
  on_line_ = std::move(on_line);
  read_next();
}

void ControlChannel::read_next() {
  net::async_read_until(socket_, buffer_, '\n', [this](boost::system::error_code ec, std::size_t) {
    if (ec) {
      if (auto handler = std::move(on_line_)) handler("");
      return;
    }
    const std::string line = take_line(buffer_);
    const auto handler = on_line_;  // it may close the channel, which drops on_line_
    handler(line);
    if (on_line_ && socket_.is_open()) read_next();
  });
}

void ControlChannel::close() {
  on_line_ = nullptr;
  boost::system::error_code ignored;
  socket_.close(ignored);
}

Percentiles percentiles(std::vector<std::int64_t> sample) {
  if (sample.empty()) return {};
  std::sort(sample.begin(), sample.end());
  // Nearest rank: the smallest value with at least p % of the sample at or below it.
  auto at = [&](double p) {
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sample.size())));
    rank = std::clamp<std::size_t>(rank, 1, sample.size());
    return sample[rank - 1];
  };
  return {at(50), at(90), at(99), sample.back()};
}

}  // namespace cvw::bench
