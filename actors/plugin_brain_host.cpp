// The generic actor that hosts a plain C++ brain (parley/brain.hpp) for one call: it turns the
// brain protocol into on_turn/on_cancel/on_call_end calls, a turn_sink's output into sentences
// for the supervisor, and its HTTP requests into the shared client's.

#include "actors/plugin_brain_host.hpp"

#include <spdlog/spdlog.h>
#include <atomic>
#include <caf/all.hpp>
#include <map>

#include "actors/atoms.hpp"
#include "actors/messages.hpp"
#include "actors/rest_bridge.hpp"
#include "protocol/sentence_splitter.hpp"

namespace parley {

namespace {

// What a turn_sink asks for; sent to the host, which checks it belongs to the current turn.
enum class sink_op : int32_t { say, done, tools, fail, hand_over };

using host_actor = plugin::brain_actor::extend<
    // (epoch, op, text, calls): a turn_sink's output, from any thread
    caf::reacts_to<atoms::sink, uint64_t, int32_t, std::string, std::vector<tool_call>>,
    // (tag, reply): an HTTP request of the brain is done
    caf::reacts_to<atoms::rest, uint64_t, http_reply>>;

class sink_impl final : public plugin::turn_sink {
 public:
  sink_impl(caf::actor_addr host, uint64_t epoch) : host_(std::move(host)), epoch_(epoch) {}

  void say(const std::string& text) override { send(sink_op::say, text, {}); }
  void done() override { send(sink_op::done, {}, {}, true); }
  void call_tools(std::vector<tool_call> calls) override { send(sink_op::tools, {}, std::move(calls), true); }
  void fail(const std::string& why) override { send(sink_op::fail, why, {}, true); }
  void hand_over(const std::string& brain) override { send(sink_op::hand_over, brain, {}, true); }
  bool cancelled() const override { return over_.load(); }
  void end() { over_.store(true); }

 private:
  void send(sink_op op, std::string text, std::vector<tool_call> calls, bool last = false) {
    if (last ? over_.exchange(true) : over_.load()) return;
    if (auto host = caf::actor_cast<host_actor>(host_))
      caf::anon_send(host, atoms::sink_v, epoch_, static_cast<int32_t>(op), std::move(text),
                     std::move(calls));
  }

  caf::actor_addr host_;
  uint64_t epoch_;
  std::atomic<bool> over_{false};
};

class http_impl final : public plugin::http_client {
 public:
  http_impl(std::shared_ptr<const runtime> rt, caf::actor_addr host)
      : rt_(std::move(rt)), host_(std::move(host)) {}

  uint64_t send(plugin::http_request request, std::function<void(plugin::http_response)> done) override {
    uint64_t id = ++next_;
    auto target = parse_url(request.url);
    if (!target) {
      // Answered like any other failure, on the brain's actor and never inside send().
      failed_[id] = {std::move(done), "bad url: " + target.error().message};
      if (auto host = caf::actor_cast<host_actor>(host_))
        caf::anon_send(host, atoms::rest_v, id, http_reply{});
      return id;
    }
    net::http_request req;
    req.method = request.method;
    req.target = *target;
    for (auto& [name, value] : request.headers) req.headers.push_back({std::move(name), std::move(value)});
    req.body = std::move(request.body);
    req.timeout = std::chrono::milliseconds(request.timeout_ms);
    pending_[id] = {send_http(*rt_, host_, id, std::move(req)), std::move(done)};
    return id;
  }

  void cancel(uint64_t id) override {
    if (auto it = pending_.find(id); it != pending_.end()) {
      it->second.handle.cancel();
      pending_.erase(it);
    }
    failed_.erase(id);
  }

  // The completion of request `id`, if it is still wanted.
  void complete(uint64_t id, const http_reply& r) {
    if (auto it = failed_.find(id); it != failed_.end()) {
      auto [done, why] = std::move(it->second);
      failed_.erase(it);
      return done({0, {}, why});
    }
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    auto done = std::move(it->second.done);
    pending_.erase(it);
    done({r.status, r.body, r.error});
  }

  void cancel_all() {
    for (auto& [_, p] : pending_) p.handle.cancel();
    pending_.clear();
    failed_.clear();
  }

