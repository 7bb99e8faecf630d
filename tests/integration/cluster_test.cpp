// Several parley instances on one customer (docs/scaling.md), coordinated by a real
// redis-server: every instance receives every event, each call is answered by exactly one of
// them, and the calls of an instance that dies or drains go on at the others with their history.

#include <csignal>
#include <map>

#include "conversation_fixture.hpp"
#include "redis_process.hpp"

using namespace parley;
using namespace parley::test;

namespace {

const std::string q1 = "First question.";
const std::string q2 = "Second question.";
const std::string q3 = "Third question.";

// Each answer names what the caller said, in one sentence.
std::string reply_to(const std::string& said) {
  return "You said: " + said;
}

std::string reference_of(const sim::recorded_request& r) {
  auto j = json::parse(r.body, nullptr, false);
  return j.is_object() && j.contains("reference_id") ? j["reference_id"].get<std::string>() : "";
}

}  // namespace

class Cluster : public Conversation {
 protected:
  struct node {
    std::unique_ptr<child_process> proc;
    int admin = 0;
  };

  // `n` instances against one voipbin-sim, llm-sim and redis-server, each ready (subscribed,
  // Redis reached) before this returns.
  void start_cluster(int n, std::vector<std::string> extra = {},
                     const std::function<void(sim::voipbin_sim_options&)>& tweak = {}) {
    redis = std::make_unique<redis_process>();
    ASSERT_TRUE(redis->running()) << redis->output();
    // VoIPBIN's rate limit is per customer; here it is lifted, so the calls are answered at once.
    cluster_args = {"--cluster.mode=redis",      "--cluster.redis-url=" + redis->url(),
                    "--cluster.lease=2",         "--agent.drain-timeout=0.5",
                    "--voipbin.rate-limit=1000", "--voipbin.rate-burst=1000"};
    cluster_args.insert(cluster_args.end(), extra.begin(), extra.end());
    sim::llm_sim_options lo;
    lo.replies = replies;
    lo.first_token_delay = std::chrono::milliseconds(10);
    lo.token_delay = std::chrono::milliseconds(2);
    // The caller waits for whole answers, however busy the machine.
    ASSERT_NO_FATAL_FAILURE(start(lo, with_id(0), std::chrono::milliseconds(1500), PARLEY_BINARY, tweak));
    nodes.push_back({std::move(parley), admin_port});
    ASSERT_TRUE(eventually([&] { return ready(nodes[0]); })) << nodes[0].proc->output();
    for (int i = 1; i < n; ++i) ASSERT_NO_FATAL_FAILURE(add_node(i));
  }

  std::vector<std::string> with_id(int i) {
    auto args = cluster_args;
    args.push_back("--cluster.node-id=node-" + std::to_string(i));
    if (static_cast<std::size_t>(i) < webhook_ports.size())
      args.push_back("--webhook.listen=127.0.0.1:" + std::to_string(webhook_ports[i]));
    return args;
  }

  void add_node(int i) {
    node nd;
    nd.admin = free_port();
    auto args = base_args;
    args.push_back("--admin.listen=127.0.0.1:" + std::to_string(nd.admin));
    for (auto& a : with_id(i)) args.push_back(a);
    auto subscribed = voipbin->subscribers();
    nd.proc = std::make_unique<child_process>(PARLEY_BINARY, args);
    ASSERT_TRUE(eventually([&] { return (webhooks || voipbin->subscribers() > subscribed) && ready(nd); }))
        << nd.proc->output();
    nodes.push_back(std::move(nd));
  }

  static bool ready(const node& nd) { return http_fetch(nd.admin, "/readyz").status == 200; }

  static long metric_of(const node& nd, const std::string& series) {
    auto text = http_get(nd.admin, "/metrics");
    auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stol(text.substr(at + series.size() + 2));
  }

  long total(const std::string& series, const std::vector<std::size_t>& which) {
    long sum = 0;
    for (auto i : which) sum += std::max(0L, metric_of(nodes[i], series));
    return sum;
  }

  std::vector<std::size_t> all_nodes() const {
    std::vector<std::size_t> v;
    for (std::size_t i = 0; i < nodes.size(); ++i) v.push_back(i);
    return v;
  }

