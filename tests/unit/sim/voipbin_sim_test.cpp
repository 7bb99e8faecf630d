// voipbin-sim on its own, over real loopback sockets with parley's net/ clients: the caller's
// speech, the agent's paced playout, /flush per provider, interruptions and the violations it
// reports. Waits are for the exact condition asserted, with a generous deadline.

#include <gtest/gtest.h>

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "net/http_client.hpp"
#include "net/io_runtime.hpp"
#include "net/tls_context.hpp"
#include "net/ws_client.hpp"
#include "protocol/url.hpp"
#include "protocol/voipbin_requests.hpp"
#include "protocol/voipbin_resources.hpp"
#include "sim/cli.hpp"
#include "sim/voipbin_sim.hpp"

using namespace parley;
using nlohmann::json;
using clock_type = std::chrono::steady_clock;
using ms = std::chrono::milliseconds;

namespace {

template <class Pred>
bool eventually(Pred p, std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  auto end = clock_type::now() + limit;
  while (clock_type::now() < end) {
    if (p()) return true;
    std::this_thread::sleep_for(ms(10));
  }
  return p();
}

// One WebSocket per event type, each subscribed to `customer_id:<cid>:<resource>:<event_type>`
// only: a bare frame's event type is then the socket it came on (voipbin-api.md §10).
const std::vector<std::string> event_types = {"call_created",
                                              "call_ringing",
                                              "call_progressing",
                                              "call_canceling",
                                              "call_hangup",
                                              "transcribe_speech_started",
                                              "transcribe_speech_interim",
                                              "transcribe_speech_ended",
                                              "transcript_created",
                                              "transcribe_done",
                                              "groupcall_created",
                                              "groupcall_progressing",
                                              "groupcall_hangup"};

struct frame {
  std::string type;
  json data;
  clock_type::time_point at;
};

class VoipbinSim : public ::testing::Test {
 protected:
  void start(const std::function<void(sim::voipbin_sim_options&)>& tweak = {}) {
    sim::voipbin_sim_options o;
    o.quiet = ms(150);
    o.on_line = [this](const std::string& call, const std::string& line) {
      std::lock_guard lock{mutex};
      lines.push_back(call + " " + line);
    };
    if (tweak) tweak(o);
    customer = o.customer_id;
    sim = std::make_unique<sim::voipbin_sim>(io.context(), o);
    auto p = sim->start("127.0.0.1", 0);
    ASSERT_TRUE(p) << p.error().message;
    port = *p;
    tls = net::make_client_tls_context({}).value();
    http = std::make_unique<net::http_client>(io.context(), tls);
    io.start();
    for (const auto& type : event_types) {
      auto topic = "customer_id:" + customer + ":" + type.substr(0, type.find('_')) + ":" + type;
      net::ws_options wo;
      wo.target =
          parse_url("ws://127.0.0.1:" + std::to_string(port) + "/v1.0/ws?accesskey=sim-accesskey").value();
      wo.initial_backoff = ms(50);
      // The callbacks live in the client: they may hold it only weakly, or it never dies.
      auto holder = std::make_shared<std::weak_ptr<net::ws_client>>();
      net::ws_callbacks cb;
      cb.on_open = [holder, topic] {
        if (auto ws = holder->lock()) ws->send(json{{"type", "subscribe"}, {"topics", {topic}}}.dump());
      };
      cb.on_message = [this, type](std::string text) {
        std::lock_guard lock{mutex};
        frames.push_back({type, json::parse(text), clock_type::now()});
      };
      auto ws = std::make_shared<net::ws_client>(io.context(), tls, wo, cb);
      *holder = ws;
      sockets.push_back(ws);
      ws->start();
    }
    ASSERT_TRUE(eventually([&] { return sim->subscribers() == event_types.size(); }));
  }

  void TearDown() override {
    for (auto& s : sockets) s->stop();
    if (sim) sim->stop();
    io.stop();
  }

  struct reply {
    int status = 0;
    json body;
  };

  reply rest(const std::string& method, const std::string& path, const json& body = nullptr) {
    return rest_text(method, path, body.is_null() ? std::string{} : body.dump());
  }

