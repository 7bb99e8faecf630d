// The admin API against the real parley: live calls and their conversations, outbound calls
// placed through voipbin-sim, the operator's hangup, the live event stream, admin.token, and
// docs/operations.md listing every route.

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <set>

#include "app/admin_routes.hpp"
#include "conversation_fixture.hpp"
#include "startup_errors.hpp"

using namespace parley;
using namespace parley::test;
using namespace std::chrono_literals;

namespace {

const std::string token = "admin-token-0123456789abcdef";
const std::vector<std::pair<std::string, std::string>> bearer = {{"Authorization", "Bearer " + token}};

const std::string profiles_ini =
    "[profiles.sales]\n"
    "match.destination=[\"+15550111\"]\n"
    "agent.greeting=\"Sales here, hello.\"\n";

struct ini_file {
  std::string path;
  explicit ini_file(const std::string& text)
      : path("/tmp/parley-it-admin-" + std::to_string(::getpid()) + ".ini") {
    std::ofstream(path) << text;
  }
  ~ini_file() { ::unlink(path.c_str()); }
};

// Reads a text/event-stream from parley's admin server on a plain socket.
class event_stream {
 public:
  event_stream(int port, const std::string& path, const std::string& auth_header) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth_header + "\r\n";
    ::send(fd_, req.data(), req.size(), MSG_NOSIGNAL);
  }
  ~event_stream() { ::close(fd_); }

  // Reads until `text` has arrived (or `limit` passed); true when it has.
  bool wait_for(const std::string& text, std::chrono::milliseconds limit = 30s) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (received_.find(text) == std::string::npos) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return false;
      received_.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }
  const std::string& received() const { return received_; }

 private:
  int fd_ = -1;
  std::string received_;
};

}  // namespace

class Admin : public Conversation {
 protected:
  void start_agent(std::vector<std::string> extra = {}) {
    sim::llm_sim_options lo;
    lo.replies = {"Happy to help with that."};
    start(lo, std::move(extra), 300ms, PARLEY_BINARY,
          [](sim::voipbin_sim_options& o) { o.outbound_script = lingering_call("Hi, who is calling?"); });
  }

  json get_json(const std::string& path, int expect = 200) {
    auto a = http_send(admin_port, "GET", path, {}, bearer);
    EXPECT_EQ(a.status, expect) << path << ": " << a.body;
    auto j = json::parse(a.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << a.body;
    return j;
  }

  // The call's record from GET /v1/calls/{id}, once `ready` holds for it.
  template <class Pred>
  json call_when(const std::string& id, Pred ready) {
    json j;
    bool ok = eventually([&] {
      auto a = http_send(admin_port, "GET", "/v1/calls/" + id, {}, bearer);
      if (a.status != 200) return false;
      j = json::parse(a.body, nullptr, false);
      return !j.is_discarded() && ready(j);
    });
    EXPECT_TRUE(ok) << j.dump(2) << parley->output();
    return j;
  }
};

TEST_F(Admin, ListsLiveCallsWithTheirConversationTurnByTurn) {
  start_agent({"--admin.token=" + token});
  auto id = voipbin->place_call(lingering_call("I would like a table for two."));
  auto call = call_when(id, [](const json& j) {
    const auto& c = j["conversation"];
    return c.size() == 2 && c[1]["heard"] == "Happy to help with that.";
  });
  EXPECT_EQ(call["profile"], "default");
  EXPECT_EQ(call["direction"], "inbound");
  EXPECT_EQ(call["source"], "+15550100");
  EXPECT_EQ(call["turns"], 1);
  // The greeting is a turn of its own, without a caller line.
  EXPECT_EQ(call["conversation"][0]["caller"], "");
  EXPECT_EQ(call["conversation"][0]["said"], greeting);
  const auto& turn = call["conversation"][1];
  EXPECT_EQ(turn["caller"], "I would like a table for two.");
  EXPECT_EQ(turn["said"], "Happy to help with that.");
  EXPECT_FALSE(turn["interrupted"].get<bool>());
  for (const char* stage : {"llm_request", "first_token", "first_say", "say_answered"})
    EXPECT_TRUE(turn["latency_ms"].contains(stage)) << stage << ": " << turn.dump();
  EXPECT_EQ(call["last_turn_latency_ms"], turn["latency_ms"]["first_say"]);

  auto list = get_json("/v1/calls");
  ASSERT_EQ(list["calls"].size(), 1u) << list.dump();
  EXPECT_EQ(list["calls"][0]["call_id"], id);
  EXPECT_EQ(list["calls"][0]["phase"], "listening");
  EXPECT_FALSE(list["calls"][0].contains("conversation"));

  auto missing = http_send(admin_port, "GET", "/v1/calls/00000000-0000-0000-0000-000000000001", {}, bearer);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["error"]["code"], "not_found");
}

