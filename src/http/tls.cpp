#include "http/tls.hpp"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/ip/address.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace cvw::http {

namespace {

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct FileClose {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// fopen() with the mode bits we want from the start, so a private key is
// never readable by others, not even for a moment.
std::unique_ptr<std::FILE, FileClose> create_file(const std::string& path, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return nullptr;
  std::FILE* f = ::fdopen(fd, "w");
  if (!f) ::close(fd);
  return std::unique_ptr<std::FILE, FileClose>(f);
}

}  // namespace

Result<std::shared_ptr<boost::asio::ssl::context>> make_server_tls(const std::string& certificate_file,
                                                                   const std::string& key_file) {
  namespace ssl = boost::asio::ssl;
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  // Idle connections (50,000 event channels) should not each hold OpenSSL's
  // 2 x 16 KiB record buffers.
  SSL_CTX_set_mode(context->native_handle(), SSL_MODE_RELEASE_BUFFERS);
  boost::system::error_code ec;
  context->use_certificate_chain_file(certificate_file, ec);
  if (ec) return Error{500, "tls.certificate \"" + certificate_file + "\": " + ec.message()};
  context->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) return Error{500, "tls.key \"" + key_file + "\": " + ec.message()};
  if (SSL_CTX_check_private_key(context->native_handle()) != 1)
    return Error{500, "tls.key \"" + key_file + "\" does not match tls.certificate \"" + certificate_file + "\""};
  return context;
}

Result<bool> ensure_self_signed(const std::string& certificate_file, const std::string& key_file,
                                const std::vector<std::string>& names) {
  const bool have_cert = std::filesystem::exists(certificate_file);
  const bool have_key = std::filesystem::exists(key_file);
  if (have_cert && have_key) return false;
  if (have_cert != have_key)
    return Error{500, "only one of tls.certificate \"" + certificate_file + "\" and tls.key \"" + key_file +
                          "\" exists; remove it or provide both"};
  if (names.empty()) return Error{500, "a self-signed certificate needs at least one name"};

  std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_EC_gen("P-256"));
  if (!key) return Error{500, "cannot generate a TLS key: " + openssl_error()};
  std::unique_ptr<X509, X509Free> cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;  // a positive serial number (RFC 5280 §4.1.2.2)
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("cvw"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(names[0].c_str()),
                             -1, -1, 0);
  X509_set_issuer_name(cert.get(), subject);

  std::string alt;
  for (const std::string& name : names) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(name, ec);
    if (!alt.empty()) alt += ',';
    alt += (ec ? "DNS:" : "IP:") + name;
  }
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair<int, std::string>{NID_subject_alt_name, alt},
                            {NID_basic_constraints, "critical,CA:FALSE"},
                            {NID_ext_key_usage, "serverAuth"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str());
    if (!ext) return Error{500, "cannot build the certificate extension " + value + ": " + openssl_error()};
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0)
    return Error{500, "cannot sign the certificate: " + openssl_error()};

  auto key_out = create_file(key_file, 0600);
  if (!key_out) return Error{500, "cannot create tls.key \"" + key_file + "\": " + std::strerror(errno)};
  if (PEM_write_PrivateKey(key_out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return Error{500, "cannot write tls.key \"" + key_file + "\": " + openssl_error()};
  auto cert_out = create_file(certificate_file, 0644);
  if (!cert_out)
    return Error{500, "cannot create tls.certificate \"" + certificate_file + "\": " + std::strerror(errno)};
  if (PEM_write_X509(cert_out.get(), cert.get()) != 1)
    return Error{500, "cannot write tls.certificate \"" + certificate_file + "\": " + openssl_error()};
  return true;
}

}  // namespace cvw::http