  // A request with `body` sent as it is (not JSON, say).
  reply rest_text(const std::string& method, const std::string& path, const std::string& body) {
    net::http_request req;
    req.method = method;
    req.target = parse_url("http://127.0.0.1:" + std::to_string(port) + "/v1.0" + path +
                           (path.find('?') == std::string::npos ? "?" : "&") + "accesskey=sim-accesskey")
                     .value();
    req.body = body;
    std::promise<net::http_outcome> done;
    http->send(req, [&done](net::http_outcome o) { done.set_value(std::move(o)); });
    auto f = done.get_future();
    EXPECT_EQ(f.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    auto out = f.get();
    EXPECT_TRUE(out.ok()) << out.error_text;
    return {out.response.status, json::parse(out.response.body, nullptr, false)};
  }

  // Places the call and opens its transcribe and speaking sessions as a client would.
  void open_call(sim::scripted_call script, const std::string& provider = "elevenlabs") {
    call = sim->place_call(std::move(script));
    ASSERT_TRUE(eventually([&] { return count("call_progressing") == 1; }));
    open_sessions(provider);
  }

  // Opens the transcribe and speaking sessions of `call`.
  void open_sessions(const std::string& provider = "elevenlabs") {
    auto t = rest(
        "POST", "/transcribes",
        {{"reference_type", "call"}, {"reference_id", call}, {"language", "en-US"}, {"direction", "both"}});
    ASSERT_EQ(t.status, 200);
    transcribe = t.body["id"];
    json sp{{"reference_type", "call"}, {"reference_id", call}, {"language", "en-US"}, {"direction", "both"}};
    if (!provider.empty()) sp["provider"] = provider;
    auto s = rest("POST", "/speakings", sp);
    ASSERT_EQ(s.status, 201);
    EXPECT_EQ(s.body["provider"], provider.empty() ? "elevenlabs" : provider);
    speaking = s.body["id"];
  }

  int say(const std::string& text) {
    return rest("POST", "/speakings/" + speaking + "/say", {{"text", text}}).status;
  }

  std::vector<frame> of(const std::string& type, const std::string& direction = "") {
    std::lock_guard lock{mutex};
    std::vector<frame> out;
    for (const auto& f : frames)
      if (f.type == type && (direction.empty() || f.data.value("direction", "") == direction))
        out.push_back(f);
    return out;
  }
  std::size_t count(const std::string& type, const std::string& direction = "") {
    return of(type, direction).size();
  }
  std::vector<std::string> messages(const std::string& type, const std::string& direction) {
    std::vector<std::string> out;
    for (const auto& f : of(type, direction)) out.push_back(f.data.value("message", ""));
    return out;
  }
  // The out transcripts so far.
  std::vector<std::string> agent_transcripts() { return messages("transcript_created", "out"); }
  std::vector<std::string> log() {
    std::lock_guard lock{mutex};
    return lines;
  }

  net::io_runtime io{1};
  std::shared_ptr<boost::asio::ssl::context> tls;
  std::unique_ptr<net::http_client> http;
  std::unique_ptr<sim::voipbin_sim> sim;
  std::vector<std::shared_ptr<net::ws_client>> sockets;
  uint16_t port = 0;
  std::string customer, call, transcribe, speaking;
  std::mutex mutex;
  std::vector<frame> frames;
  std::vector<std::string> lines;
};

bool is_word_prefix(const std::string& prefix, const std::string& text) {
  return !prefix.empty() && prefix.size() < text.size() && text.compare(0, prefix.size(), prefix) == 0 &&
         text[prefix.size()] == ' ';
}

}  // namespace

TEST(CallerTurn, PlainTextsStillMakeAScript) {
  sim::scripted_call a{{"one", "two"}};
  const std::vector<std::string> texts = {"x", "y", "z"};
  sim::scripted_call b{texts};
  sim::scripted_call c{{"hi", {"stop", ms(800)}, ""}};
  ASSERT_EQ(a.utterances.size(), 2u);
  EXPECT_EQ(a.utterances[1].text, "two");
  EXPECT_LT(a.utterances[1].interrupt_after.count(), 0);
  ASSERT_EQ(b.utterances.size(), 3u);
  EXPECT_EQ(b.utterances[2].text, "z");
  EXPECT_EQ(c.utterances[1].interrupt_after, ms(800));
  EXPECT_TRUE(c.utterances[2].text.empty());
}

TEST(CallScript, AcceptsStringsAndInterruptingTurns) {
  auto s =
      sim::parse_call_script(R"({"calls":[{"utterances":["Hi.", {"text":"Wait!","interrupt_after_ms":800},
                                      {"text":""}]}, {"utterances":[]}]})");
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->size(), 2u);
  const auto& turns = (*s)[0].utterances;
  ASSERT_EQ(turns.size(), 3u);
  EXPECT_EQ(turns[0].text, "Hi.");
  EXPECT_LT(turns[0].interrupt_after.count(), 0);
  EXPECT_EQ(turns[1].text, "Wait!");
  EXPECT_EQ(turns[1].interrupt_after, ms(800));
  EXPECT_EQ(turns[2].text, "");
  EXPECT_TRUE((*s)[1].utterances.empty());
  EXPECT_FALSE(sim::parse_call_script(R"({"calls":[{"utterances":[{"words":"x"}]}]})"));
  EXPECT_FALSE(
      sim::parse_call_script(R"({"calls":[{"utterances":[{"text":"x","interrupt_after_ms":-1}]}]})"));
  EXPECT_FALSE(sim::parse_call_script(R"({"calls":[{"utterances":[3]}]})"));
  EXPECT_FALSE(sim::parse_call_script("[]"));
}

TEST(CallScript, ACallMayBeInAConfbridgeAndItsTransferUnanswered) {
  auto s = sim::parse_call_script(
      R"({"calls":[{"utterances":["Hi."],"confbridge":true,"transfer_answers":false},{"utterances":[]}]})");
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->size(), 2u);
  EXPECT_TRUE((*s)[0].confbridge);
  EXPECT_FALSE((*s)[0].transfer_answers);
  EXPECT_FALSE((*s)[1].confbridge);
  EXPECT_TRUE((*s)[1].transfer_answers);
  EXPECT_FALSE(sim::parse_call_script(R"({"calls":[{"utterances":[],"confbridge":"yes"}]})"));
  EXPECT_FALSE(sim::parse_call_script(R"({"calls":[{"utterances":[],"transfer_answers":0}]})"));
}

TEST_F(VoipbinSim, SpeechEventsComeOnTheirEventTypeTopicsWithDirectionAndStream) {
  start([](sim::voipbin_sim_options& o) { o.word_ms = ms(30); });
  open_call({{"one two three"}});
  // The caller speaks once the agent has been quiet, word by word.
  ASSERT_TRUE(eventually([&] { return count("transcript_created", "in") == 1; }));
  ASSERT_EQ(say("Hello there."), 200);
  ASSERT_TRUE(eventually([&] { return count("call_hangup") == 1; }));
  // Each socket delivers in order, but the sockets race each other: wait for each count.
  ASSERT_TRUE(eventually([&] {
    return count("transcribe_speech_interim") == 3 && count("transcript_created", "out") == 1 &&
           count("transcribe_speech_started") == 1 && count("transcribe_speech_ended") == 1;
  }));
  EXPECT_EQ(messages("transcribe_speech_interim", "in"),
            (std::vector<std::string>{"one", "one two", "one two three"}));
  EXPECT_EQ(messages("transcript_created", "in"), (std::vector<std::string>{"one two three"}));
  EXPECT_EQ(agent_transcripts(), (std::vector<std::string>{"Hello there."}));
  std::string in_stream;
  for (const auto* type :
       {"transcribe_speech_started", "transcribe_speech_interim", "transcribe_speech_ended"})
    for (const auto& f : of(type)) {
      EXPECT_EQ(f.data["direction"], "in") << type;
      EXPECT_EQ(f.data["transcribe_id"], transcribe);
      EXPECT_EQ(f.data.contains("message"), std::string(type) == "transcribe_speech_interim") << type;
      EXPECT_FALSE(f.data.contains("tm_transcript"));
      if (in_stream.empty()) in_stream = f.data["streaming_id"];
      EXPECT_EQ(f.data["streaming_id"], in_stream);
    }
  for (const auto& f : of("transcript_created")) {
    EXPECT_TRUE(f.data.contains("tm_transcript"));
    EXPECT_FALSE(f.data.contains("streaming_id"));
  }
  // A frame with a speech event never reached the transcript or call sockets.
  for (const auto* type : {"transcript_created", "call_progressing", "call_hangup"})
    for (const auto& f : of(type)) EXPECT_FALSE(f.data.contains("streaming_id")) << type;
  auto heard = sim->heard(call);
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_EQ(heard[0].text, "Hello there.");
  EXPECT_FALSE(heard[0].cut);
  EXPECT_TRUE(sim->violations().empty());
}

