// TF's V1 checkpoint format, the parts its writer and reader share: TF's
// dtype enum and how each dtype's values sit in a TensorProto
// (saved_tensor_slice_util.h), slices, and the entry keys
// (EncodeTensorNameSlice in OrderedCode). The file is one LevelDB-format
// table (sstable.h) whose entries are
//
//   ""                               SavedTensorSlices{meta: SavedTensorSliceMeta{
//                                      tensor: SavedSliceMeta{name, shape, type, slice...}...,
//                                      versions: VersionDef{producer: 1}}}
//   EncodeTensorNameSlice(name, s)   SavedTensorSlices{data: SavedSlice{name, slice: s,
//                                      data: TensorProto with only the dtype's *_val field}}
//
// checkpoint_writer.h writes what TF's SaveTensors writes;
// checkpoint_reader.h reads what TF's TensorSliceReader reads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "opbridge/dtype.h"
#include "opbridge/status.h"

namespace opbridge {
namespace checkpoint_v1 {

// ---- Data types: TF's DataType enum (tensorflow/core/framework/types.proto) ----

struct TfType {
  DType dtype;
  int tf_enum;
  const char* tf_name;  // DataTypeString
};

inline const std::vector<TfType>& TfTypes() {
  static const std::vector<TfType> types = {
      {DType::kFloat32, 1, "float"},      {DType::kFloat64, 2, "double"},     {DType::kInt32, 3, "int32"},
      {DType::kUInt8, 4, "uint8"},        {DType::kInt16, 5, "int16"},        {DType::kInt8, 6, "int8"},
      {DType::kString, 7, "string"},      {DType::kComplex64, 8, "complex64"}, {DType::kInt64, 9, "int64"},
      {DType::kBool, 10, "bool"},         {DType::kBFloat16, 14, "bfloat16"}, {DType::kUInt16, 17, "uint16"},
      {DType::kComplex128, 18, "complex128"}, {DType::kFloat16, 19, "half"},  {DType::kUInt32, 22, "uint32"},
      {DType::kUInt64, 23, "uint64"},
  };
  return types;
}

inline int TfEnumOf(DType dtype) {
  for (const TfType& t : TfTypes()) {
    if (t.dtype == dtype) return t.tf_enum;
  }
  return 0;
}

inline std::string TfTypeName(int tf_enum) {
  for (const TfType& t : TfTypes()) {
    if (t.tf_enum == tf_enum) return t.tf_name;
  }
  static const char* const kOthers[] = {"qint8", "quint8", "qint32", nullptr, "qint16", "quint16"};
  if (tf_enum >= 11 && tf_enum <= 16 && kOthers[tf_enum - 11] != nullptr) return kOthers[tf_enum - 11];
  if (tf_enum == 20) return "resource";
  if (tf_enum == 21) return "variant";
  return StrCat("unknown dtype enum (", tf_enum, ")");
}

// How a dtype's values sit in a TensorProto (SaveTypeTraits/Fill in
// saved_tensor_slice_util.h): the repeated field, its element encoding, and
// how many field elements make one tensor element (2 for complex).
enum class ValKind { kFixed32, kFixed64, kVarint, kBool, kBytes };
struct ValField {
  int field = 0;  // 0: TF cannot save or restore this dtype in a V1 checkpoint
  ValKind kind = ValKind::kVarint;
  int per_element = 1;
};

inline ValField ValFieldOf(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return {5, ValKind::kFixed32, 1};     // float_val
    case DType::kFloat64: return {6, ValKind::kFixed64, 1};     // double_val
    case DType::kInt32:
    case DType::kUInt8:
    case DType::kInt16:
    case DType::kInt8:
    case DType::kUInt16: return {7, ValKind::kVarint, 1};       // int_val (an int32 each)
    case DType::kString: return {8, ValKind::kBytes, 1};        // string_val
    case DType::kComplex64: return {9, ValKind::kFixed32, 2};   // scomplex_val (re, im)
    case DType::kInt64: return {10, ValKind::kVarint, 1};       // int64_val
    case DType::kBool: return {11, ValKind::kBool, 1};          // bool_val
    case DType::kComplex128: return {12, ValKind::kFixed64, 2}; // dcomplex_val
    case DType::kFloat16: return {13, ValKind::kVarint, 1};     // half_val (the bits, as an int32)
    case DType::kUInt32: return {16, ValKind::kVarint, 1};      // uint32_val (restore only)
    case DType::kUInt64: return {17, ValKind::kVarint, 1};      // uint64_val (restore only)
    default: return {};
  }
}

// ---- Keys: EncodeTensorNameSlice, in OrderedCode (lib/strings/ordered_code) ----

struct Extent {
  int64_t start = 0;
  int64_t length = -1;  // -1: the whole dim (TensorSlice's kFullExtent)
};
using Slice = std::vector<Extent>;

// Length byte, then the big-endian bytes of v without leading zeros.
inline void WriteNumIncreasing(std::string* out, uint64_t v) {
  unsigned char buf[9];
  int n = 0;
  while (v > 0) {
    buf[8 - n] = static_cast<unsigned char>(v & 0xFF);
    v >>= 8;
    ++n;
  }
  buf[8 - n] = static_cast<unsigned char>(n);
  out->append(reinterpret_cast<const char*>(buf + 8 - n), static_cast<size_t>(n + 1));
}

// 0x00 -> 0x00 0xff, 0xff -> 0xff 0x00, then the terminator 0x00 0x01.
inline void WriteString(std::string* out, std::string_view s) {
  for (char c : s) {
    out->push_back(c);
    if (c == '\0') out->push_back('\xff');
    else if (c == '\xff') out->push_back('\0');
  }
  out->push_back('\0');
  out->push_back('\x01');
}

// Signed numbers in 1..10 bytes: the value sign-extended, its leading bits
// flipped to a unary length header (so that bytewise order is numeric order).
inline void WriteSignedNumIncreasing(std::string* out, int64_t v) {
  const uint64_t x = v < 0 ? ~static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  int bits = 0;  // significant bits of the magnitude
  while (bits < 64 && (x >> bits) != 0) ++bits;
  const int len = bits / 7 + 1;  // each byte carries 7 bits; one more for the sign
  unsigned char buf[10];
  const unsigned char sign = v < 0 ? 0xFF : 0x00;
  buf[0] = buf[1] = sign;
  for (int i = 0; i < 8; ++i) buf[2 + i] = static_cast<unsigned char>(static_cast<uint64_t>(v) >> (56 - 8 * i));
  unsigned char* begin = buf + 10 - len;
  // The header: `len` one-bits from the top of the first byte.
  for (int bit = 0; bit < len; ++bit) begin[bit / 8] ^= static_cast<unsigned char>(0x80 >> (bit % 8));
  out->append(reinterpret_cast<const char*>(begin), static_cast<size_t>(len));
}

inline std::string EncodeTensorNameSlice(std::string_view name, const Slice& slice) {
  std::string key;
  WriteNumIncreasing(&key, 0);
  WriteString(&key, name);
  WriteNumIncreasing(&key, slice.size());
  for (const Extent& e : slice) {
    WriteSignedNumIncreasing(&key, e.start);
    WriteSignedNumIncreasing(&key, e.length);
  }
  return key;
}

inline std::string ShapeString(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += StrCat(i ? "," : "", dims[i]);
  return s + "]";
}

// A tensor to save: numeric data (`data`) or strings (`strings`).
inline int64_t NumElements(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

// The checkpoint file SaveTensors writes for `items` (in the caller's order;
// they are sorted by name here, as TF does).
inline std::string SliceString(const Slice& s) {  // TensorSlice::DebugString
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ":";
    out += s[i].length < 0 ? std::string("-") : StrCat(s[i].start, ",", s[i].length);
  }
  return out;
}

// The extent of dim d of a slice: [begin, end).
inline void ExtentRange(const Extent& e, int64_t dim, int64_t* begin, int64_t* end) {
  *begin = e.length < 0 ? 0 : e.start;
  *end = e.length < 0 ? dim : e.start + e.length;
}

// Registers every tensor slice of the files, with TF's checks
// (TensorSliceReader::LoadShard / RegisterTensorSlice): a slice fits its
// tensor's shape, a tensor has one shape and type, slices do not overlap.
}  // namespace checkpoint_v1
}  // namespace opbridge
