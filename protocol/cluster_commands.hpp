#pragma once
// What cluster mode asks Redis (docs/scaling.md): the keys and the atomic scripts, as argument
// lists for a Redis client. Plain data: no I/O, so the rules are read and tested in one place.
//
// Every key of a customer starts with parley:{CUSTOMER}: so one Redis can serve several
// customers, and the braces keep them in one slot of a Redis Cluster.
//   nodes              sorted set: node id -> when its lease ends (ms, Redis's own clock)
//   node:ID:calls      set: the calls node ID serves
//   call:CALL          string: the node serving CALL (a safety TTL; released at the call's end)
//   checkpoint:CALL    string: what another node needs to go on with CALL (a TTL)
//   events             pub/sub channel: webhook events one node received, for the others
//
// A call's lease is its owner's node lease: one renewal a node, not one a call, whatever the
// number of calls. A node whose lease ended is dead; the others share out its calls.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace parley::cluster {

using command = std::vector<std::string>;

struct keyspace {
  std::string prefix;  // parley:{CUSTOMER}:

  explicit keyspace(std::string_view customer_id);
  std::string nodes() const;
  std::string calls_of(std::string_view node) const;
  std::string owner_of(std::string_view call) const;
  std::string checkpoint_of(std::string_view call) const;
  std::string events() const;  // pub/sub channel: webhook events passed between nodes
};

// Takes or renews `node`'s lease for `lease`. Reply: [live nodes, [dead node ids (at most 16)]].
command heartbeat(const keyspace& k, std::string_view node, std::chrono::milliseconds lease);

// Claims `call` for `node` unless another node holds it. Reply: 1 ours (also when it already
// was), 0 someone else's.
command claim(const keyspace& k, std::string_view node, std::string_view call);

// Takes up to `max` calls of `dead` for `node`, if `dead`'s lease has ended; forgets `dead`
// once it has none left. Reply: the call ids taken.
command adopt(const keyspace& k, std::string_view dead, std::string_view node, int max);

// Gives `call` up: its owner record and checkpoint go, if `node` holds it. Reply: 1 or 0.
command release(const keyspace& k, std::string_view node, std::string_view call);

// Stores `call`'s checkpoint for `ttl`.
command store_checkpoint(const keyspace& k, std::string_view call, std::string_view json,
                         std::chrono::seconds ttl);
command load_checkpoint(const keyspace& k, std::string_view call);

// The calls `node` serves by Redis's record.
command calls_of(const keyspace& k, std::string_view node);

// Ends `node`'s lease now (a drain that handed its calls off): the others adopt at once.
command resign(const keyspace& k, std::string_view node);

// How long an owner record outlives its last claim when nothing releases it.
inline constexpr std::chrono::hours owner_ttl{24};

}  // namespace parley::cluster