TEST_F(VoipbinSim, ANoiseStartsAndEndsSpeechWithoutWords) {
  start([](sim::voipbin_sim_options& o) { o.noise_ms = ms(100); });
  open_call({{""}});
  ASSERT_TRUE(eventually([&] { return count("transcribe_speech_ended", "in") == 1; }));
  EXPECT_EQ(count("transcribe_speech_started", "in"), 1u);
  // No answer needed: the caller hangs up once the agent has been quiet.
  ASSERT_TRUE(eventually([&] { return count("call_hangup") == 1; }));
  EXPECT_EQ(count("transcribe_speech_interim"), 0u);
  EXPECT_EQ(count("transcript_created"), 0u);
  auto l = log();
  EXPECT_NE(std::find(l.begin(), l.end(), "call 1 caller: (noise)"), l.end());
}

TEST_F(VoipbinSim, PlayoutPacesTheAgentsVoiceAndTheCallersQuiet) {
  constexpr double cps = 100;
  start([&](sim::voipbin_sim_options& o) { o.playout_chars_per_second = cps; });
  open_call({{"hi", "bye"}});
  ASSERT_TRUE(eventually([&] { return count("transcript_created", "in") == 1; }));

  const std::string first = "One two three four five six seven eight.";  // 40 bytes: 400 ms
  const std::string second = "Nine ten eleven twelve thirteen fourteen.";
  auto before = clock_type::now();
  ASSERT_EQ(say(first), 200);
  ASSERT_EQ(say(second), 200);
  ASSERT_TRUE(eventually([&] { return agent_transcripts().size() == 2; }));
  EXPECT_EQ(agent_transcripts(), (std::vector<std::string>{first, second}));
  auto outs = of("transcript_created", "out");
  auto play = [&](std::size_t bytes) { return std::chrono::duration<double>(bytes / cps); };
  // Neither came before its text (and everything before it) could have played.
  EXPECT_GE(outs[0].at - before, play(first.size()));
  EXPECT_GE(outs[1].at - before, play(first.size() + second.size()));

  // Every text of the agent is one utterance to the transcriber: started, interims made of
  // the words played so far, ended.
  ASSERT_TRUE(eventually([&] {
    return count("transcribe_speech_ended", "out") == 2 && count("transcribe_speech_started", "out") == 2;
  }));
  std::string out_stream;
  for (const auto& f : of("transcribe_speech_interim", "out")) {
    auto m = f.data["message"].get<std::string>();
    EXPECT_TRUE(is_word_prefix(m, first) || is_word_prefix(m, second)) << m;
    if (out_stream.empty()) out_stream = f.data["streaming_id"];
  }
  for (const auto* type : {"transcribe_speech_started", "transcribe_speech_ended"})
    for (const auto& f : of(type, "out")) {
      if (out_stream.empty()) out_stream = f.data["streaming_id"];
      EXPECT_EQ(f.data["streaming_id"], out_stream);
    }
  EXPECT_NE(out_stream, of("transcribe_speech_started", "in").front().data["streaming_id"]);

  // The caller's next turn waits for the end of playout, then `quiet`.
  ASSERT_TRUE(eventually([&] { return count("transcript_created", "in") == 2; }));
  auto turn2 = of("transcribe_speech_started", "in");
  ASSERT_EQ(turn2.size(), 2u);
  EXPECT_GE(turn2[1].at - before, play(first.size() + second.size()) + ms(150));
  auto heard = sim->heard(call);
  ASSERT_EQ(heard.size(), 2u);
  EXPECT_EQ(heard[0].text, first);
  EXPECT_EQ(heard[1].text, second);
  EXPECT_FALSE(heard[0].cut || heard[1].cut);
}

TEST_F(VoipbinSim, FlushOnGcpCutsThePlayingTextAndDropsTheQueue) {
  start([](sim::voipbin_sim_options& o) {
    o.playout_chars_per_second = 10;
    o.quiet = std::chrono::minutes(5);  // the caller keeps listening
  });
  open_call({{"hi"}}, "gcp");
  // 9 s: still playing when the flush comes.
  const std::string first =
      "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi.";
  ASSERT_EQ(say(first), 200);
  ASSERT_EQ(say("Queued behind it."), 200);
  // A word has been heard; then the agent stops.
  ASSERT_TRUE(eventually([&] { return count("transcribe_speech_interim", "out") >= 1; }));
  ASSERT_EQ(rest("POST", "/speakings/" + speaking + "/flush").status, 200);
  auto heard = sim->heard(call);
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_TRUE(heard[0].cut);
  EXPECT_TRUE(is_word_prefix(heard[0].text, first)) << heard[0].text;
  // The session stays active; what comes next plays straight after the cut.
  ASSERT_EQ(say("Next."), 200);
  ASSERT_TRUE(eventually([&] { return sim->heard(call).size() == 2; }));
  heard = sim->heard(call);
  EXPECT_EQ(heard[1].text, "Next.");
  EXPECT_FALSE(heard[1].cut);
  // The transcriber heard the same: the cut prefix, never the dropped text.
  ASSERT_TRUE(eventually([&] { return agent_transcripts().size() == 2; }));
  EXPECT_EQ(agent_transcripts(), (std::vector<std::string>{heard[0].text, "Next."}));
  EXPECT_TRUE(eventually([&] { return count("transcribe_speech_ended", "out") == 2; }));
}

