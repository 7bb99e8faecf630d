#include "protocol/voipbin_event.hpp"

#include <gtest/gtest.h>

#include "protocol/voipbin_requests.hpp"

using namespace parley::voipbin;

namespace {
const char* call_id = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d";
const char* cust = "8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f";
}  // namespace

TEST(VoipbinEvent, ClassifiesABareCallByShape) {
  std::string frame = std::string(R"({"id":")") + call_id + R"(","customer_id":")" + cust +
                      R"(","type":"flow","source":{"type":"tel"},"destination":{},"status":"progressing"})";
  auto ev = classify_frame(frame);
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_EQ(ev->kind, event_kind::call);
  EXPECT_EQ(ev->type, "");  // a Call's own `type` is not an event type
  EXPECT_EQ(std::get<call>(ev->resource).status, "progressing");
}

TEST(VoipbinEvent, ClassifiesTranscriptsTranscribesAndSpeech) {
  auto t = classify_frame(
      std::string(R"({"id":")") + call_id +
      R"(","transcribe_id":"x","direction":"in","message":"hi","tm_transcript":"0001-01-01T00:00:05.1Z"})");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->kind, event_kind::transcript);
  EXPECT_EQ(std::get<transcript>(t->resource).message, "hi");

  auto tr =
      classify_frame(std::string(R"({"id":")") + call_id + R"(","reference_type":"call","status":"done"})");
  ASSERT_TRUE(tr);
  EXPECT_EQ(tr->kind, event_kind::transcribe);

  auto interim =
      classify_frame(std::string(R"({"id":")") + call_id + R"(","streaming_id":"s","message":"hel"})");
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->kind, event_kind::speech_interim);
  auto bare = classify_frame(std::string(R"({"id":")") + call_id + R"(","streaming_id":"s"})");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->kind, event_kind::speech_unmarked);
}

TEST(VoipbinEvent, AcceptsLegacyWrappedFrames) {
  auto ev = classify_frame(std::string(R"({"type":"transcribe_speech_ended","data":{"id":")") + call_id +
                           R"(","streaming_id":"s"}})");
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->kind, event_kind::speech_ended);
  EXPECT_EQ(ev->type, "transcribe_speech_ended");
  auto hangup = classify_frame(std::string(R"({"type":"call_hangup","data":{"id":")") + call_id +
                               R"(","status":"hangup"}})");
  ASSERT_TRUE(hangup);
  EXPECT_EQ(hangup->kind, event_kind::call);
}

TEST(VoipbinEvent, RejectsGarbageWithAReason) {
  EXPECT_FALSE(classify_frame(""));
  EXPECT_FALSE(classify_frame("{\"id\":"));
  EXPECT_FALSE(classify_frame("[]"));
  EXPECT_FALSE(classify_frame(R"({"hello":"world"})"));
  EXPECT_FALSE(classify_frame(R"({"type":"agent_created","data":{"id":"x"}})"));
  auto not_uuid = classify_frame(R"({"id":"42","source":{},"status":"progressing"})");
  ASSERT_FALSE(not_uuid);
  EXPECT_NE(not_uuid.error().message.find("UUID"), std::string::npos);
  // A speaking resource looks like a transcribe but its status says otherwise.
  EXPECT_FALSE(classify_frame(std::string(R"({"id":")") + call_id +
                              R"(","reference_type":"call","status":"active"})"));
}

TEST(VoipbinRequests, BuildTheDocumentedBodies) {
  auto t = create_transcribe(call_id, "en-US");
  EXPECT_EQ(t.method, "POST");
  EXPECT_EQ(t.path, "/transcribes");
  EXPECT_EQ(t.body, std::string(R"({"direction":"both","language":"en-US","reference_id":")") + call_id +
                        R"(","reference_type":"call"})");
  auto s = create_speaking(call_id, "en-US", "");
  EXPECT_NE(s.body.find(R"("direction":"both")"), std::string::npos);
  EXPECT_EQ(s.body.find("voice_id"), std::string::npos);
  EXPECT_EQ(s.body.find("provider"), std::string::npos);
  EXPECT_NE(create_speaking(call_id, "en-US", "", "gcp").body.find(R"("provider":"gcp")"), std::string::npos);
  EXPECT_EQ(speaking_of(say(call_id, "x")), call_id);
  EXPECT_EQ(speaking_of(flush_speaking(call_id)), call_id);
  EXPECT_EQ(speaking_of(stop_transcribe(call_id)), "");
  EXPECT_EQ(speaking_of(create_speaking(call_id, "en-US", "")), "");
  EXPECT_EQ(say("abc", "Hi \"there\"").body, R"({"text":"Hi \"there\""})");
  EXPECT_EQ(stop_speaking("abc").path, "/speakings/abc/stop");
  EXPECT_EQ(hangup_call("abc").path, "/calls/abc/hangup");
}

