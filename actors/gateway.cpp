#include "actors/gateway.hpp"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <caf/all.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "actors/atoms.hpp"
#include "actors/call_supervisor.hpp"
#include "actors/messages.hpp"
#include "actors/rest_bridge.hpp"
#include "protocol/call_profiles.hpp"
#include "protocol/metrics.hpp"
#include "protocol/readiness.hpp"
#include "protocol/turn_policy.hpp"
#include "protocol/voipbin_event.hpp"
#include "protocol/voipbin_requests.hpp"

namespace parley {

std::vector<std::string> subscription_topics(const std::string& customer_id) {
  std::vector<std::string> out;
  // Event-type topics: each event arrives once. Speech ended is left out: its bare frame looks
  // like speech started (voipbin-api.md §10), so every bare speech frame without text is a start.
  for (const char* t : {"call:call_progressing", "call:call_terminating", "call:call_canceling",
                        "call:call_hangup", "transcript:transcript_created", "transcribe:transcribe_done",
                        "transcribe:transcribe_speech_started", "transcribe:transcribe_speech_interim"})
    out.push_back("customer_id:" + customer_id + ":" + t);
  return out;
}

namespace {

// Remembers the last N event identities.
class recent_set {
 public:
  explicit recent_set(std::size_t capacity) : capacity_(capacity) {}
  bool contains(const std::string& key) const { return set_.count(key) > 0; }
  // False if `key` was seen recently.
  bool insert(const std::string& key) {
    if (!set_.insert(key).second) return false;
    order_.push_back(key);
    if (order_.size() > capacity_) {
      set_.erase(order_.front());
      order_.pop_front();
    }
    return true;
  }

 private:
  std::size_t capacity_;
  std::unordered_set<std::string> set_;
  std::deque<std::string> order_;
};

// A call's variables from a call_variables webhook (docs/configuration.md#profiles), kept until
// the call ends, for at most `ttl`, and for at most `capacity` calls (the oldest go first).
class call_variable_store {
 public:
  static constexpr std::size_t capacity = 10000;
  static constexpr std::chrono::minutes ttl{5};
  using clock = std::chrono::steady_clock;

  void put(const std::string& call_id, std::map<std::string, std::string> vars, clock::time_point now) {
    expire(now);
    auto [it, fresh] = vars_.insert_or_assign(call_id, std::move(vars));
    if (fresh) order_.push_back({call_id, now});
    while (vars_.size() > capacity) pop_front();
  }
  const std::map<std::string, std::string>* find(const std::string& call_id) const {
    auto it = vars_.find(call_id);
    return it == vars_.end() ? nullptr : &it->second;
  }
  void erase(const std::string& call_id) { vars_.erase(call_id); }  // its order entry expires later
  void expire(clock::time_point now) {
    while (!order_.empty() && now - order_.front().second > ttl) pop_front();
  }

