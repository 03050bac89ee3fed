// Peer and AddressText: the address text written into received= must be what
// Asio (inet_ntop) would write, for every octet width.
#include "sip/peer.hpp"

#include <gtest/gtest.h>

namespace {

using boost::asio::ip::make_address;
using cvw::sip::AddressText;

TEST(AddressText, Ipv4IsWhatInetNtopWrites) {
  for (const char* text :
       {"0.0.0.0", "127.0.0.1", "10.1.20.100", "192.168.9.99", "255.255.255.255", "1.10.100.0"}) {
    const auto address = make_address(text);
    EXPECT_EQ(AddressText(address).view(), address.to_string()) << text;
    EXPECT_EQ(AddressText(address).view(), text);
  }
  // Every octet value once, in each position.
  for (unsigned v = 0; v < 256; ++v) {
    const auto address = boost::asio::ip::address_v4(std::array<unsigned char, 4>{
        static_cast<unsigned char>(v), static_cast<unsigned char>(255 - v),
        static_cast<unsigned char>(v / 2), static_cast<unsigned char>(v % 7)});
    ASSERT_EQ(AddressText(boost::asio::ip::address(address)).view(), address.to_string()) << v;
  }
}

TEST(AddressText, Ipv6IsWhatInetNtopWrites) {
  for (const char* text : {"::1", "::", "2001:db8::5060", "fe80::1:2:3:4", "::ffff:10.0.0.1"}) {
    const auto address = make_address(text);
    EXPECT_EQ(AddressText(address).view(), address.to_string()) << text;
  }
}

}  // namespace
