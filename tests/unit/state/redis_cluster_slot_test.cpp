#include "state/redis_cluster_slot.h"

#include <catch2/catch.hpp>

namespace rampart::state {
namespace {

TEST_CASE("cluster slots match Redis' own", "[state][cluster]") {
  // Values from `redis-cli CLUSTER KEYSLOT` and the Redis Cluster specification.
  CHECK(crc16Xmodem("123456789") == 0x31C3);
  CHECK(clusterSlot("foo") == 12182);
  CHECK(clusterSlot("bar") == 5061);
  CHECK(clusterSlot("{user1000}.following") == clusterSlot("user1000"));
  CHECK(clusterSlot("foo{}{bar}") == clusterSlot("foo{}{bar}"));  // empty tag: whole key
  CHECK(clusterSlot("foo{}{bar}") != clusterSlot("bar"));
  CHECK(clusterSlot("foo{{bar}}zap") == clusterSlot("{bar"));
  CHECK(clusterSlot("rl:{abc}") == clusterSlot("abc"));
}

}  // namespace
}  // namespace rampart::state
