// TLS for the HTTPS API: a server context from a certificate and key in PEM,
// and the self-signed pair cvwd creates on first start so that a fresh
// install serves HTTPS without an administrator's certificate.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace cvw::http {

// TLS 1.2+ with the certificate chain and private key in PEM files. The
// error names the file and what OpenSSL found wrong.
Result<std::shared_ptr<boost::asio::ssl::context>> make_server_tls(const std::string& certificate_file,
                                                                   const std::string& key_file);

// Creates a self-signed certificate (ECDSA P-256, SHA-256, 10 years) for
// `names` (DNS names or IP addresses, the first is also the subject CN) when
// neither file exists. The key file is written with mode 0600. Returns true
// when it created them, false when they were already there.
Result<bool> ensure_self_signed(const std::string& certificate_file, const std::string& key_file,
                                const std::vector<std::string>& names);

}  // namespace cvw::http
