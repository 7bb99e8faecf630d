// The openai brain against llm-sim over loopback, in a real actor system.

#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <thread>

#include "actors/atoms.hpp"
#include "actors/brain.hpp"
#include "actors/messages.hpp"
#include "actors/streaming_brain.hpp"
#include "net/http_client.hpp"
#include "net/io_runtime.hpp"
#include "net/tls_context.hpp"
#include "protocol/metrics.hpp"
#include "sim/llm_sim.hpp"
#include "sim_runtime.hpp"

using namespace parley;

namespace {

class BrainTest : public ::testing::Test {
 protected:
  void start(sim::llm_sim_options o, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    llm = std::make_unique<sim::llm_sim>(io.context(), std::move(o));
    auto port = llm->start("127.0.0.1", 0);
    ASSERT_TRUE(port);
    http = std::make_unique<net::http_client>(io.context(), net::make_client_tls_context({}).value());
    io.start();
    auto r = std::make_shared<runtime>();
    r->llm.base = parse_url("http://127.0.0.1:" + std::to_string(*port) + "/v1").value();
    r->llm.api_key = "sk-brain";
    r->llm.timeout = timeout;
    r->http = http.get();
    r->stats = &stats;
    rt = r;
  }
  void TearDown() override {
    self.reset();
    if (llm) llm->stop();
    io.stop();
  }

  caf::actor spawn_brain() {
    return caf::actor_cast<caf::actor>(sys.spawn(openai_brain, brain_context{rt, self->address(), "call-1", {}, {}}));
  }

  net::io_runtime io{1};
  metrics stats;
  std::unique_ptr<sim::llm_sim> llm;
  std::unique_ptr<net::http_client> http;
  std::shared_ptr<const runtime> rt;
  caf::actor_system sys{test::test_config()};
  std::optional<caf::scoped_actor> self{std::in_place, sys};
};

const chat_history history = {{"system", "Be brief.", false}, {"user", "Hi!", false}};

}  // namespace

TEST_F(BrainTest, StreamsSentencesInOrderThenTheWholeReply) {
  sim::llm_sim_options o;
  o.replies = {"Hello there. How can I help?"};
  o.api_key = "sk-brain";
  o.first_token_delay = std::chrono::milliseconds(10);
  o.token_delay = std::chrono::milliseconds(5);
  start(o);
  auto brain = spawn_brain();
  (*self)->send(brain, atoms::think_v, uint64_t{7}, history);
  std::vector<std::string> got;
  bool first = false, done = false;
  while (!done) {
    (*self)->receive([&](atoms::first_token, uint64_t e) { first = e == 7; },
                     [&](atoms::sentence, uint64_t e, const std::string& s) {
                       EXPECT_EQ(e, 7u);
                       got.push_back(s);
                     },
                     [&](atoms::reply, uint64_t e, const std::string& s) {
                       EXPECT_EQ(e, 7u);
                       EXPECT_EQ(s, "Hello there. How can I help?");
                       done = true;
                     },
                     [&](atoms::reply_error, uint64_t, const std::string& why) {
                       ADD_FAILURE() << why;
                       done = true;
                     },
                     caf::after(std::chrono::seconds(10)) >>
                         [&] {
                           ADD_FAILURE() << "no reply";
                           done = true;
                         });
  }
  EXPECT_TRUE(first);
  EXPECT_EQ(got, (std::vector<std::string>{"Hello there.", "How can I help?"}));
  EXPECT_EQ(llm->requests().size(), 1u);
  (*self)->send_exit(brain, caf::exit_reason::user_shutdown);
}

TEST_F(BrainTest, CancelAbortsTheHttpStream) {
  sim::llm_sim_options o;
  o.replies = {"First. " + std::string(60, 'x') + " and on and on and on and on and on and on."};
  o.api_key = "sk-brain";
  o.first_token_delay = std::chrono::milliseconds(10);
  o.token_delay = std::chrono::milliseconds(50);
  start(o);
  auto brain = spawn_brain();
  (*self)->send(brain, atoms::think_v, uint64_t{1}, history);
  bool got_sentence = false;
  (*self)->receive_while([&] { return !got_sentence; })(
      [&](atoms::first_token, uint64_t) {},
      [&](atoms::sentence, uint64_t, const std::string& s) {
        EXPECT_EQ(s, "First.");
        got_sentence = true;
      },
      caf::after(std::chrono::seconds(10)) >> [&] { FAIL() << "no sentence"; });
  (*self)->send<caf::message_priority::high>(brain, atoms::cancel_v, uint64_t{1});
  // The server sees the client leave mid-stream, and nothing more of that reply arrives.
  for (int i = 0; i < 200 && llm->streams().aborted == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(llm->streams().aborted, 1u);
  EXPECT_EQ(llm->streams().completed, 0u);
  bool quiet = true;
  (*self)->receive([&](atoms::sentence, uint64_t, const std::string&) { quiet = false; },
                   [&](atoms::reply, uint64_t, const std::string&) { quiet = false; },
                   caf::after(std::chrono::milliseconds(300)) >> [] {});
  EXPECT_TRUE(quiet);
  (*self)->send_exit(brain, caf::exit_reason::user_shutdown);
}

TEST_F(BrainTest, HttpErrorsBecomeReplyErrors) {
  sim::llm_sim_options o;
  o.api_key = "another-key";  // the brain's key is refused with 401
  start(o);
  auto brain = spawn_brain();
  (*self)->send(brain, atoms::think_v, uint64_t{3}, history);
  std::string why;
  (*self)->receive(
      [&](atoms::reply_error, uint64_t e, const std::string& w) {
        EXPECT_EQ(e, 3u);
        why = w;
      },
      caf::after(std::chrono::seconds(10)) >> [] { FAIL() << "no error"; });
  EXPECT_NE(why.find("401"), std::string::npos) << why;
  EXPECT_NE(why.find("invalid api key"), std::string::npos) << why;
  (*self)->send_exit(brain, caf::exit_reason::user_shutdown);
}

TEST_F(BrainTest, AStalledModelTimesOut) {
  sim::llm_sim_options o;
  o.api_key = "sk-brain";
  o.first_token_delay = std::chrono::seconds(5);
  start(o, std::chrono::milliseconds(200));
  auto brain = spawn_brain();
  (*self)->send(brain, atoms::think_v, uint64_t{4}, history);
  std::string why;
  (*self)->receive([&](atoms::reply_error, uint64_t, const std::string& w) { why = w; },
                   caf::after(std::chrono::seconds(10)) >> [] { FAIL() << "no error"; });
  EXPECT_NE(why.find("timeout"), std::string::npos) << why;
  (*self)->send_exit(brain, caf::exit_reason::user_shutdown);
}