TEST_F(Admin, TheOperatorHangsACallUpAndItsRecordSaysSo) {
  start_agent({"--admin.token=" + token});
  auto id = voipbin->place_call(lingering_call("Hello there."));
  call_when(id, [](const json& j) { return j["turns"] == 1 && j["phase"] == "listening"; });
  auto a = http_send(admin_port, "POST", "/v1/calls/" + id + "/hangup", {}, bearer);
  EXPECT_EQ(a.status, 202) << a.body;
  ASSERT_TRUE(eventually([&] { return voipbin->call_status(id) == "hangup"; })) << parley->output();
  auto ended = call_when(id, [](const json& j) { return j.contains("ended"); });
  EXPECT_EQ(ended["ended"], "hung up by the operator");
  EXPECT_EQ(ended["phase"], "ended");
  EXPECT_TRUE(get_json("/v1/calls")["calls"].empty());
  // Not live any more.
  EXPECT_EQ(http_send(admin_port, "POST", "/v1/calls/" + id + "/hangup", {}, bearer).status, 404);
}

TEST_F(Admin, AnOutboundCallIsPlacedAndTheNamedProfileAnswersIt) {
  ini_file ini(profiles_ini);
  start_agent({"--config-file=" + ini.path, "--admin.token=" + token});
  json body = {{"source", {{"type", "tel"}, {"target", "+15550100"}}},
               {"destinations", {{{"type", "tel"}, {"target", "+15550142"}}}},
               {"profile", "sales"}};
  auto a = http_send(admin_port, "POST", "/v1/calls", body.dump(), bearer);
  ASSERT_EQ(a.status, 201) << a.body << parley->output();
  auto placed = json::parse(a.body);
  ASSERT_EQ(placed["calls"].size(), 1u) << a.body;
  std::string id = placed["calls"][0];
  EXPECT_EQ(voipbin->outbound_calls(), std::vector<std::string>{id});

  // VoIPBIN was asked with parley's own flow, which keeps the call up.
  auto posts = only(voipbin->requests(), "/calls");
  ASSERT_EQ(std::count_if(posts.begin(), posts.end(), [](const auto& r) { return r.method == "POST"; }), 1);
  auto sent = json::parse(
      std::find_if(posts.begin(), posts.end(), [](const auto& r) { return r.method == "POST"; })->body);
  EXPECT_EQ(sent["destinations"][0]["target"], "+15550142");
  EXPECT_EQ(sent["actions"][0]["type"], "sleep");

  // The sales profile answers, though no rule of it matches the number.
  auto call = call_when(id, [](const json& j) { return j["turns"] == 1 && j["phase"] == "listening"; });
  EXPECT_EQ(call["profile"], "sales");
  EXPECT_EQ(call["direction"], "outbound");
  EXPECT_EQ(call["conversation"][0]["said"], "Sales here, hello.");
  EXPECT_EQ(call["conversation"][1]["caller"], "Hi, who is calling?");
}

TEST_F(Admin, ABadOutboundRequestIsRefusedWithA400NamingTheField) {
  start_agent({"--admin.token=" + token});
  auto tel = json{{"type", "tel"}, {"target", "+15550142"}};
  std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "JSON object"},
      {json{{"destinations", {tel}}}.dump(), "source"},
      {json{{"source", tel}}.dump(), "destinations"},
      {json{{"source", tel}, {"destinations", json::array()}}.dump(), "destinations"},
      {json{{"source", tel}, {"destinations", {{{"type", "fax"}, {"target", "1"}}}}}.dump(),
       "destinations[0].type"},
      {json{{"source", tel}, {"destinations", {{{"type", "tel"}}}}}.dump(), "destinations[0].target"},
      {json{{"source", tel}, {"destinations", {tel}}, {"profile", "nope"}}.dump(), "profile"},
      {json{{"source", tel}, {"destinations", {tel}}, {"flow_id", "x"}}.dump(), "flow_id"},
      {json{{"source", tel}, {"destinations", {tel}}, {"colour", "red"}}.dump(), "colour"},
  };
  for (const auto& [body, field] : cases) {
    auto a = http_send(admin_port, "POST", "/v1/calls", body, bearer);
    EXPECT_EQ(a.status, 400) << body;
    auto j = json::parse(a.body, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << a.body;
    EXPECT_EQ(j["error"]["code"], "invalid_request") << a.body;
    EXPECT_NE(j["error"]["message"].get<std::string>().find(field), std::string::npos) << a.body;
  }
  EXPECT_TRUE(voipbin->outbound_calls().empty());
}

