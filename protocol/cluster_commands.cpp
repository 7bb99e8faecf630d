#include "protocol/cluster_commands.hpp"

namespace parley::cluster {
namespace {

// Every script reads the time from Redis, so the nodes' clocks need not agree.
constexpr std::string_view now_ms = R"(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
)";

// KEYS: nodes. ARGV: node, lease ms.
constexpr std::string_view heartbeat_script = R"(
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
local live = redis.call('ZCOUNT', KEYS[1], now, '+inf')
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. now, 'LIMIT', 0, 16)
return {live, dead}
)";

// KEYS: owner, the node's calls. ARGV: node, call, owner ttl ms.
constexpr std::string_view claim_script = R"(
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[3]) then
  redis.call('SADD', KEYS[2], ARGV[2])
  return 1
end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0
)";

// KEYS: nodes, the dead node's calls, the node's calls. ARGV: dead, node, max, key prefix,
// owner ttl ms. A call whose owner record is gone ended (released) or is someone else's now.
constexpr std::string_view adopt_script = R"(
local lease_end = redis.call('ZSCORE', KEYS[1], ARGV[1])
if lease_end and tonumber(lease_end) >= now then return {} end
local taken = {}
for _, call in ipairs(redis.call('SPOP', KEYS[2], tonumber(ARGV[3]))) do
  local owner = ARGV[4] .. 'call:' .. call
  if redis.call('GET', owner) == ARGV[1] then
    redis.call('SET', owner, ARGV[2], 'PX', ARGV[5])
    redis.call('SADD', KEYS[3], call)
    taken[#taken + 1] = call
  end
end
if redis.call('SCARD', KEYS[2]) == 0 then redis.call('ZREM', KEYS[1], ARGV[1]) end
return taken
)";

// KEYS: owner, the node's calls, checkpoint. ARGV: node, call.
constexpr std::string_view release_script = R"(
redis.call('SREM', KEYS[2], ARGV[2])
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[3])
return 1
)";

// KEYS: nodes. ARGV: node. Ends the lease a millisecond ago (adopt wants it ended).
constexpr std::string_view resign_script = R"(
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then redis.call('ZADD', KEYS[1], now - 1, ARGV[1]) end
return 1
)";

command eval(std::string_view body, bool timed, std::vector<std::string> keys,
             std::vector<std::string> args) {
  std::string script = timed ? std::string(now_ms) : std::string();
  script += body;
  command c{"EVAL", std::move(script), std::to_string(keys.size())};
  for (auto& k : keys) c.push_back(std::move(k));
  for (auto& a : args) c.push_back(std::move(a));
  return c;
}

std::string millis(std::chrono::milliseconds d) {
  return std::to_string(d.count());
}

}  // namespace

keyspace::keyspace(std::string_view customer_id) : prefix("parley:{" + std::string(customer_id) + "}:") {}

std::string keyspace::nodes() const {
  return prefix + "nodes";
}
std::string keyspace::calls_of(std::string_view node) const {
  return prefix + "node:" + std::string(node) + ":calls";
}
std::string keyspace::owner_of(std::string_view call) const {
  return prefix + "call:" + std::string(call);
}
std::string keyspace::checkpoint_of(std::string_view call) const {
  return prefix + "checkpoint:" + std::string(call);
}
std::string keyspace::events() const {
  return prefix + "events";
}

command heartbeat(const keyspace& k, std::string_view node, std::chrono::milliseconds lease) {
  return eval(heartbeat_script, true, {k.nodes()}, {std::string(node), millis(lease)});
}

command claim(const keyspace& k, std::string_view node, std::string_view call) {
  return eval(claim_script, false, {k.owner_of(call), k.calls_of(node)},
              {std::string(node), std::string(call), millis(owner_ttl)});
}

command adopt(const keyspace& k, std::string_view dead, std::string_view node, int max) {
  return eval(adopt_script, true, {k.nodes(), k.calls_of(dead), k.calls_of(node)},
              {std::string(dead), std::string(node), std::to_string(max), k.prefix, millis(owner_ttl)});
}

command release(const keyspace& k, std::string_view node, std::string_view call) {
  return eval(release_script, false, {k.owner_of(call), k.calls_of(node), k.checkpoint_of(call)},
              {std::string(node), std::string(call)});
}

command store_checkpoint(const keyspace& k, std::string_view call, std::string_view json,
                         std::chrono::seconds ttl) {
  return {"SET", k.checkpoint_of(call), std::string(json), "EX", std::to_string(ttl.count())};
}

command load_checkpoint(const keyspace& k, std::string_view call) {
  return {"GET", k.checkpoint_of(call)};
}

command calls_of(const keyspace& k, std::string_view node) {
  return {"SMEMBERS", k.calls_of(node)};
}

command resign(const keyspace& k, std::string_view node) {
  return eval(resign_script, true, {k.nodes()}, {std::string(node)});
}

}  // namespace parley::cluster
