#include "net/tls_context.hpp"

#include <boost/asio/ssl/context.hpp>

namespace parley::net {

result<std::shared_ptr<boost::asio::ssl::context>> make_client_tls_context(const tls_options& o) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1, ec);
  ctx->set_verify_mode(ssl::verify_peer, ec);
  ctx->set_default_verify_paths(ec);
  if (ec) return fail("cannot load the system CA store: " + ec.message());
  if (!o.extra_ca_file.empty()) {
    ctx->load_verify_file(o.extra_ca_file, ec);
    if (ec) return fail("cannot load CA file '" + o.extra_ca_file + "': " + ec.message());
  }
  return ctx;
}

}  // namespace parley::net