TEST_F(Admin, TheTokenGuardsTheApiButNotTheProbes) {
  start_agent({"--admin.token=" + token});
  auto none = http_send(admin_port, "GET", "/v1/calls");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(json::parse(none.body)["error"]["code"], "unauthorized");
  EXPECT_EQ(
      http_send(admin_port, "GET", "/v1/calls", {}, {{"Authorization", "Bearer wrong-token-0123456789"}})
          .status,
      401);
  EXPECT_EQ(http_send(admin_port, "GET", "/v1/calls", {}, bearer).status, 200);
  // The dashboard's cookie works for reading, never for changing anything.
  auto cookie =
      std::vector<std::pair<std::string, std::string>>{{"Cookie", "theme=dark; parley_admin_token=" + token}};
  EXPECT_EQ(http_send(admin_port, "GET", "/v1/calls", {}, cookie).status, 200);
  EXPECT_EQ(http_send(admin_port, "POST", "/v1/calls", "{}", cookie).status, 401);
  EXPECT_EQ(http_send(admin_port, "GET", "/healthz").status, 200);
  EXPECT_EQ(http_send(admin_port, "GET", "/metrics").status, 200);
  // The token never shows in what parley says.
  EXPECT_EQ(parley->output().find(token), std::string::npos);
}

TEST_F(Admin, WithoutOpenMetricsTheProbesNeedTheTokenToo) {
  start_agent({"--admin.token=" + token, "--admin.open-metrics=false"});
  EXPECT_EQ(http_send(admin_port, "GET", "/metrics").status, 401);
  EXPECT_EQ(http_send(admin_port, "GET", "/metrics", {}, bearer).status, 200);
}

TEST_F(Admin, TheEventStreamStartsWithASnapshotAndCarriesEachEventAsItHappens) {
  start_agent({"--admin.token=" + token});
  event_stream events(admin_port, "/v1/events", "Authorization: Bearer " + token + "\r\n");
  ASSERT_TRUE(events.wait_for("event: snapshot\ndata: {\"calls\":[]}")) << events.received();
  ASSERT_TRUE(events.wait_for("event: metrics\ndata: {\"active_calls\":0")) << events.received();
  auto id = voipbin->place_call(lingering_call("Is anyone there?"));
  EXPECT_TRUE(events.wait_for("\"kind\":\"caller_said\",\"text\":\"Is anyone there?\"")) << events.received();
  EXPECT_TRUE(events.wait_for("\"kind\":\"heard\",\"text\":\"Happy to help with that.\""))
      << events.received();
  EXPECT_TRUE(events.wait_for("\"stage\":\"first_say\"")) << events.received();
  EXPECT_NE(events.received().find(id), std::string::npos);
  // A new listener starts from the conversation so far.
  event_stream later(admin_port, "/v1/events", "Cookie: parley_admin_token=" + token + "\r\n");
  EXPECT_TRUE(later.wait_for("\"caller\":\"Is anyone there?\"")) << later.received();
  event_stream refused(admin_port, "/v1/events", "");
  EXPECT_TRUE(refused.wait_for("HTTP/1.1 401")) << refused.received();
}

TEST_F(Admin, EveryRouteInTheDocsIsServedAndEveryServedRouteIsInTheDocs) {
  std::ifstream in(PARLEY_SOURCE_DIR "/docs/operations.md");
  std::stringstream text;
  text << in.rdbuf();
  auto docs = text.str();
  auto section = docs.find("## Admin API");
  ASSERT_NE(section, std::string::npos) << "docs/operations.md has no '## Admin API' section";
  auto end = docs.find("\n## ", section + 1);
  auto api = docs.substr(section, end == std::string::npos ? std::string::npos : end - section);
  // A route is documented as a heading or table cell: `GET /v1/calls/{id}`.
  std::set<std::string> documented;
  std::regex route("`((?:GET|POST|PUT|DELETE) /[^`]*)`");
  for (std::sregex_iterator it(api.begin(), api.end(), route), stop; it != stop; ++it)
    documented.insert((*it)[1]);
  std::set<std::string> served(admin_route_names().begin(), admin_route_names().end());
  EXPECT_EQ(documented, served);

  start_agent({"--admin.token=" + token});
  for (const auto& r : served) {
    auto space = r.find(' ');
    auto method = r.substr(0, space);
    auto path = std::regex_replace(r.substr(space + 1), std::regex("\\{id\\}"), "no-such-call");
    if (path == "/v1/events") continue;  // a stream: the test above reads it
    auto a = http_send(admin_port, method, path, method == "POST" ? "{}" : "", bearer);
    EXPECT_NE(a.status, 0) << r;
    // A route that exists answers for itself: not the catch-all 404 nor a 405.
    EXPECT_EQ(a.body.find("no route"), std::string::npos) << r << ": " << a.body;
    EXPECT_NE(a.status, 405) << r;
  }
}

TEST(AdminConfig, AnAdminListenerOffLoopbackWithoutATokenStopsStartUp) {
  expect_refused({"--voipbin.accesskey=k", "--voipbin.customer-id=00000000-0000-0000-0000-000000000000",
                  "--admin.listen=0.0.0.0:" + std::to_string(free_port())},
                 "admin.token: required when admin.listen");
  expect_refused({"--voipbin.accesskey=k", "--voipbin.customer-id=00000000-0000-0000-0000-000000000000",
                  "--admin.token=short"},
                 "admin.token: too short");
}