  std::string outputs() const {
    std::string out;
    for (std::size_t i = 0; i < nodes.size(); ++i)
      out += "---- node-" + std::to_string(i) + "\n" + (nodes[i].proc ? nodes[i].proc->output() : "") + "\n";
    return out;
  }

  // Calls of three turns, the third on cue, each answered twice; `one_by_one`: each call
  // placed once the one before is answered.
  std::vector<std::string> place_three_turn_calls(int n, bool one_by_one = false) {
    std::vector<std::string> calls;
    for (int i = 0; i < n; ++i) {
      sim::caller_turn third{q3};
      third.on_cue = true;
      calls.push_back(voipbin->place_call({{q1, q2, third}}));
      if (one_by_one) {
        EXPECT_TRUE(eventually([&] { return !voipbin->heard(calls.back()).empty(); })) << outputs();
      }
    }
    EXPECT_TRUE(eventually([&] {
      for (const auto& c : calls) {
        auto heard = voipbin->heard(c);
        if (heard.empty() || heard.back().text != reply_to(q2)) return false;
      }
      return true;
    })) << outputs();
    return calls;
  }

  // The node serving the most calls.
  std::size_t busiest() {
    std::size_t best = 0;
    long most = -1;
    for (std::size_t i = 0; i < nodes.size(); ++i)
      if (auto n = metric_of(nodes[i], "parley_active_calls"); n > most) {
        most = n;
        best = i;
      }
    return best;
  }

  // Six calls answered twice; then the busiest instance goes (`go` kills or stops it) and the
  // others adopt every call it served, and each caller says the third turn.
  std::vector<std::string> lose_busiest_instance(const std::function<void(child_process&)>& go) {
    auto calls = place_three_turn_calls(6);
    auto gone = busiest();
    auto served = metric_of(nodes[gone], "parley_active_calls");
    EXPECT_GT(served, 0);
    go(*nodes[gone].proc);
    EXPECT_TRUE(eventually([&] { return total("parley_calls_adopted_total", others(gone)) == served; }))
        << outputs();
    // A handed-over call gets a new transcription: the caller speaks once it hears.
    EXPECT_TRUE(eventually([&] { return voipbin->live_transcribes() == calls.size(); })) << outputs();
    for (const auto& c : calls) voipbin->cue(c);
    EXPECT_TRUE(eventually([&] { return voipbin->calls_finished() == calls.size(); })) << outputs();
    return calls;
  }

  // redis-cli's answer to `args` (quoted for the shell), against the test's redis-server.
  std::string redis_cli(const std::string& args) const {
    std::string out;
    auto* p = ::popen(("redis-cli -p " + std::to_string(redis->port()) + " " + args).c_str(), "r");
    for (char buf[256]; p && std::fgets(buf, sizeof buf, p);) out += buf;
    if (p) ::pclose(p);
    return out;
  }

  // A key of the test's customer, quoted for the shell.
  static std::string key(const std::string& name) {
    return "'parley:{" + sim::voipbin_sim_options{}.customer_id + "}:" + name + "'";
  }

  std::vector<std::size_t> others(std::size_t gone) const {
    std::vector<std::size_t> v;
    for (std::size_t i = 0; i < nodes.size(); ++i)
      if (i != gone) v.push_back(i);
    return v;
  }

  // Each call's third turn was asked with the whole conversation, its first two turns included.
  void expect_whole_histories(const std::vector<std::string>& calls) {
    json expected = json::array({{{"role", "system"}, {"content", system_prompt}},
                                 {{"role", "assistant"}, {"content", greeting}},
                                 {{"role", "user"}, {"content", q1}},
                                 {{"role", "assistant"}, {"content", reply_to(q1)}},
                                 {{"role", "user"}, {"content", q2}},
                                 {{"role", "assistant"}, {"content", reply_to(q2)}},
                                 {{"role", "user"}, {"content", q3}}});
    std::size_t whole = 0;
    for (const auto& body : llm->requests()) whole += json::parse(body)["messages"] == expected;
    EXPECT_EQ(whole, calls.size()) << outputs();
    for (const auto& c : calls) {
      auto heard = voipbin->heard(c);
      ASSERT_FALSE(heard.empty());
      EXPECT_EQ(heard.back().text, reply_to(q3)) << c;
      // One greeting: the call went on, it did not start again.
      EXPECT_EQ(std::count_if(heard.begin(), heard.end(), [](const auto& h) { return h.text == greeting; }),
                1)
          << c;
    }
  }