TEST_F(VoipbinSim, FlushOnElevenLabsLetsGeneratedTextPlayAndStopCutsIt) {
  start([](sim::voipbin_sim_options& o) {
    o.playout_chars_per_second = 25;
    o.tts_generation_ms = ms(1000);
    o.quiet = std::chrono::minutes(5);
  });
  open_call({{"hi"}}, "");  // no provider: ElevenLabs, as VoIPBIN defaults
  // 4 s: still playing (or "Generated." is) when the flush comes.
  const std::string first =
      "This first sentence is long enough to still be playing when the flush comes in, well after a second.";
  ASSERT_EQ(say(first), 200);
  ASSERT_EQ(say("Generated."), 200);
  // Old enough to have been generated by the time of the flush (a wait for an age, not for
  // an event).
  auto generated_at = clock_type::now();
  std::this_thread::sleep_until(generated_at + ms(1100));
  ASSERT_EQ(say("Too late."), 200);
  ASSERT_EQ(rest("POST", "/speakings/" + speaking + "/flush").status, 200);
  ASSERT_EQ(say("After the flush."), 200);
  ASSERT_TRUE(eventually([&] { return sim->heard(call).size() == 3; }));
  auto heard = sim->heard(call);
  EXPECT_EQ(heard[0].text, first);
  EXPECT_EQ(heard[1].text, "Generated.");
  EXPECT_EQ(heard[2].text, "After the flush.");
  for (const auto& h : heard) EXPECT_FALSE(h.cut) << h.text;

  // /stop cuts at once on every provider.
  const std::string last = "And one more sentence that the stop request cuts short somewhere in the middle.";
  ASSERT_EQ(say(last), 200);
  ASSERT_TRUE(eventually([&] {
    auto m = messages("transcribe_speech_interim", "out");
    return !m.empty() && is_word_prefix(m.back(), last);
  }));
  ASSERT_EQ(rest("POST", "/speakings/" + speaking + "/stop").status, 200);
  heard = sim->heard(call);
  ASSERT_EQ(heard.size(), 4u);
  EXPECT_TRUE(heard[3].cut);
  EXPECT_TRUE(is_word_prefix(heard[3].text, last)) << heard[3].text;
  EXPECT_EQ(say("Stopped."), 404);
}

TEST_F(VoipbinSim, AnInterruptionStartsWhileTheAnswerPlays) {
  start([](sim::voipbin_sim_options& o) { o.playout_chars_per_second = 5; });
  open_call({{"hi", {"Sorry, one question", ms(300)}}}, "gcp");
  ASSERT_TRUE(eventually([&] { return count("transcript_created", "in") == 1; }));
  const std::string answer = "This answer takes about twenty seconds to play at five characters a second.";
  auto before = clock_type::now();
  ASSERT_EQ(say(answer), 200);
  ASSERT_TRUE(eventually([&] { return count("transcribe_speech_started", "in") == 2; }));
  EXPECT_GE(of("transcribe_speech_started", "in")[1].at - before, ms(300));
  // The answer is still playing: nothing of it has been heard in full.
  EXPECT_TRUE(sim->heard(call).empty());
  ASSERT_TRUE(eventually([&] { return count("transcript_created", "in") == 2; }));
  ASSERT_TRUE(eventually([&] { return count("transcribe_speech_interim", "out") >= 1; }));  // a word heard
  EXPECT_EQ(messages("transcript_created", "in").back(), "Sorry, one question");
  auto l = log();
  EXPECT_NE(std::find(l.begin(), l.end(), "call 1 caller: (interrupts) Sorry, one question"), l.end());
  ASSERT_EQ(rest("POST", "/speakings/" + speaking + "/flush").status, 200);
  ASSERT_EQ(sim->heard(call).size(), 1u);
  EXPECT_TRUE(sim->heard(call)[0].cut);
  // The cut came after the caller's words were final: nothing said after it is stale.
  ASSERT_EQ(say("Sure."), 200);
  EXPECT_TRUE(sim->violations().empty());
}

TEST_F(VoipbinSim, ASayAfterACutBeforeTheInterruptionsFinalIsAViolation) {
  start([](sim::voipbin_sim_options& o) {
    o.playout_chars_per_second = 10;
    o.word_ms = ms(600);  // the interruption takes 3 s to become final
  });
  open_call({{"hi", {"wait I changed mind", ms(200)}}}, "gcp");
  ASSERT_TRUE(eventually([&] { return count("transcript_created", "in") == 1; }));
  ASSERT_EQ(say("So you would like a table for two at eight tonight?"), 200);
  ASSERT_TRUE(eventually([&] { return count("transcribe_speech_started", "in") == 2; }));
  // Barge-in: the agent stops, then wrongly goes on with its old reply.
  ASSERT_EQ(rest("POST", "/speakings/" + speaking + "/flush").status, 200);
  ASSERT_EQ(say("Shall I book it?"), 200);
  EXPECT_EQ(count("transcript_created", "in"), 1u) << "the window closed before the stale /say";
  auto v = sim->violations();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NE(v[0].find("call 1"), std::string::npos) << v[0];
  EXPECT_NE(v[0].find("Shall I book it?"), std::string::npos) << v[0];
  // Once the caller's words are final, the agent answers them: no violation.
  ASSERT_TRUE(eventually([&] { return count("transcript_created", "in") == 2; }));
  ASSERT_EQ(say("No problem, what would you like instead?"), 200);
  EXPECT_EQ(sim->violations().size(), 1u);
  auto l = log();
  EXPECT_NE(
      std::find_if(l.begin(), l.end(), [](const std::string& s) { return s.find("VIOLATION") != s.npos; }),
      l.end());
}

TEST_F(VoipbinSim, ACutDuringANoiseArmsNothing) {
  start([](sim::voipbin_sim_options& o) {
    o.playout_chars_per_second = 10;
    o.noise_ms = ms(3000);
  });
  open_call({{"hi", {"", ms(200)}}}, "gcp");
  ASSERT_TRUE(eventually([&] { return count("transcript_created", "in") == 1; }));
  ASSERT_EQ(say("So you would like a table for two at eight tonight?"), 200);
  ASSERT_TRUE(eventually([&] { return count("transcribe_speech_started", "in") == 2; }));
  ASSERT_EQ(rest("POST", "/speakings/" + speaking + "/flush").status, 200);
  // A false interruption: the agent resumes.
  ASSERT_EQ(say("Shall I book it?"), 200);
  EXPECT_EQ(count("transcribe_speech_ended", "in"), 1u) << "the noise ended before the /say";
  ASSERT_TRUE(eventually([&] { return count("transcribe_speech_ended", "in") == 2; }));
  EXPECT_TRUE(sim->violations().empty());
  EXPECT_EQ(count("transcript_created", "in"), 1u);
}

