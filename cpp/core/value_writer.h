// The library side of the C interface's value sink (opbridge/app/value_sink.h):
// everything the library hands out as structured data (catalog, decoded
// options, flexbuffers, the ABI probe's record) is written through this one
// writer, typed, so no text format is built and nothing needs escaping.
#pragma once

#include <cstdint>
#include <string_view>

#include "opbridge/app/value_sink.h"

namespace opbridge {

class ValueWriter {
 public:
  // `sink` has every callback set (the C entry points check).
  explicit ValueWriter(const OpbridgeValueSink& sink) : sink_(sink) {}

  ValueWriter& Null() { return Call(sink_.null_value); }
  ValueWriter& Bool(bool v) { return Call(sink_.bool_value, v ? 1 : 0); }
  ValueWriter& Int(int64_t v) { return Call(sink_.int_value, v); }
  ValueWriter& UInt(uint64_t v) { return Call(sink_.uint_value, v); }
  ValueWriter& Double(double v) { return Call(sink_.double_value, v); }
  ValueWriter& String(std::string_view v) { return Call(sink_.string_value, v.data(), v.size()); }
  ValueWriter& Bytes(std::string_view v) {
    return Call(sink_.bytes_value, static_cast<const void*>(v.data()), v.size());
  }
  ValueWriter& BeginList() { return Call(sink_.begin_list); }
  ValueWriter& EndList() { return Call(sink_.end_list); }
  ValueWriter& BeginMap() { return Call(sink_.begin_map); }
  ValueWriter& EndMap() { return Call(sink_.end_map); }
  // Inside a map: the entry's key; the next value written is its value.
  ValueWriter& Key(std::string_view k) { return Call(sink_.key, k.data(), k.size()); }

 private:
  template <typename Fn, typename... Args>
  ValueWriter& Call(Fn fn, Args... args) {
    fn(sink_.context, args...);
    return *this;
  }

  const OpbridgeValueSink& sink_;
};

}  // namespace opbridge