 private:
  struct pending {
    net::request_handle handle;
    std::function<void(plugin::http_response)> done;
  };
  std::shared_ptr<const runtime> rt_;
  caf::actor_addr host_;
  uint64_t next_ = 0;
  std::map<uint64_t, pending> pending_;
  std::map<uint64_t, std::pair<std::function<void(plugin::http_response)>, std::string>> failed_;
};

struct host_state {
  host_state() = default;
  host_state(const host_state&) = delete;
  host_state& operator=(const host_state&) = delete;
  // The actor is terminating (the call is over, or it failed): the brain is told, then destroyed.
  ~host_state();

  std::string name;
  brain_context ctx;
  plugin::brain_listener_actor listener;
  std::unique_ptr<http_impl> http;
  std::unique_ptr<plugin::brain> brain;
  uint64_t epoch = 0;
  std::shared_ptr<sink_impl> sink;  // the current turn's; null when no turn runs
  chat_history history;             // of the current turn, for a hand-over
  sentence_splitter splitter;
  std::string text;
  bool got_text = false;
  std::map<std::string, plugin::brain_actor> delegates;  // brains turns were handed over to, by name
  plugin::brain_actor delegate;                          // the one answering the current turn, if any
};

// Ends the current turn for the brain: what its sink sends from now on is dropped.
void end_turn(host_state& st) {
  if (st.sink) st.sink->end();
  st.sink.reset();
}

host_state::~host_state() {
  if (http) http->cancel_all();
  end_turn(*this);
  if (!brain) return;
  try {
    brain->on_call_end();
  } catch (...) {
    spdlog::warn("call {}: brain '{}' threw in on_call_end", ctx.call_id, name);
  }
}

template <class Self>
void fail_turn(Self* self, host_state& st, const std::string& why) {
  end_turn(st);
  spdlog::warn("call {}: brain '{}' failed: {}", st.ctx.call_id, st.name, why);
  self->send(st.listener, atoms::reply_error_v, st.epoch, why);
}

// Runs plugin code; what it throws fails the turn instead of the actor.
template <class Self, class F>
void guarded(Self* self, host_state& st, const char* what, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    fail_turn(self, st, std::string(what) + " threw: " + e.what());
  } catch (...) {
    fail_turn(self, st, std::string(what) + " threw");
  }
}

template <class Self>
void hand_over(Self* self, host_state& st, const std::string& name) {
  end_turn(st);
  if (name == st.name || !brain_registry::global().contains(name))
    return fail_turn(self, st, "hand_over: '" + name + "' is not another registered brain");
  auto& d = st.delegates[name];
  if (!d) {
    // The delegate answers the supervisor directly; it dies with this host and takes it along.
    auto ctx = st.ctx;
    ctx.rt = std::make_shared<const runtime>(
        with_model(*st.ctx.rt, {name, st.ctx.rt->llm.base, st.ctx.rt->llm.api_key, st.ctx.rt->llm.model}));
    d = caf::actor_cast<plugin::brain_actor>(brain_registry::global().spawn(self, name, std::move(ctx)));
    self->link_to(d);
  }
  st.delegate = d;
  self->send(d, atoms::think_v, st.epoch, st.history);
}

template <class Self>
void on_sink(Self* self, host_state& st, uint64_t epoch, sink_op op, std::string& text,
             std::vector<tool_call>& calls) {
  if (epoch != st.epoch || (!st.sink && op == sink_op::say)) return;
  auto first_text = [&] {
    if (st.got_text) return;
    st.got_text = true;
    self->send(st.listener, atoms::first_token_v, epoch);
  };
  auto flush = [&] {
    if (auto rest = st.splitter.finish(); !rest.empty())
      self->send(st.listener, atoms::sentence_v, epoch, rest);
  };
  switch (op) {
    case sink_op::say:
      if (text.empty()) return;
      first_text();
      st.text += text;
      for (auto& s : st.splitter.feed(text)) self->send(st.listener, atoms::sentence_v, epoch, std::move(s));
      return;
    case sink_op::done:
      flush();
      end_turn(st);
      return self->send(st.listener, atoms::reply_v, epoch, std::move(st.text));
    case sink_op::tools:
      flush();
      end_turn(st);
      if (calls.empty()) return self->send(st.listener, atoms::reply_v, epoch, std::move(st.text));
      first_text();
      return self->send(st.listener, atoms::tool_calls_v, epoch, std::move(st.text), std::move(calls));
    case sink_op::fail:
      return fail_turn(self, st, text);
    case sink_op::hand_over:
      if (!st.text.empty() || st.got_text)
        return fail_turn(self, st, "hand_over after the brain said something");
      return hand_over(self, st, text);
  }
}

host_actor::behavior_type plain_host(host_actor::stateful_pointer<host_state> self, std::string name,
                                     plugin::brain_factory factory, brain_context ctx) {
  auto& st = self->state;
  st.name = std::move(name);
  st.ctx = std::move(ctx);
  st.listener = caf::actor_cast<plugin::brain_listener_actor>(st.ctx.parent);
  st.http = std::make_unique<http_impl>(st.ctx.rt, self->address());
  auto env = brain_env_of(st.ctx, st.name);
  env.http = st.http.get();
  try {
    st.brain = factory(env);
  } catch (const std::exception& e) {
    spdlog::error("call {}: brain '{}' could not start: {}", st.ctx.call_id, st.name, e.what());
  }
  if (!st.brain) {
    // The supervisor sees the exit and starts the brain again for the next turn.
    self->quit(caf::sec::invalid_argument);
    return {[](atoms::think, uint64_t, const chat_history&) {}, [](atoms::cancel, uint64_t) {},
            [](atoms::sink, uint64_t, int32_t, std::string&, std::vector<tool_call>&) {},
            [](atoms::rest, uint64_t, const http_reply&) {}};
  }
  return {
      [self](atoms::think, uint64_t epoch, const chat_history& history) {
        auto& st = self->state;
        end_turn(st);
        st.epoch = epoch;
        st.history = history;
        st.splitter = sentence_splitter{};
        st.text.clear();
        st.got_text = false;
        st.delegate = nullptr;
        st.sink = std::make_shared<sink_impl>(self->address(), epoch);
        guarded(self, st, "on_turn", [&] { st.brain->on_turn(st.history, st.sink); });
      },
      [self](atoms::cancel, uint64_t epoch) {
        auto& st = self->state;
        if (epoch < st.epoch) return;
        if (st.delegate)
          self->template send<caf::message_priority::high>(st.delegate, atoms::cancel_v, epoch);
        st.delegate = nullptr;
        if (!st.sink) return;
        end_turn(st);
        guarded(self, st, "on_cancel", [&] { st.brain->on_cancel(); });
      },
      [self](atoms::sink, uint64_t epoch, int32_t op, std::string& text, std::vector<tool_call>& calls) {
        on_sink(self, self->state, epoch, static_cast<sink_op>(op), text, calls);
      },
      [self](atoms::rest, uint64_t id, const http_reply& r) {
        auto& st = self->state;
        guarded(self, st, "an HTTP completion", [&] { st.http->complete(id, r); });
      },
  };
}

}  // namespace