TEST_F(VoipbinSim, ListsArePagedNewestFirstAndTranscriptsOfBothSidesOutliveTheClient) {
  start([](sim::voipbin_sim_options& o) { o.max_page_size = 2; });
  sim::caller_turn later{"Later."};
  later.on_cue = true;
  open_call({{"Hello there.", later}});
  ASSERT_TRUE(eventually([&] { return count("transcript_created", "in") == 1; }));
  ASSERT_EQ(say("Hi, how can I help?"), 200);  // answered: the cued turn waits for nothing else
  ASSERT_TRUE(eventually([&] { return count("transcript_created") == 2; }));
  auto first_ended = sim->add_ended_call();
  auto second_ended = sim->add_ended_call();

  // Pages until one comes back empty, following next_page_token (voipbin-api.md §3).
  auto all_pages = [&](const std::string& path, std::size_t& pages) {
    std::vector<json> items;
    std::string token;
    pages = 0;
    while (pages < 10) {
      auto r = rest("GET", path + (token.empty() ? "" : "&page_token=" + percent_encode(token)));
      EXPECT_EQ(r.status, 200);
      ++pages;
      for (const auto& item : r.body["result"]) items.push_back(item);
      token = r.body["next_page_token"];
      if (r.body["result"].empty()) {
        EXPECT_EQ(token, "");
        break;
      }
      EXPECT_EQ(token, r.body["result"].back()["tm_create"]);
    }
    return items;
  };
  std::size_t pages = 0;
  std::vector<std::string> ids;
  for (const auto& c : all_pages("/calls?page_size=100", pages)) ids.push_back(c["id"]);
  EXPECT_EQ(ids, (std::vector<std::string>{second_ended, first_ended, call}));  // two a page at most
  EXPECT_EQ(pages, 3u);

  auto transcripts = all_pages("/transcripts?transcribe_id=" + transcribe + "&page_size=1", pages);
  ASSERT_EQ(transcripts.size(), 2u);
  EXPECT_EQ(pages, 3u);
  std::map<std::string, std::string> by_direction;
  for (const auto& t : transcripts) {
    by_direction[t["direction"]] = t["message"];
    EXPECT_EQ(t["transcribe_id"], transcribe);
    EXPECT_EQ(t["tm_transcript"].get<std::string>().rfind("0001-01-01T", 0), 0u) << t;
  }
  EXPECT_EQ(by_direction,
            (std::map<std::string, std::string>{{"in", "Hello there."}, {"out", "Hi, how can I help?"}}));
  EXPECT_EQ(rest("GET", "/transcripts").status, 400);
  EXPECT_EQ(rest("GET", "/transcripts?transcribe_id=" + call).status, 404);  // not a transcribe

  // The client goes away: VoIPBIN keeps the call and its sessions, and transcribes on.
  for (auto& ws : sockets) ws->stop();
  ASSERT_TRUE(eventually([&] { return sim->subscribers() == 0; }));
  EXPECT_EQ(sim->call_status(call), "progressing");
  EXPECT_EQ(rest("GET", "/transcribes/" + transcribe).body["status"], "progressing");
  EXPECT_EQ(rest("GET", "/speakings/" + speaking).body["status"], "active");
  sim->cue(call);  // the turn that waited for its cue
  ASSERT_TRUE(eventually([&] {
    auto frames = sim->caller_frames(call);
    return !frames.empty() && frames.back().kind == "final" && frames.back().text == "Later.";
  }));
  EXPECT_EQ(all_pages("/transcripts?transcribe_id=" + transcribe, pages).size(), 3u);
}

TEST_F(VoipbinSim, TranscriptsCanIgnorePagingAsTheSnapshotDoes) {
  start([](sim::voipbin_sim_options& o) {
    o.max_page_size = 1;
    o.transcripts_paged = false;
  });
  open_call({{"Hello there."}});
  ASSERT_EQ(say("Hi."), 200);
  ASSERT_TRUE(eventually([&] { return count("transcript_created") == 2; }));
  auto first = rest("GET", "/transcripts?transcribe_id=" + transcribe + "&page_size=1");
  ASSERT_EQ(first.body["result"].size(), 2u);  // page_size ignored
  std::string token = first.body["next_page_token"];
  ASSERT_FALSE(token.empty());
  auto again =
      rest("GET", "/transcripts?transcribe_id=" + transcribe + "&page_token=" + percent_encode(token));
  EXPECT_EQ(again.body, first.body);  // page_token ignored
}

namespace {
// A call that waits (its only turn is on cue) so nothing but the test ends it.
sim::scripted_call waiting_call(bool confbridge, bool transfer_answers = true) {
  sim::caller_turn later{"Put me through, please."};
  later.on_cue = true;
  sim::scripted_call c{std::vector<sim::caller_turn>{later}};
  c.confbridge = confbridge;
  c.transfer_answers = transfer_answers;
  return c;
}

json body_of(const voipbin::rest_request& r) {
  return json::parse(r.body);
}

const std::string nil_uuid = "00000000-0000-0000-0000-000000000000";
}  // namespace

TEST_F(VoipbinSim, ATransferOfACallInNoConfbridgeIsABare500AndTheCallGoesOn) {
  start();
  open_call(waiting_call(false));
  EXPECT_EQ(sim->confbridge_of(call), "");
  auto r = rest("POST", "/transfers", body_of(voipbin::create_transfer(call, "tel:+15551234567")));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body["error"]["status"], "INTERNAL");
  // The API layer reads the call first: an unknown or malformed id is not found, a body of the
  // wrong shape is not bound.
  auto unknown =
      body_of(voipbin::create_transfer("0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d", "tel:+15551234567"));
  EXPECT_EQ(rest("POST", "/transfers", unknown).status, 404);
  EXPECT_EQ(rest("POST", "/transfers", {{"transfer_type", "blind"}, {"transferer_call_id", 42}}).status, 400);
  auto number_target = json::parse(
      R"({"transfer_type":"blind","transferee_addresses":[{"type":"tel","target":15551234567}]})");
  number_target["transferer_call_id"] = call;
  EXPECT_EQ(rest("POST", "/transfers", number_target).status, 400);
  EXPECT_EQ(sim->call_status(call), "progressing");
  EXPECT_EQ(sim->calls_finished(), 0u);
  EXPECT_EQ(sim->live_transcribes(), 1u);
}