  void TearDown() override {
    for (auto& nd : nodes)
      if (nd.proc && !nd.proc->terminate(std::chrono::seconds(5))) nd.proc->terminate();
    Conversation::TearDown();
  }

  std::unique_ptr<redis_process> redis;
  std::vector<std::string> replies = {"You said: {user}"};  // the model's, by turn of a call
  bool webhooks = false;                                    // events.mode=webhook
  std::vector<int> webhook_ports;                           // each node's receiver, in order
  std::vector<std::string> cluster_args;
  std::vector<node> nodes;
};

TEST_F(Cluster, EachCallIsAnsweredByExactlyOneInstance) {
  ASSERT_NO_FATAL_FAILURE(start_cluster(3));
  std::vector<std::string> calls;
  for (int i = 0; i < 50; ++i) calls.push_back(voipbin->place_call({{q1, q2}}));
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 50; }, std::chrono::seconds(120)))
      << outputs();

  std::map<std::string, int> transcribes, speakings;
  for (const auto& r : voipbin->requests()) {
    if (r.method != "POST") continue;
    if (r.path == "/transcribes") ++transcribes[reference_of(r)];
    if (r.path == "/speakings") ++speakings[reference_of(r)];
  }
  for (const auto& c : calls) {
    EXPECT_EQ(transcribes[c], 1) << c;
    EXPECT_EQ(speakings[c], 1) << c;
    // Heard sentence by sentence: the greeting once, then each answer.
    std::vector<std::string> texts;
    for (const auto& h : voipbin->heard(c)) texts.push_back(h.text);
    EXPECT_EQ(std::count(texts.begin(), texts.end(), greeting), 1) << c;
    EXPECT_EQ(std::count(texts.begin(), texts.end(), reply_to(q1)), 1) << c;
    EXPECT_EQ(std::count(texts.begin(), texts.end(), reply_to(q2)), 1) << c;
  }
  EXPECT_EQ(llm->requests().size(), 100u);
  EXPECT_EQ(total("parley_calls_total", all_nodes()), 50);
  EXPECT_EQ(total("parley_calls_elsewhere_total", all_nodes()), 100);
  for (const auto& nd : nodes) EXPECT_EQ(metric_of(nd, "parley_cluster_nodes"), 3);
  EXPECT_TRUE(voipbin->violations().empty());
}

TEST_F(Cluster, AKilledInstancesCallsGoOnAtTheOthersWithTheirHistory) {
  ASSERT_NO_FATAL_FAILURE(start_cluster(3));
  // Its lease runs out; the others share its calls out and adopt them with their live sessions.
  auto calls = lose_busiest_instance([](child_process& p) { EXPECT_EQ(p.kill(), 128 + 9); });
  ASSERT_FALSE(HasFailure()) << outputs();
  expect_whole_histories(calls);
  // The adopters went on with the transcriptions the dead instance had made.
  std::map<std::string, int> transcribes;
  for (const auto& r : voipbin->requests())
    if (r.method == "POST" && r.path == "/transcribes") ++transcribes[reference_of(r)];
  for (const auto& c : calls) EXPECT_EQ(transcribes[c], 1) << c;
  EXPECT_TRUE(voipbin->violations().empty());
}

TEST_F(Cluster, ADrainingInstanceHandsItsCallsOverWithNothingLost) {
  ASSERT_NO_FATAL_FAILURE(start_cluster(3));
  auto calls = lose_busiest_instance([&](child_process& p) {
    p.signal(SIGTERM);
    auto rc = p.wait(std::chrono::seconds(60));
    ASSERT_TRUE(rc.has_value()) << outputs();
    EXPECT_EQ(*rc, 0) << outputs();
  });
  ASSERT_FALSE(HasFailure()) << outputs();
  expect_whole_histories(calls);
  // Handed over, not hung up: no drain message, no hangup from parley.
  for (const auto& c : calls) {
    EXPECT_TRUE(only(voipbin->requests(), "/calls/" + c + "/hangup").empty()) << c;
    for (const auto& h : voipbin->heard(c)) EXPECT_NE(h.text, "Sorry, I have to go now. Goodbye!") << c;
  }
}