plugin::brain_env brain_env_of(const brain_context& ctx, const std::string& name) {
  const auto& rt = *ctx.rt;
  plugin::brain_env env;
  env.call = {ctx.call_id, rt.profile, ctx.source, ctx.destination, rt.agent.language};
  env.model = {name, rt.llm.base.origin() + (rt.llm.base.target == "/" ? "" : rt.llm.base.target),
               rt.llm.api_key, rt.llm.model};
  env.system_prompt = rt.agent.system_prompt;
  env.tools = rt.agent.offered_tools;
  env.log = [call = ctx.call_id, name](const std::string& line) {
    spdlog::info("call {}: {}: {}", call, name, line);
  };
  return env;
}

brain_spawner plain_brain_spawner(std::string name, plugin::brain_factory factory) {
  return [name = std::move(name), factory = std::move(factory)](caf::local_actor* parent, brain_context ctx) {
    return caf::actor_cast<caf::actor>(
        parent->spawn<caf::monitored>(plain_host, name, factory, std::move(ctx)));
  };
}

brain_spawner actor_brain_spawner(std::string name, plugin::actor_brain_factory factory) {
  return [name = std::move(name), factory = std::move(factory)](caf::local_actor* parent, brain_context ctx) {
    plugin::actor_brain_context c{caf::actor_cast<plugin::brain_listener_actor>(ctx.parent),
                                  brain_env_of(ctx, name)};
    auto brain = factory.spawn(parent->system(), std::move(c));
    parent->monitor(brain);
    return caf::actor_cast<caf::actor>(brain);
  };
}

}  // namespace parley
