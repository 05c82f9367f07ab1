#include <doctest/doctest.h>

#include <handoff/value.hpp>

TEST_CASE("value holds host data of any JSON shape") {
  using handoff::value;
  value v = value::object{{"order_value", 1999.5},
                          {"vip", true},
                          {"address", value::object{{"city", "上海"}}},
                          {"history", value::array{"serum", 2}}};
  CHECK(v.is_object());
  CHECK(v.find("order_value")->as_number() == 1999.5);
  CHECK(v.find("vip")->as_bool() == true);
  CHECK(v.find_path("address.city")->as_string() == "上海");
  CHECK(v.find_path("address.street") == nullptr);
  CHECK(v.find_path("vip.x") == nullptr);
  CHECK(v.find("history")->as_array()->size() == 2);
  CHECK(v.find("missing") == nullptr);
  CHECK(value().is_null());
  CHECK_FALSE(value("x").as_number());
  CHECK(value(3) == value(3.0));
}
