// The keyed FIFO under the scheduler's /say queue: queue order kept through pushes at both
// ends, and a key's items taken in queue order.

#include "net/keyed_fifo.hpp"

#include <gtest/gtest.h>

using parley::net::keyed_fifo;

TEST(KeyedFifo, TakesAKeysItemsInQueueOrderAndKeepsTheRest) {
  keyed_fifo<int> q;
  q.push_back("a", 1);
  q.push_back("b", 2);
  q.push_back("", 3);  // not indexed
  q.push_back("a", 4);
  q.push_front("a", 0);  // sent again: first of all, and first of its key
  q.push_back("b", 5);
  EXPECT_EQ(q.take("a"), (std::vector<int>{0, 1, 4}));
  EXPECT_TRUE(q.take("a").empty());
  EXPECT_TRUE(q.take("").empty());
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q.pop_front(), 2);
  q.push_back("b", 6);
  EXPECT_EQ(q.take("b"), (std::vector<int>{5, 6}));
  EXPECT_EQ(q.pop_front(), 3);
  EXPECT_TRUE(q.empty());
}

TEST(KeyedFifo, PoppedItemsAreNoLongerTaken) {
  keyed_fifo<int> q;
  q.push_back("a", 1);
  q.push_back("a", 2);
  EXPECT_EQ(q.pop_front(), 1);
  q.push_front("a", 0);
  EXPECT_EQ(q.take("a"), (std::vector<int>{0, 2}));
  EXPECT_TRUE(q.empty());
}
