// A bounds-checked reader for FlexBuffers, the format the TFLite converter
// uses for a custom op's options.
//
// custom_options come from model files, which may be truncated, corrupted or
// hostile. This reader never trusts an offset or a length: every read is
// checked against the buffer, nesting depth is capped, and a bad buffer is an
// error Status, never an out-of-bounds access.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "opbridge/status.h"

namespace opbridge {
class ValueWriter;
}

namespace opbridge::flex {

struct Value {
  enum class Kind { kNull, kInt, kUInt, kFloat, kBool, kString, kBlob, kVector, kMap };
  Kind kind = Kind::kNull;
  int64_t i = 0;
  uint64_t u = 0;
  double f = 0.0;
  bool b = false;
  std::string s;                  // kString, kBlob
  std::vector<Value> items;       // kVector, kMap (values)
  std::vector<std::string> keys;  // kMap, parallel to items

  const Value* Find(const std::string& key) const;
};

const char* KindName(Value::Kind kind);

// Decodes a whole FlexBuffer into a Value tree.
Status Decode(const uint8_t* data, size_t size, Value* out);

// Writes the value out: maps as maps, vectors as lists, blobs as bytes, uints
// through the sink's uint callback (they may exceed int64).
void Write(const Value& value, ValueWriter& out);

}  // namespace opbridge::flex