TEST_F(Cluster, WithRedisDownCallsGoOnNewOnesWaitAndAllRecover) {
  ASSERT_NO_FATAL_FAILURE(start_cluster(2, {}, [](sim::voipbin_sim_options& vo) {
    vo.answer_timeout = std::chrono::seconds(5);  // a call nobody answers is hung up
  }));
  auto calls = place_three_turn_calls(2);
  redis->kill();
  for (const auto& nd : nodes) {
    ASSERT_TRUE(eventually([&] { return !ready(nd); })) << outputs();
    EXPECT_NE(http_fetch(nd.admin, "/readyz").body.find("Redis unreachable"), std::string::npos);
    EXPECT_EQ(metric_of(nd, "parley_cluster_redis_up"), 0);
  }
  // The calls served go on.
  for (const auto& c : calls) voipbin->cue(c);
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == calls.size(); })) << outputs();
  // A new call is claimed by nobody (cluster.redis-down=refuse): it is not answered.
  auto unanswered = voipbin->place_call({{q1}});
  ASSERT_TRUE(eventually([&] { return voipbin->call_status(unanswered) == "hangup"; })) << outputs();
  for (const auto& r : voipbin->requests())
    if (r.method == "POST" && r.path == "/transcribes") {
      EXPECT_NE(reference_of(r), unanswered);
    }

  ASSERT_TRUE(redis->restart()) << redis->output();
  for (const auto& nd : nodes) {
    ASSERT_TRUE(eventually([&] { return ready(nd); })) << outputs();
    EXPECT_EQ(metric_of(nd, "parley_cluster_redis_up"), 1);
  }
  auto later = voipbin->place_call({{q1}});
  ASSERT_TRUE(eventually([&] { return voipbin->call_status(later) == "hangup"; })) << outputs();
  auto heard = voipbin->heard(later);
  ASSERT_EQ(heard.size(), 2u) << outputs();
  EXPECT_EQ(heard.back().text, reply_to(q1));
  EXPECT_EQ(total("parley_calls_total", all_nodes()), 3);
}

TEST_F(Cluster, TheInstancesShareTheCustomersRateLimit) {
  // Three calls each (agent.max-calls), then every caller speaks at once: three-sentence
  // answers, 27 /say requests together.
  replies = {"You said: {user}", "You said: {user}", "One for you. Two for you. Three for you."};
  // VoIPBIN allows 6 requests a second; the instances are told 5 (a margin for timing).
  ASSERT_NO_FATAL_FAILURE(
      start_cluster(3, {"--voipbin.rate-limit=5", "--voipbin.rate-burst=5", "--agent.max-calls=3"},
                    [](sim::voipbin_sim_options& vo) {
                      vo.rate_limit = 6;
                      vo.rate_burst = 6;
                    }));
  for (const auto& nd : nodes)
    ASSERT_TRUE(eventually([&] { return metric_of(nd, "parley_cluster_nodes") == 3; }));
  auto calls = place_three_turn_calls(9, true);
  for (const auto& nd : nodes) ASSERT_EQ(metric_of(nd, "parley_active_calls"), 3);
  for (const auto& c : calls) voipbin->cue(c);
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == calls.size(); }, std::chrono::seconds(90)))
      << outputs();
  std::size_t refused = 0;
  for (const auto& r : voipbin->requests()) refused += r.status == 429;
  EXPECT_EQ(refused, 0u) << outputs();
  EXPECT_EQ(total("parley_rest_throttled_total", all_nodes()), 0);
}

TEST_F(Cluster, WebhookEventsReachTheInstanceServingTheCall) {
  // Behind a load balancer that sends every webhook to the first instance, which takes one call.
  webhooks = true;
  webhook_ports = {free_port(), free_port()};
  const std::string secret = "cluster-webhook-secret";
  ASSERT_NO_FATAL_FAILURE(
      start_cluster(2, {"--events.mode=webhook", "--webhook.secret=" + secret, "--agent.max-calls=1"},
                    [&](sim::voipbin_sim_options& vo) {
                      vo.webhook_url = "http://127.0.0.1:" + std::to_string(webhook_ports[0]) + "/v1/webhook";
                      vo.webhook_secret = secret;
                    }));
  std::vector<std::string> calls;
  for (int i = 0; i < 2; ++i) {
    calls.push_back(voipbin->place_call({{q1, q2}}));
    ASSERT_TRUE(eventually([&] { return !voipbin->heard(calls.back()).empty(); })) << outputs();
  }
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == calls.size(); })) << outputs();
  EXPECT_EQ(metric_of(nodes[0], "parley_calls_total"), 1);
  EXPECT_EQ(metric_of(nodes[1], "parley_calls_total"), 1);
  // Each event acted on once: one transcription, each turn answered once.
  std::map<std::string, int> transcribes;
  for (const auto& r : voipbin->requests())
    if (r.method == "POST" && r.path == "/transcribes") ++transcribes[reference_of(r)];
  for (const auto& c : calls) {
    EXPECT_EQ(transcribes[c], 1) << c;
    std::vector<std::string> texts;
    for (const auto& h : voipbin->heard(c)) texts.push_back(h.text);
    EXPECT_EQ(texts, (std::vector<std::string>{greeting, reply_to(q1), reply_to(q2)})) << c;
  }
  EXPECT_EQ(llm->requests().size(), 4u);
}

