#pragma once
// One OpenSSL client context shared by every outgoing connection.

#include <memory>
#include <string>

#include "protocol/result.hpp"

namespace boost::asio::ssl {
class context;
}

namespace parley::net {

struct tls_options {
  std::string extra_ca_file;  // PEM bundle trusted in addition to the system store
};

// Peer verification is always on: the system CA store plus `extra_ca_file`.
result<std::shared_ptr<boost::asio::ssl::context>> make_client_tls_context(const tls_options& o);

}  // namespace parley::net
