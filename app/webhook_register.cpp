#include "app/webhook_register.hpp"

#include <cstdio>
#include <future>
#include <string_view>

#include "app/settings.hpp"
#include "net/http_client.hpp"
#include "net/io_runtime.hpp"
#include "net/tls_context.hpp"
#include "protocol/voipbin_requests.hpp"

namespace parley {

webhook_command parse_webhook_command(int argc, char** argv) {
  webhook_command cmd;
  cmd.rest.push_back(argv[0]);
  if (argc < 3 || std::string_view(argv[1]) != "webhook" || std::string_view(argv[2]) != "register") {
    for (int i = 1; i < argc; ++i) cmd.rest.push_back(argv[i]);
    return cmd;
  }
  cmd.present = true;
  for (int i = 3; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.rfind("--url=", 0) == 0)
      cmd.url = std::string(a.substr(6));
    else if (a.rfind("--method=", 0) == 0)
      cmd.method = std::string(a.substr(9));
    else
      cmd.rest.push_back(argv[i]);
  }
  if (cmd.url.empty()) {
    cmd.error = "webhook register: --url=URL is required";
  } else if (auto u = parse_url(cmd.url); !u || (u->scheme != "http" && u->scheme != "https")) {
    cmd.error = "webhook register: --url: '" + cmd.url + "' is not an http(s) URL";
  } else if (cmd.method != "POST" && cmd.method != "PUT" && cmd.method != "GET" && cmd.method != "DELETE") {
    cmd.error = "webhook register: --method: '" + cmd.method + "' is not one of POST, PUT, GET, DELETE";
  }
  return cmd;
}

namespace {

net::http_outcome call(net::http_client& http, const settings& s, const voipbin::rest_request& r) {
  net::http_request req;
  req.method = r.method;
  req.target = s.voipbin.api.with_path_suffix(r.path).with_query("accesskey", s.voipbin.accesskey);
  req.body = r.body;
  req.timeout = s.voipbin.request_timeout;
  std::promise<net::http_outcome> p;
  http.send(std::move(req), [&p](net::http_outcome o) { p.set_value(std::move(o)); });
  return p.get_future().get();
}

int failed(const char* step, const net::http_outcome& o) {
  if (!o.ok())
    std::fprintf(stderr, "parley: %s failed: %s %s\n", step, std::string(net::to_string(o.error)).c_str(),
                 o.error_text.c_str());
  else
    std::fprintf(stderr, "parley: %s answered %d: %s\n", step, o.response.status, o.response.body.c_str());
  return 1;
}

}  // namespace

int register_webhook(const settings& s, const webhook_command& cmd) {
  net::io_runtime io{1};
  auto tls = net::make_client_tls_context({s.tls_ca_file});
  if (!tls) {
    std::fprintf(stderr, "parley: tls.ca-file: %s\n", tls.error().message.c_str());
    return 2;
  }
  net::http_client http{io.context(), *tls};
  io.start();
  auto current = call(http, s, voipbin::get_customer());
  if (!current.ok() || current.response.status != 200) return failed("GET /customer", current);
  // The body holds webhook_secret: it is used here and never printed.
  auto put = voipbin::set_customer_webhook(current.response.body, cmd.method, cmd.url);
  if (!put) {
    std::fprintf(stderr, "parley: %s\n", put.error().message.c_str());
    return 1;
  }
  auto done = call(http, s, *put);
  if (!done.ok() || done.response.status != 200) return failed("PUT /customer", done);
  std::printf("webhook of customer %s set to %s %s\n", s.voipbin.customer_id.c_str(), cmd.method.c_str(),
              cmd.url.c_str());
  std::printf(
      "set webhook.secret (or VOIPBIN_WEBHOOK_SECRET) to the customer's webhook_secret, and "
      "events.mode to webhook or both\n");
  return 0;
}

}  // namespace parley