 private:
  void pop_front() {
    vars_.erase(order_.front().first);
    order_.pop_front();
  }
  std::unordered_map<std::string, std::map<std::string, std::string>> vars_;
  std::deque<std::pair<std::string, clock::time_point>> order_;
};

struct gateway_state {
  static inline const char* name = "gateway";
  std::shared_ptr<const runtime> rt;
  // Agent profiles (docs/configuration.md#profiles): each one's rules and runtime, in order.
  std::vector<profiles::rule> profile_rules;
  std::vector<std::shared_ptr<const runtime>> profile_rt;
  call_variable_store variables;
  // Calls placed with POST /v1/calls, not yet answered: call id -> the profile they name.
  std::unordered_map<std::string, std::string> outbound;
  // Calls that reached `progressing` and wait (agent.variables-wait) for their variables.
  struct waiting_call {
    profiles::call_facts facts;
    std::string transcribe_id;
    bool live = true;
  };
  std::unordered_map<std::string, waiting_call> waiting;
  // Cluster mode: calls whose claim is on its way; `lookup` when the claim is for a live call
  // found by reconciliation or adopted from a dead node (its transcriptions are looked up next).
  struct claiming_call {
    waiting_call call;
    bool lookup = false;
  };
  std::unordered_map<std::string, claiming_call> claiming;
  std::unordered_map<std::string, profiles::call_facts> listed_facts;  // reconcile: from GET /calls
  std::unordered_map<std::string, call_supervisor_actor> calls;        // call id -> supervisor
  std::unordered_map<caf::actor_addr, std::string> call_of;            // supervisor -> call id
  std::unordered_map<std::string, std::string> transcribe_call;        // transcribe id -> call id
  // call id -> the transcribe ids routed to it, so a call's teardown erases its own routes
  // without scanning every live call's (a transcribe id routed anew stays in its old list).
  std::unordered_map<std::string, std::vector<std::string>> transcribes_of;
  recent_set seen{8192};
  recent_set ended{8192};  // calls that hung up: a late `progressing` must not revive them
  std::unordered_map<std::string, uint64_t> rejections;  // reason -> count, for log_rejected
  // Reconciliation (at start-up and after a reconnect): what each REST answer is about.
  enum class check { call, call_list, transcribe, transcribe_list, call_transcribes, adopted };
  struct pending {
    check kind;
    std::string id;
    uint64_t listing = 0;  // call_list, transcribe_list: the reconciliation it belongs to
  };
  // A walk through the pages of a list (voipbin-api.md §3).
  struct walk {
    std::unordered_set<std::string> listed;    // ids its pages have brought so far
    std::unordered_set<std::string> unlisted;  // held ids it has not listed yet
  };
  std::unordered_map<uint64_t, pending> checks;
  uint64_t next_tag = 0;
  uint64_t listing = 0;  // the reconciliation in progress; answers to older walks are dropped
  walk call_walk;        // GET /calls, every page
  walk transcribe_walk;  // GET /transcribes, until every held transcribe is listed
  bool transcribe_walk_started = false;
  std::unordered_set<std::string> looking;  // live calls whose transcriptions are being looked up
  bool connected_before = false;
  bool draining = false;     // no new calls; live ones go on
  bool handing_off = false;  // cluster mode's drain timed out: the calls ending go to other nodes
  std::unordered_set<std::string> forgotten;  // cluster mode: calls another node claimed meanwhile
  bool shutting_down = false;
};

using gateway_ptr = gateway_actor::stateful_pointer<gateway_state>;

std::string identity(const voipbin::event& ev) {
  return std::visit(
      [&](const auto& r) {
        std::string key = std::string(voipbin::to_string(ev.kind)) + "|" + r.id;
        if constexpr (requires { r.status; }) key += "|" + r.status;
        return key;
      },
      ev.resource);
}

// Bad input is logged at warn the first time a reason is seen and then every 1000th time, so a
// flood of garbage cannot flood the log; every occurrence is counted in the metrics.
void log_rejected(gateway_state& st, const std::string& reason, std::size_t bytes) {
  auto n = ++st.rejections[reason];
  if (n == 1 || n % 1000 == 0)
    spdlog::warn("frame ignored: {} ({} bytes; {} so far)", reason, bytes, n);
  else
    spdlog::debug("frame ignored: {} ({} bytes)", reason, bytes);
}

void route_transcribe(gateway_state& st, const std::string& transcribe_id, const std::string& call_id) {
  auto& routed = st.transcribe_call[transcribe_id];
  if (routed == call_id) return;
  routed = call_id;
  st.transcribes_of[call_id].push_back(transcribe_id);
}

// The call ended: its transcribe ids route nowhere, unless one was routed to another call since.
void unroute_transcribes(gateway_state& st, const std::string& call_id) {
  auto mine = st.transcribes_of.find(call_id);
  if (mine == st.transcribes_of.end()) return;
  for (const auto& tid : mine->second)
    if (auto t = st.transcribe_call.find(tid); t != st.transcribe_call.end() && t->second == call_id)
      st.transcribe_call.erase(t);
  st.transcribes_of.erase(mine);
}

// Whether a call that reached `progressing` can be taken on now.
bool may_admit(gateway_state& st, const std::string& call_id) {
  if (st.calls.count(call_id) || st.shutting_down) return false;
  if (st.draining) {  // another parley takes it
    spdlog::info("call {}: not answered, parley is draining", call_id);
    return false;
  }
  if (st.ended.contains(call_id)) {  // events arrive in any order: it hung up already
    st.rt->stats->events_unroutable_total.inc();
    spdlog::debug("call {}: progressing after its hangup, ignored", call_id);
    return false;
  }
  // Claims on their way count: an instance must not claim what it cannot serve.
  if (st.calls.size() + st.claiming.size() >= st.rt->agent.max_calls) {
    st.rt->stats->calls_rejected_total.inc();
    spdlog::warn("call {}: not answered, agent.max-calls ({}) reached", call_id, st.rt->agent.max_calls);
    return false;
  }
  return true;
}

// The index of the profile called `name`; nothing for the default profile.
std::optional<std::size_t> named_profile(const gateway_state& st, const std::string& name) {
  for (std::size_t i = 0; i < st.profile_rt.size(); ++i)
    if (st.profile_rt[i]->profile == name) return i;
  return std::nullopt;
}

void start_call(gateway_ptr self, const std::string& call_id, const std::string& transcribe_id, bool live,
                profiles::call_facts facts) {
  auto& st = self->state;
  if (auto vars = st.variables.find(call_id)) facts.variables = *vars;
  if (auto o = st.outbound.find(call_id); o != st.outbound.end()) {
    facts.outbound = true;
    facts.profile = std::move(o->second);
    st.outbound.erase(o);
  }
  auto chosen = facts.outbound ? named_profile(st, facts.profile) : profiles::select(st.profile_rules, facts);
  const auto& rt = chosen ? st.profile_rt[*chosen] : st.rt;
  if (!st.profile_rules.empty())
    spdlog::info("call {}: profile {} (from {} to {}{})", call_id, rt->profile,
                 facts.source.empty() ? "?" : facts.source,
                 facts.destination.empty() ? "?" : facts.destination,
                 facts.variables.empty() ? "" : ", with call variables");
  st.rt->stats->profile_calls_total.inc("profile=\"" + rt->profile + "\"");
  auto sup = spawn_call_supervisor(self, rt, call_id, facts, transcribe_id, live);
  st.call_of[sup.address()] = call_id;
  st.calls.emplace(call_id, std::move(sup));
  if (!transcribe_id.empty()) {
    // Routed at once: what the caller says while the history loads waits in the supervisor. An
    // ended one is not routed: the new session routes itself once it is up.
    if (live) route_transcribe(st, transcribe_id, call_id);
    st.rt->stats->calls_adopted_total.inc();
  }
  st.rt->stats->calls_total.inc();
  st.rt->stats->active_calls.add(1);
}

// Takes on a call that reached `progressing`, within agent.max-calls; in cluster mode once
// this node has claimed it. With `transcribe_id`, an earlier process
// served the call: its supervisor rebuilds the conversation from that transcription and
// adopts it if it is `live`, or starts a new one if it ended (a call released by a draining
// parley) (DESIGN §8).
void admit(gateway_ptr self, const std::string& call_id, const std::string& transcribe_id, bool live,
           profiles::call_facts facts) {
  auto& st = self->state;
  if (!may_admit(st, call_id)) return;
  if (!st.rt->cluster) return start_call(self, call_id, transcribe_id, live, std::move(facts));
  auto pending = gateway_state::claiming_call{{std::move(facts), transcribe_id, live}, false};
  if (st.claiming.emplace(call_id, std::move(pending)).second) claim_call(*st.rt, self->address(), call_id);
}

// Admits the call now, or, when a profile could match it by a call variable that has not come
// yet, once its call_variables webhook comes or agent.variables-wait has passed (VoIPBIN sends
// that webhook from the flow before answering, but delivers it on its own goroutine, so it may
// come after `progressing`).
void admit_when_known(gateway_ptr self, const std::string& call_id, const std::string& transcribe_id,
                      bool live, profiles::call_facts facts) {
  auto& st = self->state;
  auto wait = st.rt->agent.variables_wait;
  if (wait.count() > 0 && !st.variables.find(call_id) && !st.calls.count(call_id) &&
      !st.outbound.count(call_id) && profiles::variables_matter(st.profile_rules, facts)) {
    if (st.waiting.emplace(call_id, gateway_state::waiting_call{std::move(facts), transcribe_id, live})
            .second) {
      spdlog::debug("call {}: waiting up to {} ms for its call variables", call_id, wait.count());
      self->delayed_send(self, wait, atoms::deadline_v, call_id);
    }
    return;
  }
  admit(self, call_id, transcribe_id, live, std::move(facts));
}

// The call's wait for variables is over (they came, or the deadline passed).
void admit_waiting(gateway_ptr self, const std::string& call_id) {
  auto& st = self->state;
  auto it = self->state.waiting.find(call_id);
  if (it == st.waiting.end()) return;
  auto w = std::move(it->second);
  st.waiting.erase(it);
  admit(self, call_id, w.transcribe_id, w.live, std::move(w.facts));
}

void on_call_variables(gateway_ptr self, const std::string& frame) {
  auto& st = self->state;
  auto v = profiles::parse_call_variables(frame);
  if (!v) {
    st.rt->stats->events_invalid_total.inc();
    log_rejected(st, v.error().message, frame.size());
    return;
  }
  if (st.ended.contains(v->call_id)) return;
  spdlog::debug("call {}: {} call variables", v->call_id, v->variables.size());
  st.variables.put(v->call_id, std::move(v->variables), std::chrono::steady_clock::now());
  admit_waiting(self, v->call_id);
}

void on_call(gateway_ptr self, const voipbin::call& c) {
  auto& st = self->state;
  if (c.status == "progressing") return admit_when_known(self, c.id, {}, true, {c.source, c.destination, {}});
  if (c.status == "terminating" || c.status == "canceling" || c.status == "hangup") {
    st.ended.insert(c.id);
    st.variables.erase(c.id);
    st.waiting.erase(c.id);
    st.outbound.erase(c.id);
    if (auto it = st.calls.find(c.id); it != st.calls.end()) self->send(it->second, atoms::hangup_v);
  }
}

void on_event(gateway_ptr self, voipbin::event& ev, int64_t received_ns) {
  auto& st = self->state;
  auto customer = std::visit([](const auto& r) { return r.customer_id; }, ev.resource);
  if (customer != st.rt->voipbin.customer_id) {
    st.rt->stats->events_unroutable_total.inc();
    spdlog::debug("event for another customer dropped");
    return;
  }
  // Speech events are many, each with a fresh id, and harmless twice: keeping them out of the
  // duplicate filter keeps it for the events that must be acted on once.
  bool speech =
      ev.kind == voipbin::event_kind::speech_started || ev.kind == voipbin::event_kind::speech_interim ||
      ev.kind == voipbin::event_kind::speech_ended || ev.kind == voipbin::event_kind::speech_unmarked;
  if (!speech && !st.seen.insert(identity(ev))) {
    st.rt->stats->events_duplicate_total.inc();
    return;
  }
  auto route = [&](const std::string& transcribe_id) -> call_supervisor_actor {
    auto t = st.transcribe_call.find(transcribe_id);
    if (t == st.transcribe_call.end()) return {};
    auto c = st.calls.find(t->second);
    return c == st.calls.end() ? call_supervisor_actor{} : c->second;
  };
  switch (ev.kind) {
    case voipbin::event_kind::call:
      on_call(self, std::get<voipbin::call>(ev.resource));
      return;
    case voipbin::event_kind::transcript: {
      auto& t = std::get<voipbin::transcript>(ev.resource);
      // `out` is the agent's own voice (§7.2): what the caller has heard.
      voice_event v{static_cast<int32_t>(turn::signal::final_transcript), t.direction == "out",
                    std::move(t.message), received_ns, t.id};
      if (auto sup = route(t.transcribe_id))
        self->send(sup, atoms::voice_v, std::move(v));
      else
        st.rt->stats->events_unroutable_total.inc();
      return;
    }
    case voipbin::event_kind::speech_started:
    case voipbin::event_kind::speech_unmarked:
    case voipbin::event_kind::speech_interim: {
      auto& s = std::get<voipbin::speech>(ev.resource);
      auto kind = ev.kind == voipbin::event_kind::speech_interim ? turn::signal::interim
                                                                 : turn::signal::speech_started;
      voice_event v{static_cast<int32_t>(kind), s.direction == "out", std::move(s.message), received_ns};
      if (auto sup = route(s.transcribe_id))
        self->send(sup, atoms::voice_v, std::move(v));
      else
        st.rt->stats->events_unroutable_total.inc();
      return;
    }
    case voipbin::event_kind::transcribe: {
      auto& t = std::get<voipbin::transcribe>(ev.resource);
      if (t.status == "done")
        if (auto sup = route(t.id)) self->send(sup, atoms::transcribe_done_v);
      return;
    }
    case voipbin::event_kind::speech_ended:
      return;  // only webhooks name it; the transcript that follows is what counts
  }
}

void ask(gateway_ptr self, gateway_state::check kind, const std::string& id, const voipbin::rest_request& r,
         uint64_t listing = 0) {
  auto& st = self->state;
  auto tag = ++st.next_tag;
  st.checks[tag] = {kind, id, listing};
  send_rest(*st.rt, self->address(), tag, r);
}

// Events sent while the WebSocket was down are lost (voipbin-api.md §6.2), and a process that
// starts has seen none: ask VoIPBIN how the calls parley holds are doing, whether their
// transcription still runs, and which live calls no one here serves (DESIGN §8). With one
// parley per customer, a call is served if this process holds it. The lists answer all three,
// a page per 100 calls or transcribes: a GET per held call would be thousands of requests
// queued behind the rate limit (voipbin-api.md §8). A held one the lists never show is asked
// for on its own.
void reconcile(gateway_ptr self, bool startup) {
  auto& st = self->state;
  if (startup)
    spdlog::info("starting: looking for live calls to take over");
  else
    spdlog::info("reconnected: checking {} calls and looking for calls missed meanwhile", st.calls.size());
  ++st.listing;
  st.call_walk = {};
  for (const auto& [id, _] : st.calls) st.call_walk.unlisted.insert(id);
  st.transcribe_walk = {};
  st.transcribe_walk_started = false;
  ask(self, gateway_state::check::call_list, "", voipbin::list_calls(), st.listing);
}

void look_up_transcribes(gateway_ptr self, const std::string& call_id) {
  // One page: a call has few transcriptions and the live one is among the newest.
  ask(self, gateway_state::check::call_transcribes, call_id, voipbin::list_transcribes_of(call_id));
}

// A live call this process does not hold. Whether its transcription runs tells whether an
// earlier process served it (VoIPBIN keeps a call's sessions when their client dies).
void consider(gateway_ptr self, const std::string& call_id, profiles::call_facts facts) {
  auto& st = self->state;
  if (st.calls.count(call_id) || st.ended.contains(call_id) || !st.looking.insert(call_id).second) return;
  st.listed_facts[call_id] = std::move(facts);
  if (st.rt->cluster) {  // first make sure no other node serves it
    if (st.claiming.emplace(call_id, gateway_state::claiming_call{{}, true}).second)
      claim_call(*st.rt, self->address(), call_id);
    return;
  }
  look_up_transcribes(self, call_id);
}

// VoIPBIN ended a held transcription while its call goes on (§7.2): the supervisor starts a new one.
void on_transcribe_done(gateway_ptr self, const std::string& transcribe_id) {
  auto& st = self->state;
  auto call = st.transcribe_call.find(transcribe_id);
  if (call == st.transcribe_call.end()) return;
  if (auto sup = st.calls.find(call->second); sup != st.calls.end())
    self->send(sup->second, atoms::transcribe_done_v);
}

// Settles the held transcriptions from GET /transcribes. Started once the call walk has settled
// every held call (or is over): a hung-up call's transcription is done too (§7.2), and the
// hangup must reach its supervisor first, or it would start a new transcription.
void start_transcribe_walk(gateway_ptr self) {
  auto& st = self->state;
  if (std::exchange(st.transcribe_walk_started, true)) return;
  for (const auto& [tid, call_id] : st.transcribe_call)
    if (!st.ended.contains(call_id)) st.transcribe_walk.unlisted.insert(tid);
  if (!st.transcribe_walk.unlisted.empty())
    ask(self, gateway_state::check::transcribe_list, "", voipbin::list_transcribes(), st.listing);
}

// A walk is over, complete or cut short (a page failed; a server that ignores page_token; two
// items with one tm_create across a page end, as the next page holds only older ones, §3):
// each held id it never listed is asked for on its own.
template <class Held, class Request>
void ask_unlisted(gateway_ptr self, gateway_state::walk& w, gateway_state::check kind, const char* what,
                  Held held, Request request) {
  auto unlisted = std::move(w.unlisted);
  w = {};
  std::size_t asked = 0;
  for (const auto& id : unlisted)
    if (held(id)) {
      ++asked;
      ask(self, kind, id, request(id));
    }
  if (asked > 0) spdlog::debug("reconcile: {} held {} not listed, asking for each", asked, what);
}

void end_call_walk(gateway_ptr self) {
  auto& st = self->state;
  ask_unlisted(
      self, st.call_walk, gateway_state::check::call, "calls",
      [&](const std::string& id) { return st.calls.count(id) > 0; },
      [](const std::string& id) { return voipbin::get_call(id); });
  start_transcribe_walk(self);
}

void end_transcribe_walk(gateway_ptr self) {
  auto& st = self->state;
  ask_unlisted(
      self, st.transcribe_walk, gateway_state::check::transcribe, "transcribes",
      [&](const std::string& tid) { return st.transcribe_call.count(tid) > 0; },
      [](const std::string& tid) { return voipbin::get_transcribe(tid); });
}

void on_call_page(gateway_ptr self, uint64_t listing, const http_reply& r) {
  auto& st = self->state;
  if (listing != st.listing) return;  // a newer reconciliation took over
  auto& walk = st.call_walk;
  auto page = r.ok() ? voipbin::parse_call_page(r.body) : result<voipbin::page<voipbin::call>>(fail(r.error));
  if (!page) {
    spdlog::warn("reconcile: call list unavailable: {} {}", r.status, page.error().message);
    return end_call_walk(self);
  }
  bool fresh = false;
  for (const auto& c : page->items) {
    if (!walk.listed.insert(c.id).second) continue;
    fresh = true;
    if (walk.unlisted.erase(c.id)) {
      // Held: settled as the GET of the call would be.
      if (c.status != "progressing") on_call(self, c);
    } else if (c.status == "progressing" && c.customer_id == st.rt->voipbin.customer_id) {
      consider(self, c.id, {c.source, c.destination, {}});
    }
  }
  if (walk.unlisted.empty()) start_transcribe_walk(self);
  // Every page: a live call can be anywhere in the customer's history, which has no status
  // filter (voipbin-api.md §4.3). GETs wait behind all other requests in the scheduler, so this
  // stays within the rate limit. A page with nothing new ends it as well: a server that ignored
  // page_token would answer the first page for ever (§3).
  if (fresh && !page->next_page_token.empty()) {
    ask(self, gateway_state::check::call_list, "", voipbin::list_calls(page->next_page_token), listing);
    return;
  }
  spdlog::debug("reconcile: {} calls listed", walk.listed.size());
  end_call_walk(self);
}

void on_transcribe_page(gateway_ptr self, uint64_t listing, const http_reply& r) {
  auto& st = self->state;
  if (listing != st.listing) return;  // a newer reconciliation took over
  auto& walk = st.transcribe_walk;
  auto page = r.ok() ? voipbin::parse_transcribe_page(r.body)
                     : result<voipbin::page<voipbin::transcribe>>(fail(r.error));
  if (!page) {
    spdlog::warn("reconcile: transcribe list unavailable: {} {}", r.status, page.error().message);
    return end_transcribe_walk(self);
  }
  bool fresh = false;
  for (const auto& t : page->items) {
    if (!walk.listed.insert(t.id).second) continue;
    fresh = true;
    if (walk.unlisted.erase(t.id) && t.status == "done") on_transcribe_done(self, t.id);
  }
  // Newest first (§3): the page that lists the oldest held transcribe is the last one needed.
  // Nothing new on a page ends it too, as for calls.
  if (!walk.unlisted.empty() && fresh && !page->next_page_token.empty()) {
    ask(self, gateway_state::check::transcribe_list, "", voipbin::list_transcribes(page->next_page_token),
        listing);
    return;
  }
  spdlog::debug("reconcile: {} transcribes listed", walk.listed.size());
  end_transcribe_walk(self);
}

void on_call_transcribes(gateway_ptr self, const std::string& call_id, const http_reply& r) {
  auto& st = self->state;
  st.looking.erase(call_id);
  profiles::call_facts facts;  // the profile it had when first answered: same numbers, same rules
  if (auto f = st.listed_facts.find(call_id); f != st.listed_facts.end()) {
    facts = std::move(f->second);
    st.listed_facts.erase(f);
  }
  if (st.calls.count(call_id) || st.waiting.count(call_id)) return;  // its progressing event came meanwhile
  auto chosen = profiles::select(st.profile_rules, facts);
  auto language = chosen ? st.profile_rt[*chosen]->agent.language : st.rt->agent.language;
  auto page = r.ok() ? voipbin::parse_transcribe_page(r.body)
                     : result<voipbin::page<voipbin::transcribe>>(fail(r.error));
  bool adopt = st.rt->agent.adopt_on_start;
  if (!page) {
    spdlog::warn("call {}: its transcriptions are unknown ({} {}); {}", call_id, r.status,
                 page.error().message, adopt ? "answering it as a new call" : "left alone");
    if (adopt) admit_when_known(self, call_id, {}, true, std::move(facts));
    return;
  }
  const voipbin::transcribe* live = nullptr;
  const voipbin::transcribe* ended = nullptr;  // the newest ended one: lists are newest first (§3)
  for (const auto& t : page->items) {
    if (t.reference_id != call_id) continue;
    if (t.status == "progressing") {
      if (!live || t.language == language) live = &t;
    } else if (!ended) {
      ended = &t;
    }
  }
  if (!live && ended) {
    // Served before and released (a draining parley stopped its sessions, drain-action
    // release): a new transcription, the conversation rebuilt from the ended one.
    if (!adopt) {
      spdlog::info("call {}: served before (transcribe {} ended); left alone, agent.adopt-on-start is false",
                   call_id, ended->id);
      return;
    }
    spdlog::info("call {}: taking it over; its transcribe {} ended, a new one starts", call_id, ended->id);
    return admit(self, call_id, ended->id, false, std::move(facts));
  }
  // Nobody served it: missed while parley was away.
  if (!live) return admit_when_known(self, call_id, {}, true, std::move(facts));
  if (!adopt) {
    spdlog::info("call {}: served before (transcribe {} runs); left alone, agent.adopt-on-start is false",
                 call_id, live->id);
    return;
  }
  spdlog::info("call {}: adopting it; its transcribe {} still runs", call_id, live->id);
  admit(self, call_id, live->id, true, std::move(facts));
}

// Cluster mode: the answer to a claim. A call another node serves is left to it.
void on_claimed(gateway_ptr self, const std::string& call_id, bool ours) {
  auto& st = self->state;
  auto it = st.claiming.find(call_id);
  if (it == st.claiming.end()) return;
  auto pending = std::move(it->second);
  st.claiming.erase(it);
  if (!ours) {
    st.rt->stats->calls_elsewhere_total.inc();
    spdlog::debug("call {}: served by another node", call_id);
    if (pending.lookup) {
      st.looking.erase(call_id);
      st.listed_facts.erase(call_id);
    }
    return;
  }
  if (pending.lookup) return look_up_transcribes(self, call_id);
  if (!may_admit(st, call_id)) {
    if (!st.calls.count(call_id)) st.rt->cluster->release(call_id);
    return;
  }
  auto& w = pending.call;
  start_call(self, call_id, w.transcribe_id, w.live, std::move(w.facts));
}

void on_check(gateway_ptr self, uint64_t tag, const http_reply& r) {
  auto& st = self->state;
  auto it = st.checks.find(tag);
  if (it == st.checks.end()) return;
  auto p = std::move(it->second);
  st.checks.erase(it);
  if (st.shutting_down) return;
  switch (p.kind) {
    case gateway_state::check::call: {
      auto c = r.ok() ? voipbin::parse_call(r.body) : result<voipbin::call>(fail(""));
      if (c) return on_call(self, *c);
      if (r.status == 404)
        on_call(self, voipbin::call{p.id, st.rt->voipbin.customer_id, "hangup", "", "", "", ""});
      return;
    }
    case gateway_state::check::adopted: {
      auto c = r.ok() ? voipbin::parse_call(r.body) : result<voipbin::call>(fail(""));
      if (c && c->status == "progressing") return consider(self, c->id, {c->source, c->destination, {}});
      if (c || r.status == 404) {  // over meanwhile: nobody needs to serve it
        spdlog::info("call {}: ended before it was adopted", p.id);
        st.rt->cluster->release(p.id);
        return;
      }
      // VoIPBIN could not say: taken as live, as reconciliation does with what it cannot tell.
      spdlog::warn("call {}: its state is unknown ({} {}); adopting it anyway", p.id, r.status, r.error);
      return consider(self, p.id, {});
    }
    case gateway_state::check::call_list:
      return on_call_page(self, p.listing, r);
    case gateway_state::check::transcribe_list:
      return on_transcribe_page(self, p.listing, r);
    case gateway_state::check::call_transcribes:
      return on_call_transcribes(self, p.id, r);
    case gateway_state::check::transcribe: {
      auto t = r.ok() ? voipbin::parse_transcribe(r.body) : result<voipbin::transcribe>(fail(""));
      if (t && t->status == "done") on_transcribe_done(self, p.id);
      return;
    }
  }
}

gateway_actor::behavior_type gateway(gateway_ptr self, std::shared_ptr<const runtime> rt) {
  // Each profile is its own runtime: the default's with the profile's llm and agent options
  // (the services shared).
  for (const auto& p : rt->profiles) {
    auto mine = std::make_shared<runtime>(*rt);
    mine->profiles.clear();
    mine->profile = p.name;
    mine->llm = p.llm;
    mine->agent = p.agent;
    self->state.profile_rules.push_back(p.match);
    self->state.profile_rt.push_back(std::move(mine));
  }
  if (!rt->profiles.empty()) {  // what a call of the default profile is given has none
    auto base = std::make_shared<runtime>(*rt);
    base->profiles.clear();
    rt = std::move(base);
  }
  self->state.rt = std::move(rt);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    auto it = st.call_of.find(dm.source);
    if (it == st.call_of.end()) return;
    auto call_id = it->second;
    st.call_of.erase(it);
    st.calls.erase(call_id);
    unroute_transcribes(st, call_id);
    st.rt->stats->active_calls.add(-1);
    // A call handed over stays this node's in Redis until a live node adopts it.
    bool elsewhere = st.forgotten.erase(call_id) > 0 || (st.handing_off && !st.ended.contains(call_id));
    if (st.rt->cluster && !elsewhere) st.rt->cluster->release(call_id);
    if ((st.shutting_down || st.draining) && st.calls.empty()) self->quit();
  });
  return {
      [=](atoms::ws_up) {
        auto& st = self->state;
        st.rt->stats->ws_connects_total.inc();
        nlohmann::json sub{{"type", "subscribe"},
                           {"topics", subscription_topics(st.rt->voipbin.customer_id)}};
        if (st.rt->ws_send) st.rt->ws_send(sub.dump());
        if (st.rt->ready) st.rt->ready->websocket_subscribed = true;
        spdlog::info("VoIPBIN WebSocket connected; subscribed");
        if (std::exchange(st.connected_before, true))
          reconcile(self, false);
        else if (st.rt->agent.adopt_on_start)
          reconcile(self, true);  // subscribed first: nothing that starts from now on is missed
      },
      // Start-up without a WebSocket (events.mode=webhook).
      [=](atoms::reconcile) {
        if (self->state.rt->agent.adopt_on_start) reconcile(self, true);
      },
      [=](atoms::rest, uint64_t tag, const http_reply& r) { on_check(self, tag, r); },
      [=](atoms::ws_down, const std::string& why) {
        if (self->state.rt->ready) self->state.rt->ready->websocket_subscribed = false;
        self->state.rt->stats->ws_disconnects_total.inc();
        spdlog::warn("VoIPBIN WebSocket down: {}", why);
      },
      [=](atoms::frame, const std::string& frame) {
        auto& st = self->state;
        auto received_ns = std::chrono::steady_clock::now().time_since_epoch().count();
        st.rt->stats->events_total.inc();
        if (profiles::is_call_variables(frame) && !st.profile_rules.empty()) {
          auto j = nlohmann::json::parse(frame, nullptr, false);
          if (j.is_object() && j.contains("type") && j["type"] == "call_variables")
            return on_call_variables(self, frame);
        }
        auto ev = voipbin::classify_frame(frame);
        if (!ev) {
          st.rt->stats->events_invalid_total.inc();
          log_rejected(st, ev.error().message, frame.size());
          return;
        }
        on_event(self, *ev, received_ns);
      },
      // agent.variables-wait passed for a call waiting for its call variables.
      [=](atoms::deadline, const std::string& call_id) {
        if (self->state.waiting.count(call_id))
          spdlog::info("call {}: no call variables within agent.variables-wait; choosing its profile without",
                       call_id);
        admit_waiting(self, call_id);
      },
      [=](atoms::route, const std::string& transcribe_id, const std::string& call_id) {
        auto& st = self->state;
        if (st.calls.count(call_id)) route_transcribe(st, transcribe_id, call_id);
      },
      [=](atoms::calls) {
        std::vector<std::string> ids;
        for (const auto& [id, _] : self->state.calls) ids.push_back(id);
        return ids;
      },
      [=](atoms::drain) {
        auto& st = self->state;
        if (std::exchange(st.draining, true) || st.shutting_down) return;
        if (st.calls.empty()) return self->quit();
        spdlog::info("draining: no new calls; {} live calls go on for up to {} ms", st.calls.size(),
                     st.rt->agent.drain_timeout.count());
        self->delayed_send(self, st.rt->agent.drain_timeout, atoms::drain_over_v);
      },
      [=](atoms::drain_over) {
        auto& st = self->state;
        if (st.shutting_down || st.calls.empty()) return;
        if (st.rt->cluster) {  // other nodes go on with them (docs/scaling.md)
          spdlog::info("drain timeout: handing {} live calls to other nodes", st.calls.size());
          st.handing_off = true;
          for (auto& [id, sup] : st.calls) self->send(sup, atoms::hand_off_v);
          return;
        }
        spdlog::info("drain timeout: {} calls still live; saying the drain message, then {}", st.calls.size(),
                     st.rt->agent.drain_release ? "releasing them" : "hanging up");
        for (auto& [id, sup] : st.calls) self->send(sup, atoms::wrap_up_v);
      },
      [=](atoms::claimed, const std::string& call_id, bool ours) { on_claimed(self, call_id, ours); },
      // A dead node's call: adopted like a live call found by reconciliation, once VoIPBIN
      // says it still lives (and who it is between).
      [=](atoms::adopt, const std::string& call_id) {
        auto& st = self->state;
        if (st.shutting_down || st.calls.count(call_id)) return;
        spdlog::info("call {}: its node is gone; adopting it", call_id);
        ask(self, gateway_state::check::adopted, call_id, voipbin::get_call(call_id));
      },
      [=](atoms::forget, const std::string& call_id) {
        auto& st = self->state;
        auto it = st.calls.find(call_id);
        if (it == st.calls.end()) return;
        st.forgotten.insert(call_id);
        self->send(it->second, atoms::forget_v);
      },
      [=](atoms::outbound, const std::vector<std::string>& call_ids, const std::string& profile) {
        auto& st = self->state;
        for (const auto& id : call_ids)
          if (!st.calls.count(id) && !st.ended.contains(id)) st.outbound[id] = profile;
      },
      [=](atoms::hangup_call, const std::string& call_id) {
        auto& st = self->state;
        if (auto it = st.calls.find(call_id); it != st.calls.end())
          self->send(it->second, atoms::hangup_call_v, std::string("the operator"));
      },
      [=](atoms::shutdown) {
        auto& st = self->state;
        st.shutting_down = true;
        if (st.calls.empty()) return self->quit();
        spdlog::info("shutting down: ending {} calls", st.calls.size());
        for (auto& [id, sup] : st.calls) self->send(sup, atoms::hangup_v);
      },
  };
}

}  // namespace

gateway_actor spawn_gateway(caf::actor_system& sys, std::shared_ptr<const runtime> rt) {
  return sys.spawn(gateway, std::move(rt));
}

}  // namespace parley