TEST_F(VoipbinSim, ATransferHangsTheLegUpEndsItsTranscribesAndTheTransfereeAnswers) {
  start();
  open_call(waiting_call(true));
  auto confbridge = sim->confbridge_of(call);
  ASSERT_TRUE(voipbin::is_uuid(confbridge));
  // VoIPBIN's call JSON does not show the confbridge.
  EXPECT_FALSE(rest("GET", "/calls/" + call).body.contains("confbridge_id"));
  auto request = voipbin::create_transfer(call, "sip:alice@example.com");
  auto r = rest(request.method, request.path, body_of(request));
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_TRUE(voipbin::is_uuid(r.body.value("id", "")));
  EXPECT_EQ(r.body["type"], "blind");
  EXPECT_EQ(r.body["transferer_call_id"], call);
  EXPECT_EQ(r.body["transferee_addresses"], json::parse(R"([{"type":"sip","target":"alice@example.com"}])"));
  EXPECT_EQ(r.body["transferee_call_id"], nil_uuid);
  EXPECT_EQ(r.body["confbridge_id"], confbridge);
  auto groupcall = r.body.value("groupcall_id", "");
  ASSERT_TRUE(voipbin::is_uuid(groupcall));

  ASSERT_TRUE(eventually([&] {
    return count("call_hangup") == 1 && count("transcribe_done") == 1 && count("groupcall_progressing") == 1;
  }));
  EXPECT_EQ(of("call_hangup")[0].data["id"], call);
  EXPECT_EQ(of("call_hangup")[0].data["status"], "hangup");
  EXPECT_EQ(of("call_hangup")[0].data["hangup_by"], "local");  // VoIPBIN hung it up
  EXPECT_EQ(of("transcribe_done")[0].data["id"], transcribe);
  auto answered = of("groupcall_progressing")[0].data;
  EXPECT_EQ(answered["id"], groupcall);
  EXPECT_TRUE(voipbin::is_uuid(answered.value("answer_call_id", "")));
  EXPECT_NE(answered["answer_call_id"], nil_uuid);
  EXPECT_EQ(answered["destinations"], r.body["transferee_addresses"]);
  EXPECT_EQ(count("groupcall_hangup"), 0u);
  EXPECT_EQ(sim->call_status(call), "hangup");
  EXPECT_EQ(sim->calls_finished(), 1u);
  EXPECT_EQ(sim->live_transcribes(), 0u);
  // Speakings are not stopped by VoIPBIN: the client must stop them.
  EXPECT_EQ(sim->live_speakings(), 1u);
  // The request is recorded as sent.
  std::vector<sim::recorded_request> transfers;
  for (const auto& q : sim->requests())
    if (q.path == "/transfers") transfers.push_back(q);
  ASSERT_EQ(transfers.size(), 1u);
  EXPECT_EQ(transfers[0].method, "POST");
  EXPECT_EQ(transfers[0].status, 200);
  EXPECT_EQ(json::parse(transfers[0].body), body_of(request));
  // A transferred leg is gone: a second transfer of it fails.
  EXPECT_EQ(rest("POST", "/transfers", body_of(request)).status, 500);
}

TEST_F(VoipbinSim, ATransferNobodyAnswersEndsInAGroupcallHangup) {
  start();
  open_call(waiting_call(true, false));
  auto r = rest("POST", "/transfers", body_of(voipbin::create_transfer(call, "tel:+15551234567")));
  ASSERT_EQ(r.status, 200) << r.body.dump();
  ASSERT_TRUE(eventually([&] {
    return count("call_hangup") == 1 && count("transcribe_done") == 1 && count("groupcall_hangup") == 1;
  }));
  auto hangup = of("groupcall_hangup")[0].data;
  EXPECT_EQ(hangup["id"], r.body["groupcall_id"]);
  EXPECT_EQ(hangup["status"], "hangup");
  EXPECT_EQ(hangup["answer_call_id"], nil_uuid);
  EXPECT_EQ(hangup["destinations"], json::parse(R"([{"type":"tel","target":"+15551234567"}])"));
  EXPECT_EQ(count("groupcall_progressing"), 0u);
  EXPECT_EQ(sim->calls_finished(), 1u);
}

TEST_F(VoipbinSim, ForgetAfterDropsAnEndedCallWithItsSessions) {
  start([](sim::voipbin_sim_options& o) {
    o.noise_ms = ms(50);
    o.forget_after = ms(200);
  });
  open_call({{""}});
  ASSERT_TRUE(eventually([&] { return count("call_hangup") == 1; }));
  // Still known right after the hangup: the speaking can be stopped as a client does.
  EXPECT_EQ(rest("POST", "/speakings/" + speaking + "/stop", json::object()).status, 200);
  // Forgotten after the wait, with its sessions: requests naming them answer 404.
  ASSERT_TRUE(eventually([&] { return sim->call_status(call).empty(); }));
  EXPECT_EQ(rest("GET", "/speakings/" + speaking, json()).status, 404);
  EXPECT_EQ(sim->live_speakings(), 0u);
}

namespace {
json tel(const std::string& number) {
  return {{"type", "tel"}, {"target", number}};
}

// A POST /calls body (voipbin-api.md §4.3).
json outgoing(const std::vector<json>& destinations) {
  return {{"flow_id", "3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c"},
          {"source", tel("+15550100")},
          {"destinations", json(destinations)},
          {"anonymous", "no"},
          {"variables", {{"customer.name", "Ada"}}}};
}
}  // namespace