TEST(VoipbinRequests, LabelsEndpointsWithoutIds) {
  EXPECT_EQ(endpoint_label(say(call_id, "x")), "POST /speakings/{id}/say");
  EXPECT_EQ(endpoint_label(create_transcribe(call_id, "en-US")), "POST /transcribes");
}

TEST(VoipbinResources, ParsesRestBodies) {
  auto s = parse_speaking(std::string(R"({"id":")") + call_id + R"(","status":"active","reference_id":"r"})");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, "active");
  EXPECT_FALSE(parse_speaking(R"({"status":"active"})"));
  EXPECT_FALSE(parse_transcribe("oops"));
  EXPECT_TRUE(is_uuid(call_id));
  EXPECT_FALSE(is_uuid("0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4"));
  EXPECT_FALSE(is_uuid("0b1c2d3e_4f50-4a6b-8c7d-9e0f1a2b3c4d"));
}

TEST(VoipbinRequests, PrioritiesAndIdempotence) {
  EXPECT_EQ(priority_of(flush_speaking("a")), priority::flush);
  EXPECT_EQ(priority_of(say("a", "x")), priority::say);
  EXPECT_EQ(priority_of(create_speaking("a", "en-US", "")), priority::create);
  EXPECT_EQ(priority_of(stop_transcribe("a")), priority::stop);
  EXPECT_EQ(priority_of(hangup_call("a")), priority::stop);
  EXPECT_EQ(priority_of(list_transcribes_of("a")), priority::polling);
  EXPECT_TRUE(idempotent(stop_speaking("a")));
  EXPECT_TRUE(idempotent(get_call("a")));
  EXPECT_FALSE(idempotent(say("a", "x")));
  EXPECT_FALSE(idempotent(create_transcribe("a", "en-US")));
}

TEST(VoipbinRequests, TransferIsBlindToATelOrSipAddressAndNeverResent) {
  auto tel = create_transfer(call_id, "tel:+15551234567");
  EXPECT_EQ(tel.method, "POST");
  EXPECT_EQ(tel.path, "/transfers");
  EXPECT_EQ(tel.body,
            std::string(R"({"transfer_type":"blind","transferee_addresses":[{"target":"+15551234567",)") +
                R"("type":"tel"}],"transferer_call_id":")" + call_id + R"("})");
  auto sip = create_transfer(call_id, "sip:alice@example.com");
  EXPECT_NE(sip.body.find(R"({"target":"alice@example.com","type":"sip"})"), std::string::npos);
  EXPECT_EQ(endpoint_label(tel), "POST /transfers");
  EXPECT_EQ(priority_of(tel), priority::create);
  EXPECT_FALSE(idempotent(tel));
  EXPECT_EQ(speaking_of(tel), "");
}

TEST(VoipbinRequests, LongTextIsSplitAtSentencesThenWords) {
  std::string sentence = "This sentence is forty characters long. ";  // 40 bytes
  std::string text;
  for (int i = 0; i < 200; ++i) text += sentence;  // 8000 bytes
  auto pieces = split_say_text(text, 5000);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_LE(pieces[0].size(), 5000u);
  EXPECT_EQ(pieces[0].back(), '.');
  EXPECT_EQ(pieces[0] + " " + pieces[1] + " ", text);  // nothing lost
  auto words = split_say_text(std::string(30, 'a') + " " + std::string(30, 'b'), 40);
  EXPECT_EQ(words, (std::vector<std::string>{std::string(30, 'a'), std::string(30, 'b')}));
  auto utf8 = split_say_text("\xc3\xa9\xc3\xa9\xc3\xa9", 3);  // never inside a sequence
  EXPECT_EQ(utf8, (std::vector<std::string>{"\xc3\xa9", "\xc3\xa9", "\xc3\xa9"}));
  EXPECT_EQ(split_say_text("short"), std::vector<std::string>{"short"});
}

