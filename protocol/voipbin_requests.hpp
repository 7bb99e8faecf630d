#pragma once
// The VoIPBIN REST calls parley makes, as plain values (voipbin-api.md §4). The net layer
// sends them; tests compare them with what the simulator received.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/result.hpp"

namespace parley::voipbin {

struct rest_request {
  std::string method;  // GET, POST, PUT, DELETE
  std::string path;    // relative to voipbin.api-url, e.g. "/speakings/<id>/say"
  std::string body;    // JSON, empty for none
};

// Transcribe both directions of the call: `in` is the caller (§7.2).
rest_request create_transcribe(std::string_view call_id, std::string_view language);
rest_request stop_transcribe(std::string_view transcribe_id);
// direction "both": the default "" is silent on real calls (§7.1, §9.12). An empty `provider`
// is left out: VoIPBIN then uses ElevenLabs.
rest_request create_speaking(std::string_view call_id, std::string_view language, std::string_view voice_id,
                             std::string_view provider = {});
rest_request say(std::string_view speaking_id, std::string_view text);
rest_request flush_speaking(std::string_view speaking_id);
rest_request stop_speaking(std::string_view speaking_id);
rest_request hangup_call(std::string_view call_id);
// One page (100, newest first) of the customer's speakings; the API has no filter. An empty
// `page_token` asks for the first page; the next is named by the answer's next_page_token (§3).
rest_request list_speakings(std::string_view page_token = {});
rest_request get_speaking(std::string_view speaking_id);
rest_request get_call(std::string_view call_id);
// One page (100, newest first) of the customer's calls, hung-up ones included: the API has no
// status filter (§4.3).
rest_request list_calls(std::string_view page_token = {});
rest_request get_transcribe(std::string_view transcribe_id);
// One page (100, newest first) of the customer's transcribes, ended ones included (§3, §4.2).
rest_request list_transcribes(std::string_view page_token = {});
// Transcribes of one call (the API filters by reference).
rest_request list_transcribes_of(std::string_view call_id);
// One page of the transcripts of a transcribe session, both directions (§4.2). The snapshot of
// voipbin-api.md §3 ignores page_size and page_token; they are sent for a server that honours them.
rest_request list_transcripts(std::string_view transcribe_id, std::string_view page_token = {});
// A blind transfer of the call to `address`, "tel:+15551234567" or "sip:alice@example.com"
// (agent.transfer-to): POST /transfers {transfer_type:"blind", transferer_call_id,
// transferee_addresses:[{type, target}]}. VoIPBIN hangs up `transferer_call_id` (it must be a leg
// in a confbridge) and rings the address into that confbridge. The target is the address
// without its scheme: E.164 "+15551234567" for tel, "user@host" for sip (voipbin/monorepo
// bin-common-handler/models/address/validate.go). Any other scheme is sent as given, type "".
// Never re-sent: a second POST would transfer again.
rest_request create_transfer(std::string_view transferer_call_id, std::string_view address);

}  // namespace parley::voipbin

namespace parley::voipbin {

rest_request get_customer();
// PUT /customer replaces all seven fields (voipbin-api.md §4.4): keeps name, detail, email,
// phone_number and address from `customer_json` (the GET /customer body) and sets the webhook.
result<rest_request> set_customer_webhook(std::string_view customer_json, std::string_view method,
                                          std::string_view uri);

// The order in which queued requests go out when the rate limit is reached: a barge-in's
// flush first, then speech, then new sessions, then stops, then polling (DESIGN §5).
enum class priority { flush = 0, say = 1, create = 2, stop = 3, polling = 4 };
constexpr int priority_levels = 5;
priority priority_of(const rest_request& r);
// Safe to send again after a 5xx or a transport failure (voipbin-api.md §8): GETs, stops and
// hangups. /say is not: it could be spoken twice.
bool idempotent(const rest_request& r);

// The speaking session a /say, /flush or /stop of a speaking addresses ("" for any other
// request), so the scheduler can keep a session's requests in order.
std::string_view speaking_of(const rest_request& r);
bool is_say(const rest_request& r);
bool is_flush(const rest_request& r);

// /say takes at most 5000 bytes (voipbin-api.md §4.1): cuts `text` into pieces of at most
// `limit` bytes, at a sentence end if one is in reach, else at a space, else anywhere (never
// inside a UTF-8 sequence).
std::vector<std::string> split_say_text(std::string_view text, std::size_t limit = 5000);

// Metric label for a request: its method and path with ids replaced, e.g.
// "POST /speakings/{id}/say".
std::string endpoint_label(const rest_request& r);
// The hash of endpoint_label(r), and whether it is `label`, without building it.
uint64_t endpoint_hash(const rest_request& r);
bool has_endpoint_label(const rest_request& r, std::string_view label);

}  // namespace parley::voipbin