TEST_F(VoipbinSim, PostCallsMakesOneOutgoingDialingCallPerTelDestination) {
  start([](sim::voipbin_sim_options& o) { o.outbound_ring = std::chrono::minutes(5); });
  auto body = outgoing({tel("+15550201"), tel("+15550202")});
  auto r = rest("POST", "/calls", body);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  ASSERT_EQ(r.body["calls"].size(), 2u);
  EXPECT_EQ(r.body["groupcalls"], json::array());
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& c = r.body["calls"][i];
    EXPECT_TRUE(voipbin::is_uuid(c.value("id", ""))) << c;
    EXPECT_EQ(c["direction"], "outgoing");
    EXPECT_EQ(c["status"], "dialing");
    EXPECT_EQ(c["source"], body["source"]);
    EXPECT_EQ(c["destination"], body["destinations"][i]);
    EXPECT_EQ(c["flow_id"], body["flow_id"]);
    EXPECT_EQ(c["type"], "flow");
    EXPECT_EQ(c["customer_id"], customer);
    ids.push_back(c["id"]);
  }
  EXPECT_EQ(sim->outbound_calls(), ids);
  EXPECT_EQ(sim->calls_placed(), 2u);
  // Each is published as created, then rings; nobody answers within the test.
  ASSERT_TRUE(eventually([&] { return count("call_created") == 2 && count("call_ringing") == 2; }));
  for (const auto& f : of("call_created")) EXPECT_EQ(f.data["status"], "dialing");
  for (const auto& f : of("call_ringing")) EXPECT_EQ(f.data["status"], "ringing");
  EXPECT_EQ(rest("GET", "/calls/" + ids[0]).body["status"], "ringing");
  EXPECT_EQ(count("call_progressing"), 0u);
  // The request is recorded as sent.
  std::vector<sim::recorded_request> posts;
  for (const auto& q : sim->requests())
    if (q.method == "POST" && q.path == "/calls") posts.push_back(q);
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].status, 200);
  EXPECT_EQ(json::parse(posts[0].body), body);

  // With actions instead of a flow, the calls run a new (temporary) flow; sip is dialled too.
  json with_actions{{"actions", {{{"type", "sleep"}, {"option", {{"duration", 600000}}}}}},
                    {"source", tel("+15550100")},
                    {"destinations", json::array({json{{"type", "sip"}, {"target", "alice@example.com"}}})}};
  auto a = rest("POST", "/calls", with_actions);
  ASSERT_EQ(a.status, 200) << a.body.dump();
  ASSERT_EQ(a.body["calls"].size(), 1u);
  auto flow = a.body["calls"][0].value("flow_id", "");
  EXPECT_TRUE(voipbin::is_uuid(flow));
  EXPECT_NE(flow, nil_uuid);
  EXPECT_NE(flow, body["flow_id"]);
  EXPECT_EQ(a.body["calls"][0]["destination"], with_actions["destinations"][0]);
  EXPECT_EQ(sim->outbound_calls().size(), 3u);

  // An incoming call still says so.
  auto incoming = sim->place_call({{"hi"}});
  ASSERT_TRUE(eventually([&] { return count("call_progressing") == 1; }));
  EXPECT_EQ(rest("GET", "/calls/" + incoming).body["direction"], "incoming");
  EXPECT_EQ(sim->outbound_calls().size(), 3u);
}

TEST_F(VoipbinSim, PostCallsToAnExtensionMakesAGroupcallAndNoCall) {
  start();
  json extension{{"type", "extension"}, {"target", "2001"}};
  auto r = rest("POST", "/calls", outgoing({extension}));
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["calls"], json::array());
  ASSERT_EQ(r.body["groupcalls"].size(), 1u);
  const auto& g = r.body["groupcalls"][0];
  EXPECT_TRUE(voipbin::is_uuid(g.value("id", "")));
  EXPECT_EQ(g["status"], "progressing");
  EXPECT_EQ(g["destinations"], json::array({extension}));
  EXPECT_EQ(g["source"], tel("+15550100"));
  EXPECT_TRUE(sim->outbound_calls().empty());
  ASSERT_TRUE(eventually([&] { return count("groupcall_created") == 1; }));
  EXPECT_EQ(of("groupcall_created")[0].data["id"], g["id"]);

  // Mixed: the tel destination is a call, the agent one a groupcall, the email one is skipped.
  json agent{{"type", "agent"}, {"target", "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e"}};
  json email{{"type", "email"}, {"target", "ada@example.com"}};
  auto mixed = rest("POST", "/calls", outgoing({email, tel("+15550201"), agent}));
  ASSERT_EQ(mixed.status, 200) << mixed.body.dump();
  EXPECT_EQ(mixed.body["calls"].size(), 1u);
  EXPECT_EQ(mixed.body["groupcalls"].size(), 1u);
  EXPECT_EQ(sim->outbound_calls().size(), 1u);

  // Only destinations VoIPBIN skips: nothing was made, a 500.
  auto none = rest("POST", "/calls", outgoing({email}));
  EXPECT_EQ(none.status, 500);
  EXPECT_EQ(none.body["error"]["status"], "INTERNAL");
}

TEST_F(VoipbinSim, PostCallsRefusesBadBodiesWithTheErrorEnvelope) {
  start();
  auto refused = [&](const reply& r, const std::string& reason) {
    EXPECT_EQ(r.status, 400) << r.body.dump();
    EXPECT_EQ(r.body["error"]["status"], "INVALID_ARGUMENT") << r.body.dump();
    EXPECT_EQ(r.body["error"]["reason"], reason) << r.body.dump();
    EXPECT_TRUE(r.body["error"]["message"].is_string());
    EXPECT_TRUE(r.body["error"]["request_id"].is_string());
  };
  refused(rest_text("POST", "/calls", "{not json"), "INVALID_JSON_BODY");
  refused(rest_text("POST", "/calls", ""), "INVALID_JSON_BODY");
  auto body = outgoing({tel("+15550201")});
  auto with = [&](const char* field, const json& value) {
    auto b = body;
    b[field] = value;
    return b;
  };
  // Fields of the wrong JSON type do not bind.
  refused(rest("POST", "/calls", with("destinations", tel("+15550201"))), "INVALID_JSON_BODY");
  refused(rest("POST", "/calls",
               with("destinations", json::array({json{{"type", "tel"}, {"target", 15550201}}}))),
          "INVALID_JSON_BODY");
  refused(rest("POST", "/calls", with("source", "+15550100")), "INVALID_JSON_BODY");
  refused(rest("POST", "/calls", with("flow_id", 7)), "INVALID_JSON_BODY");
  refused(rest("POST", "/calls", with("actions", {{"type", "sleep"}})), "INVALID_JSON_BODY");
  refused(rest("POST", "/calls", with("variables", {{"n", 1}})), "INVALID_JSON_BODY");
  // No source, no destinations.
  auto without = [&](const char* field) {
    auto b = body;
    b.erase(field);
    return b;
  };
  refused(rest("POST", "/calls", without("source")), "INVALID_ARGUMENT");
  refused(rest("POST", "/calls", without("destinations")), "INVALID_ARGUMENT");
  refused(rest("POST", "/calls", with("destinations", json::array())), "INVALID_ARGUMENT");
  // Too many variables.
  json many = json::object();
  for (int i = 0; i < 101; ++i) many["v" + std::to_string(i)] = "x";
  refused(rest("POST", "/calls", with("variables", many)), "INVALID_ARGUMENT");
  EXPECT_TRUE(sim->outbound_calls().empty());
  EXPECT_EQ(sim->calls_placed(), 0u);
  EXPECT_EQ(count("call_created"), 0u);
}

