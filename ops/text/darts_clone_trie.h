// tensorflow-text's darts-clone double-array trie (darts_clone_trie_wrapper.h),
// read from a uint32 vector of a model flatbuffer (flatbuffer_table.h), for
// FastWordpieceTokenizer's and FastBertNormalizer's models. tf-text indexes
// the array unchecked; here a node or value outside it is no edge or an error
// naming the model tensor, so a hostile model cannot read past the buffer.
//
// Facts from darts_clone_trie_wrapper.h: a unit's child offset is
// (unit >> 10) << ((unit & 0x200) >> 6), its label unit & 0x800000ff, it has
// a value child when unit & 0x100, a value is unit & 0x7fffffff; the child
// along byte c of node n is n ^ offset(unit(n)) ^ c, and node n's value sits
// in unit n ^ offset(unit(n)). The root is node 0.
#ifndef OPBRIDGE_OPS_TEXT_DARTS_CLONE_TRIE_H_
#define OPBRIDGE_OPS_TEXT_DARTS_CLONE_TRIE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "flatbuffer_table.h"
#include "opbridge/op.h"

namespace opbridge {
namespace text {

class DartsCloneTrie {
 public:
  struct Cursor {
    uint32_t id = 0;
    uint32_t unit = 0;
  };

  // `units` is a checked vector of 4-byte units inside `bytes`; `what` names
  // the model tensor in errors.
  void Reset(const FlatBytes& bytes, const FlatVector& units, const std::string& what) {
    bytes_ = bytes;
    units_ = units;
    what_ = what;
  }
  uint64_t size() const { return units_.length; }

  Status SetCursor(uint32_t id, Cursor* c) const {
    OPBRIDGE_REQUIRE(id < units_.length, what_, ": trie node ", id, " is beyond trie_array's ", units_.length,
                     " units");
    c->id = id;
    c->unit = Unit(id);
    return Status::Ok();
  }
  // A child outside the array cannot carry the label: no edge (tf-text would
  // read past the array).
  bool Step(Cursor* c, unsigned char ch) const {
    const uint32_t next = c->id ^ ChildOffset(c->unit) ^ ch;
    if (next >= units_.length) return false;
    const uint32_t unit = Unit(next);
    if (Label(unit) != ch) return false;
    c->id = next;
    c->unit = unit;
    return true;
  }
  // TryTraverseSeveralSteps: all the bytes, or the cursor stays.
  bool StepSeveral(Cursor* c, std::string_view bytes) const {
    Cursor probe = *c;
    for (const char b : bytes) {
      if (!Step(&probe, static_cast<unsigned char>(b))) return false;
    }
    *c = probe;
    return true;
  }
  // TryGetData: *has tells whether the node holds a value.
  Status Data(const Cursor& c, bool* has, uint32_t* value) const {
    *has = HasLeaf(c.unit);
    if (!*has) return Status::Ok();
    const uint32_t at = c.id ^ ChildOffset(c.unit);
    OPBRIDGE_REQUIRE(at < units_.length, what_, ": the value of trie node ", c.id, " is beyond trie_array");
    *value = Unit(at) & 0x7fffffffu;
    return Status::Ok();
  }

 private:
  static uint32_t ChildOffset(uint32_t unit) { return (unit >> 10) << ((unit & 0x200) >> 6); }
  static uint32_t Label(uint32_t unit) { return unit & 0x800000ffu; }
  static bool HasLeaf(uint32_t unit) { return (unit & 0x100u) != 0; }
  uint32_t Unit(uint32_t id) const { return bytes_.U32(units_.pos + 4ull * id); }

  FlatBytes bytes_{nullptr, 0};
  FlatVector units_;
  std::string what_;
};

}  // namespace text
}  // namespace opbridge

#endif  // OPBRIDGE_OPS_TEXT_DARTS_CLONE_TRIE_H_