TEST_F(Cluster, AnAdoptedCallGoesOnFromItsCheckpointWhenTheTranscriptsCannotBeRead) {
  ASSERT_NO_FATAL_FAILURE(start_cluster(3));
  auto calls = lose_busiest_instance([&](child_process& p) {
    // VoIPBIN's transcripts are out of reach: only the checkpoints tell the conversation.
    voipbin->fail_next("GET", "/transcripts", 400, 1000);
    EXPECT_EQ(p.kill(), 128 + 9);
  });
  ASSERT_FALSE(HasFailure()) << outputs();
  expect_whole_histories(calls);
}

TEST_F(Cluster, AnInstanceCutOffFromRedisLeavesTheCallsAnotherAdoptedMeanwhile) {
  ASSERT_NO_FATAL_FAILURE(start_cluster(2));
  auto calls = place_three_turn_calls(4);
  auto cut = busiest();
  ASSERT_GT(metric_of(nodes[cut], "parley_active_calls"), 0);
  // While it was cut off, another instance adopted its calls: their owner records say so. Then
  // every instance's connection drops, and each claims its calls again when it is back.
  std::istringstream taken(redis_cli("SMEMBERS " + key("node:node-" + std::to_string(cut) + ":calls")));
  std::size_t moved = 0;
  for (std::string call; std::getline(taken, call);)
    if (!call.empty()) moved += redis_cli("SET " + key("call:" + call) + " node-elsewhere").find("OK") == 0;
  ASSERT_GT(moved, 0u);
  redis_cli("CLIENT KILL TYPE normal");
  ASSERT_TRUE(eventually([&] { return metric_of(nodes[cut], "parley_active_calls") == 0; })) << outputs();
  // Left as they were for the instance that has them now: not stopped, not hung up.
  EXPECT_EQ(voipbin->live_transcribes(), calls.size());
  EXPECT_EQ(voipbin->live_speakings(), calls.size());
  for (const auto& c : calls) EXPECT_TRUE(only(voipbin->requests(), "/calls/" + c + "/hangup").empty()) << c;
}

TEST_F(Cluster, ServingAloneWhileRedisIsDownClaimsTheCallOnceItIsBack) {
  ASSERT_NO_FATAL_FAILURE(start_cluster(1, {"--cluster.redis-down=serve-alone"}));
  redis->kill();
  ASSERT_TRUE(eventually([&] { return !ready(nodes[0]); })) << outputs();
  // Not claimed, but answered.
  sim::caller_turn later{q2};
  later.on_cue = true;
  auto call = voipbin->place_call({{q1, later}});
  ASSERT_TRUE(eventually([&] {
    auto heard = voipbin->heard(call);
    return !heard.empty() && heard.back().text == reply_to(q1);
  })) << outputs();
  // Back: the call is claimed for the instance that served it, and goes on.
  ASSERT_TRUE(redis->restart()) << redis->output();
  ASSERT_TRUE(eventually([&] { return ready(nodes[0]); })) << outputs();
  auto owner = [&] { return redis_cli("GET " + key("call:" + call)); };
  ASSERT_TRUE(eventually([&] { return owner() == "node-0\n"; })) << owner() << outputs();
  voipbin->cue(call);
  ASSERT_TRUE(eventually([&] { return voipbin->calls_finished() == 1; })) << outputs();
  EXPECT_EQ(voipbin->heard(call).back().text, reply_to(q2));
}