TEST_F(VoipbinSim, AnOutgoingCallRingsIsAnsweredAndItsCalleeFollowsTheScript) {
  start([](sim::voipbin_sim_options& o) { o.outbound_ring = ms(300); });
  auto placed_at = clock_type::now();
  auto r = rest("POST", "/calls", outgoing({tel("+15550201")}));
  ASSERT_EQ(r.status, 200) << r.body.dump();
  call = r.body["calls"][0]["id"];
  // Created (dialing), ringing, then answered: progressing like an incoming call, but outgoing.
  ASSERT_TRUE(eventually([&] { return count("call_progressing") == 1; }));
  auto answered = of("call_progressing")[0];
  EXPECT_GE(answered.at - placed_at, ms(300));
  EXPECT_EQ(answered.data["id"], call);
  EXPECT_EQ(answered.data["status"], "progressing");
  EXPECT_EQ(answered.data["direction"], "outgoing");
  EXPECT_EQ(answered.data["destination"], tel("+15550201"));
  ASSERT_TRUE(eventually([&] { return count("call_created") == 1 && count("call_ringing") == 1; }));
  EXPECT_LE(of("call_created")[0].at, of("call_ringing")[0].at);
  EXPECT_EQ(of("call_created")[0].data["status"], "dialing");
  EXPECT_EQ(of("call_ringing")[0].data["status"], "ringing");
  EXPECT_EQ(sim->call_status(call), "progressing");

  // The client serves it as any call; the callee speaks first (the default script).
  open_sessions();
  ASSERT_TRUE(eventually([&] { return count("transcript_created", "in") == 1; }));
  EXPECT_EQ(messages("transcript_created", "in"), (std::vector<std::string>{"Hello, who is this?"}));
  ASSERT_EQ(say("Hi, this is Chez Parley calling about your booking."), 200);
  ASSERT_TRUE(eventually([&] { return count("transcript_created", "in") == 2; }));
  EXPECT_EQ(messages("transcript_created", "in")[1], "Thanks, goodbye.");
  ASSERT_EQ(say("Goodbye."), 200);
  ASSERT_TRUE(eventually([&] { return count("call_hangup") == 1 && count("transcribe_done") == 1; }));
  auto hangup = of("call_hangup")[0].data;
  EXPECT_EQ(hangup["direction"], "outgoing");
  EXPECT_EQ(hangup["hangup_reason"], "normal");
  EXPECT_EQ(hangup["hangup_by"], "remote");
  EXPECT_EQ(sim->calls_finished(), 1u);
  auto l = log();
  EXPECT_NE(std::find(l.begin(), l.end(), "call 1 outgoing call to +15550201"), l.end());
  EXPECT_NE(std::find(l.begin(), l.end(), "call 1 caller: Hello, who is this?"), l.end());
}

TEST_F(VoipbinSim, AnOutgoingCallTheAgentHangsUpWhileItRingsIsCancelled) {
  start([](sim::voipbin_sim_options& o) { o.outbound_ring = std::chrono::minutes(5); });
  auto r = rest("POST", "/calls", outgoing({tel("+15550202")}));
  ASSERT_EQ(r.status, 200) << r.body.dump();
  call = r.body["calls"][0]["id"];
  ASSERT_TRUE(eventually([&] { return count("call_ringing") == 1; }));
  // `canceling` in the answer and its event, then hung up with reason cancel (§4.3).
  auto h = rest("POST", "/calls/" + call + "/hangup");
  ASSERT_EQ(h.status, 200);
  EXPECT_EQ(h.body["status"], "canceling");
  ASSERT_TRUE(eventually([&] { return count("call_canceling") == 1 && count("call_hangup") == 1; }));
  EXPECT_EQ(of("call_canceling")[0].data["status"], "canceling");
  auto hangup = of("call_hangup")[0].data;
  EXPECT_EQ(hangup["id"], call);
  EXPECT_EQ(hangup["status"], "hangup");
  EXPECT_EQ(hangup["hangup_reason"], "cancel");
  EXPECT_EQ(hangup["hangup_by"], "local");
  EXPECT_EQ(sim->call_status(call), "hangup");
  EXPECT_EQ(sim->calls_finished(), 1u);
  // Already hung up: the same call back, nothing more happens.
  EXPECT_EQ(rest("POST", "/calls/" + call + "/hangup").body["status"], "hangup");
  EXPECT_EQ(count("call_progressing"), 0u);
}

TEST_F(VoipbinSim, AnOutgoingCallToTheNoAnswerTargetHangsUpAndOthersFollowTheOutboundScript) {
  start([](sim::voipbin_sim_options& o) {
    o.outbound_ring = ms(100);
    o.outbound_no_answer = "+15550000";
    o.outbound_script = sim::scripted_call{{"Who's there?"}};
  });
  auto r = rest("POST", "/calls", outgoing({tel("+15550000"), tel("+15550203")}));
  ASSERT_EQ(r.status, 200) << r.body.dump();
  std::string unanswered = r.body["calls"][0]["id"];
  call = r.body["calls"][1]["id"];
  ASSERT_TRUE(eventually([&] { return count("call_hangup") == 1 && count("call_progressing") == 1; }));
  auto hangup = of("call_hangup")[0].data;
  EXPECT_EQ(hangup["id"], unanswered);
  EXPECT_EQ(hangup["hangup_reason"], "noanswer");
  EXPECT_EQ(of("call_progressing")[0].data["id"], call);
  open_sessions();
  ASSERT_TRUE(eventually([&] { return count("transcript_created", "in") == 1; }));
  EXPECT_EQ(messages("transcript_created", "in"), (std::vector<std::string>{"Who's there?"}));
}