TEST(VoipbinRequests, ListsAskForFullPagesAndContinueFromATokenAndTranscriptsNameTheirTranscribe) {
  EXPECT_EQ(list_calls().path, "/calls?page_size=100");
  // A token is a tm_create (voipbin-api.md §3): its colons are encoded.
  EXPECT_EQ(list_calls("2026-01-15T09:30:00.123456Z").path,
            "/calls?page_size=100&page_token=2026-01-15T09%3A30%3A00.123456Z");
  EXPECT_EQ(list_speakings().path, "/speakings?page_size=100");
  EXPECT_EQ(list_speakings("t").path, "/speakings?page_size=100&page_token=t");
  EXPECT_EQ(list_transcribes().path, "/transcribes?page_size=100");
  EXPECT_EQ(list_transcribes("t").path, "/transcribes?page_size=100&page_token=t");
  EXPECT_EQ(endpoint_label(list_transcribes("t")), "GET /transcribes");
  EXPECT_EQ(priority_of(list_transcribes("t")), priority::polling);
  auto t = list_transcripts(call_id);
  EXPECT_EQ(t.method, "GET");
  EXPECT_EQ(t.path, std::string("/transcripts?transcribe_id=") + call_id + "&page_size=100");
  EXPECT_EQ(list_transcripts(call_id, "x y").path,
            std::string("/transcripts?transcribe_id=") + call_id + "&page_size=100&page_token=x%20y");
  EXPECT_EQ(endpoint_label(t), "GET /transcripts");
  EXPECT_EQ(priority_of(t), priority::polling);
  EXPECT_EQ(priority_of(list_calls("t")), priority::polling);
  EXPECT_TRUE(idempotent(t));
}

TEST(VoipbinResources, ParsesPagesWithTheirNextToken) {
  auto calls = parse_call_page(
      std::string(R"({"result":[{"id":")") + call_id + R"(","customer_id":")" + cust +
      R"(","status":"progressing"},{"id":"bad"},7],"next_page_token":"2026-01-15T09:30:00.000001Z"})");
  ASSERT_TRUE(calls);
  ASSERT_EQ(calls->items.size(), 1u);  // items without a valid id are skipped
  EXPECT_EQ(calls->items[0].status, "progressing");
  EXPECT_EQ(calls->next_page_token, "2026-01-15T09:30:00.000001Z");
  auto last = parse_call_page(R"({"result":[],"next_page_token":""})");
  ASSERT_TRUE(last);
  EXPECT_TRUE(last->items.empty());
  EXPECT_EQ(last->next_page_token, "");
  auto no_token = parse_speaking_page(R"({"result":[]})");
  ASSERT_TRUE(no_token);
  EXPECT_EQ(no_token->next_page_token, "");
  EXPECT_FALSE(parse_transcribe_page(R"({"next_page_token":"x"})"));
  EXPECT_FALSE(parse_transcribe_page("[]"));
  EXPECT_FALSE(parse_transcript_page("{"));

  auto transcripts =
      parse_transcript_page(std::string(R"({"result":[{"id":")") + call_id + R"(","customer_id":")" + cust +
                            R"(","transcribe_id":")" + cust +
                            R"(","direction":"out","message":"Hello.",)"
                            R"("tm_transcript":"0001-01-01T00:00:05.1Z",)"
                            R"("tm_create":"2026-01-15T09:30:00.5Z"}],"next_page_token":"t"})");
  ASSERT_TRUE(transcripts);
  ASSERT_EQ(transcripts->items.size(), 1u);
  const auto& tr = transcripts->items[0];
  EXPECT_EQ(tr.transcribe_id, cust);
  EXPECT_EQ(tr.direction, "out");
  EXPECT_EQ(tr.message, "Hello.");
  EXPECT_EQ(tr.tm_transcript, "0001-01-01T00:00:05.1Z");
  EXPECT_EQ(tr.tm_create, "2026-01-15T09:30:00.5Z");
  EXPECT_EQ(transcripts->next_page_token, "t");
}
