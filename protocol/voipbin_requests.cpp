#include "protocol/voipbin_requests.hpp"

#include <nlohmann/json.hpp>

#include "protocol/url.hpp"

namespace parley::voipbin {

namespace {
// A list request: `page_size` at the API's maximum, and the page to continue from (§3).
std::string paged(std::string path, std::string_view page_token) {
  path += path.find('?') == std::string::npos ? '?' : '&';
  path += "page_size=100";
  if (!page_token.empty()) path += "&page_token=" + percent_encode(page_token);
  return path;
}

std::string id_path(std::string_view collection, std::string_view id, std::string_view action) {
  std::string p = "/";
  p += collection;
  p += '/';
  p += id;
  if (!action.empty()) {
    p += '/';
    p += action;
  }
  return p;
}
}  // namespace

rest_request create_transcribe(std::string_view call_id, std::string_view language) {
  nlohmann::json body{
      {"reference_type", "call"}, {"reference_id", call_id}, {"language", language}, {"direction", "both"}};
  return {"POST", "/transcribes", body.dump()};
}

rest_request stop_transcribe(std::string_view id) {
  return {"POST", id_path("transcribes", id, "stop"), ""};
}

rest_request create_speaking(std::string_view call_id, std::string_view language, std::string_view voice_id,
                             std::string_view provider) {
  nlohmann::json body{
      {"reference_type", "call"}, {"reference_id", call_id}, {"language", language}, {"direction", "both"}};
  if (!voice_id.empty()) body["voice_id"] = voice_id;
  if (!provider.empty()) body["provider"] = provider;
  return {"POST", "/speakings", body.dump()};
}

rest_request say(std::string_view id, std::string_view text) {
  // Invalid UTF-8 from a model must not throw here: replace it.
  nlohmann::json body{{"text", text}};
  return {"POST", id_path("speakings", id, "say"),
          body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

rest_request flush_speaking(std::string_view id) {
  return {"POST", id_path("speakings", id, "flush"), ""};
}
rest_request stop_speaking(std::string_view id) {
  return {"POST", id_path("speakings", id, "stop"), ""};
}
rest_request hangup_call(std::string_view id) {
  return {"POST", id_path("calls", id, "hangup"), ""};
}

rest_request get_call(std::string_view id) {
  return {"GET", id_path("calls", id, ""), ""};
}

rest_request list_calls(std::string_view page_token) {
  return {"GET", paged("/calls", page_token), ""};
}

rest_request get_transcribe(std::string_view id) {
  return {"GET", id_path("transcribes", id, ""), ""};
}

rest_request list_transcribes(std::string_view page_token) {
  return {"GET", paged("/transcribes", page_token), ""};
}

rest_request list_speakings(std::string_view page_token) {
  return {"GET", paged("/speakings", page_token), ""};
}

rest_request get_speaking(std::string_view id) {
  return {"GET", id_path("speakings", id, ""), ""};
}

rest_request list_transcribes_of(std::string_view call_id) {
  return {"GET", "/transcribes?reference_type=call&reference_id=" + std::string(call_id), ""};
}

rest_request list_transcripts(std::string_view transcribe_id, std::string_view page_token) {
  return {"GET", paged("/transcripts?transcribe_id=" + percent_encode(transcribe_id), page_token), ""};
}

rest_request create_transfer(std::string_view transferer_call_id, std::string_view address) {
  // voipbin/monorepo bin-api-manager/server/transfers.go (PostTransfers) binds transfer_type,
  // transferer_call_id and transferee_addresses; an address is {type, target}
  // (bin-common-handler/models/address/main.go).
  nlohmann::json target{{"type", ""}, {"target", address}};
  for (std::string_view scheme : {"tel", "sip"})
    if (address.size() > scheme.size() && address.substr(0, scheme.size()) == scheme &&
        address[scheme.size()] == ':')
      target = {{"type", scheme}, {"target", address.substr(scheme.size() + 1)}};
  nlohmann::json body{{"transfer_type", "blind"},
                      {"transferer_call_id", transferer_call_id},
                      {"transferee_addresses", nlohmann::json::array({target})}};
  return {"POST", "/transfers", body.dump()};
}

}  // namespace parley::voipbin

#include "protocol/voipbin_resources.hpp"

namespace parley::voipbin {

namespace {
// Hands `f` the pieces of the request's endpoint label in order, without building it.
template <class F>
void endpoint_pieces(const rest_request& r, F&& f) {
  f(std::string_view(r.method));
  f(std::string_view(" "));
  std::string_view path = r.path;
  path = path.substr(0, path.find('?'));
  std::size_t i = 0;
  while (i < path.size()) {
    auto next = path.find('/', i + 1);
    auto seg = path.substr(i, next == std::string_view::npos ? std::string_view::npos : next - i);
    f((seg.size() > 1 && is_uuid(seg.substr(1))) ? std::string_view("/{id}") : seg);
    if (next == std::string_view::npos) break;
    i = next;
  }
}
}  // namespace

std::string endpoint_label(const rest_request& r) {
  std::string out;
  endpoint_pieces(r, [&](std::string_view piece) { out += piece; });
  return out;
}

uint64_t endpoint_hash(const rest_request& r) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a over the label's bytes
  endpoint_pieces(r, [&](std::string_view piece) {
    for (unsigned char c : piece) h = (h ^ c) * 1099511628211ull;
  });
  return h;
}

bool has_endpoint_label(const rest_request& r, std::string_view label) {
  std::size_t at = 0;
  bool same = true;
  endpoint_pieces(r, [&](std::string_view piece) {
    same = same && label.substr(at, piece.size()) == piece;
    at += piece.size();
  });
  return same && at == label.size();
}

}  // namespace parley::voipbin

namespace parley::voipbin {

namespace {
bool ends_with(std::string_view s, std::string_view suffix) {
  auto path = s.substr(0, s.find('?'));
  return path.size() >= suffix.size() &&
         path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

priority priority_of(const rest_request& r) {
  if (ends_with(r.path, "/flush")) return priority::flush;
  if (ends_with(r.path, "/say")) return priority::say;
  if (r.method == "GET") return priority::polling;
  if (ends_with(r.path, "/stop") || ends_with(r.path, "/hangup") || r.method == "DELETE")
    return priority::stop;
  return priority::create;
}

std::string_view speaking_of(const rest_request& r) {
  constexpr std::string_view prefix = "/speakings/";
  std::string_view path = r.path;
  path = path.substr(0, path.find('?'));
  if (path.substr(0, prefix.size()) != prefix) return {};
  auto rest = path.substr(prefix.size());
  auto slash = rest.find('/');
  if (slash == std::string_view::npos) return {};
  auto action = rest.substr(slash);
  if (action != "/say" && action != "/flush" && action != "/stop") return {};
  return rest.substr(0, slash);
}

bool is_say(const rest_request& r) {
  return r.method == "POST" && ends_with(r.path, "/say");
}

bool is_flush(const rest_request& r) {
  return r.method == "POST" && ends_with(r.path, "/flush");
}

bool idempotent(const rest_request& r) {
  return r.method == "GET" || ends_with(r.path, "/stop") || ends_with(r.path, "/hangup");
}

std::vector<std::string> split_say_text(std::string_view text, std::size_t limit) {
  std::vector<std::string> out;
  while (text.size() > limit) {
    std::size_t cut = std::string_view::npos;
    // The last sentence end within the limit, then the last space.
    for (std::size_t i = limit; i > limit / 2 && cut == std::string_view::npos; --i) {
      char c = text[i - 1];
      if ((c == '.' || c == '!' || c == '?') && (text[i] == ' ' || text[i] == '\n')) cut = i;
    }
    if (cut == std::string_view::npos) {
      auto space = text.substr(0, limit + 1).find_last_of(" \n");
      if (space != std::string_view::npos && space > 0) cut = space;
    }
    if (cut == std::string_view::npos) {
      cut = limit;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
      if (cut == 0) cut = limit;
    }
    auto piece = text.substr(0, cut);
    while (!piece.empty() && piece.back() == ' ') piece.remove_suffix(1);
    if (!piece.empty()) out.emplace_back(piece);
    text.remove_prefix(cut);
    while (!text.empty() && (text.front() == ' ' || text.front() == '\n')) text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.remove_suffix(1);
  if (!text.empty()) out.emplace_back(text);
  return out;
}

}  // namespace parley::voipbin

namespace parley::voipbin {

rest_request get_customer() {
  return {"GET", "/customer", ""};
}

result<rest_request> set_customer_webhook(std::string_view customer_json, std::string_view method,
                                          std::string_view uri) {
  auto c = nlohmann::json::parse(customer_json, nullptr, false);
  if (c.is_discarded() || !c.is_object()) return fail("GET /customer did not answer a JSON object");
  nlohmann::json body;
  for (const char* field : {"name", "detail", "email", "phone_number", "address"}) {
    auto it = c.find(field);
    body[field] = (it != c.end() && it->is_string()) ? it->get<std::string>() : std::string{};
  }
  body["webhook_method"] = method;
  body["webhook_uri"] = uri;
  return rest_request{"PUT", "/customer", body.dump()};
}

}  // namespace parley::voipbin
