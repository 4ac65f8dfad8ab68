// core/bytes.hpp: values to bytes and back, for results sent between MPI ranks (docs/scaling.md).
#include <cmath>
#include <cstring>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "spikeworm/core/bytes.hpp"
#include "spikeworm/core/error.hpp"

namespace {

enum class colour : std::uint8_t { red = 1, blue = 7 };

struct inner {
  std::string name;
  std::vector<bool> flags;
};
template <class A>
void fields(A& a, inner& x) {
  a(x.name, x.flags);
}

struct outer {
  int i = 0;
  double d = 0;
  std::uint64_t big = 0;
  colour c = colour::red;
  std::vector<double> xs;
  std::optional<inner> maybe, none;
  std::vector<inner> many;
};
template <class A>
void fields(A& a, outer& x) {
  a(x.i, x.d, x.big, x.c, x.xs, x.maybe, x.none, x.many);
}

}  // namespace

TEST(bytes, every_field_comes_back_bit_for_bit) {
  outer o;
  o.i = -12345;
  o.d = 0.1 + 0.2;
  o.big = std::numeric_limits<std::uint64_t>::max();
  o.c = colour::blue;
  o.xs = {std::numeric_limits<double>::quiet_NaN(), -std::numeric_limits<double>::infinity(), -0.0,
          std::numeric_limits<double>::denorm_min()};
  o.maybe = inner{std::string("a\0b", 3), {true, false, true}};  // strings carry any bytes
  o.many = {inner{"", {}}, inner{"x", {false}}};
  const auto back = spikeworm::from_bytes<outer>(spikeworm::to_bytes(o));
  EXPECT_EQ(back.i, o.i);
  EXPECT_EQ(std::memcmp(&back.d, &o.d, sizeof(double)), 0);
  EXPECT_EQ(back.big, o.big);
  EXPECT_EQ(back.c, colour::blue);
  ASSERT_EQ(back.xs.size(), o.xs.size());
  EXPECT_EQ(std::memcmp(back.xs.data(), o.xs.data(), o.xs.size() * sizeof(double)), 0);  // NaN and -0.0 too
  ASSERT_TRUE(back.maybe.has_value());
  EXPECT_EQ(back.maybe->name, o.maybe->name);
  EXPECT_EQ(back.maybe->flags, o.maybe->flags);
  EXPECT_FALSE(back.none.has_value());
  ASSERT_EQ(back.many.size(), 2u);
  EXPECT_EQ(back.many[1].name, "x");
  EXPECT_EQ(back.many[1].flags, std::vector<bool>{false});
}

TEST(bytes, a_short_or_long_message_is_an_internal_error) {
  outer o;
  o.xs = {1, 2, 3};
  const auto b = spikeworm::to_bytes(o);
  EXPECT_THROW(spikeworm::from_bytes<outer>(b.substr(0, b.size() - 1)), spikeworm::internal_error);
  EXPECT_THROW(spikeworm::from_bytes<outer>(b + "x"), spikeworm::internal_error);
  // A length field larger than what follows is refused before anything is allocated.
  std::string huge = spikeworm::to_bytes(std::vector<double>{});
  huge[7] = '\x7f';
  EXPECT_THROW(spikeworm::from_bytes<std::vector<double>>(huge), spikeworm::internal_error);
}
