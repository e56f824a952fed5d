// Writing a TF V1 checkpoint (checkpoint_format.h) as TF's SaveTensors and
// TensorSliceWriter do: tensors in name order, one full slice each, values in
// the dtype's packed *_val field, in an uncompressed table.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checkpoint_format.h"
#include "proto_wire.h"
#include "sstable.h"

namespace opbridge {
namespace checkpoint_v1 {

inline std::string ShapeProto(const std::vector<int64_t>& dims) {
  std::string shape;
  for (int64_t d : dims) {
    std::string dim;
    if (d != 0) proto::PutVarintField(&dim, 1, static_cast<uint64_t>(d));  // Dim.size
    proto::PutBytesField(&shape, 2, dim);                                   // TensorShapeProto.dim
  }
  return shape;
}

inline std::string SliceProto(const Slice& slice) {
  std::string out;
  for (const Extent& e : slice) {
    std::string extent;
    if (e.length >= 0) {
      if (e.start != 0) proto::PutVarintField(&extent, 1, static_cast<uint64_t>(e.start));
      proto::PutVarintField(&extent, 2, static_cast<uint64_t>(e.length));
    }
    proto::PutBytesField(&out, 1, extent);  // TensorSliceProto.extent
  }
  return out;
}

struct SaveItem {
  std::string_view name;
  DType dtype = DType::kInvalid;
  std::vector<int64_t> dims;
  const void* data = nullptr;
  const std::string_view* strings = nullptr;
};

// TensorSliceWriter::MaxBytesPerElement: 0 where TF refuses the dtype.
inline size_t MaxBytesPerElement(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return 4;
    case DType::kFloat64: return 8;
    case DType::kInt32: case DType::kInt16: case DType::kInt8: case DType::kInt64: return 10;
    case DType::kUInt8: return 2;
    case DType::kComplex64: return 8;
    case DType::kBool: return 1;
    case DType::kUInt16: case DType::kFloat16: return 3;
    case DType::kComplex128: return 16;
    default: return 0;
  }
}

// The TensorProto TF's Fill makes (only the dtype's packed *_val field). For
// the fixed-width dtypes it is `*head` followed by `*body`, the tensor's own
// memory, so that weights are copied once, into the table; for the others it
// is all in `*encoded` (head and body empty).
inline void EncodeValues(const SaveItem& item, int64_t n, std::string* head, std::string* encoded,
                         std::string_view* body) {
  head->clear();
  encoded->clear();
  *body = {};
  if (n == 0) return;
  const ValField vf = ValFieldOf(item.dtype);
  if (vf.kind == ValKind::kBytes) {
    for (int64_t i = 0; i < n; ++i) proto::PutBytesField(encoded, vf.field, item.strings[i]);
    return;
  }
  const int64_t count = n * vf.per_element;
  if (vf.kind == ValKind::kFixed32 || vf.kind == ValKind::kFixed64) {
    // Little-endian on the wire, as in memory on every target we build for.
    const auto size = static_cast<size_t>(count) * (vf.kind == ValKind::kFixed32 ? 4 : 8);
    proto::PutTag(head, vf.field, proto::kBytes);
    proto::PutVarint(head, size);
    *body = std::string_view(static_cast<const char*>(item.data), size);
    return;
  }
  std::string packed;
  const unsigned char* bytes = static_cast<const unsigned char*>(item.data);
  if (vf.kind == ValKind::kBool) {
    for (int64_t i = 0; i < count; ++i) proto::PutVarint(&packed, bytes[i] != 0 ? 1 : 0);
  } else {
    // int_val holds int32s: narrow ints widen to int32 (sign-extended for
    // signed ones), and negative int32s are varints of their 64-bit extension.
    for (int64_t i = 0; i < count; ++i) {
      int64_t v = 0;
      switch (item.dtype) {
        case DType::kInt8: v = static_cast<const int8_t*>(item.data)[i]; break;
        case DType::kUInt8: v = static_cast<const uint8_t*>(item.data)[i]; break;
        case DType::kInt16: v = static_cast<const int16_t*>(item.data)[i]; break;
        case DType::kUInt16:
        case DType::kFloat16: v = static_cast<const uint16_t*>(item.data)[i]; break;
        case DType::kInt32: v = static_cast<const int32_t*>(item.data)[i]; break;
        default: v = static_cast<const int64_t*>(item.data)[i]; break;
      }
      proto::PutVarint(&packed, static_cast<uint64_t>(v));
    }
  }
  proto::PutBytesField(encoded, vf.field, packed);
}

// One data entry's value, SavedTensorSlices{data: SavedSlice{...}}: `head`,
// then the rest of the TensorProto, the tensor's memory (`body`) or the
// bytes encoded here (`encoded`), whichever EncodeValues filled.
struct DataValue {
  std::string head;
  std::string encoded;
  std::string_view body;
  std::string_view Rest() const { return body.empty() ? std::string_view(encoded) : body; }
};

inline Status BuildCheckpoint(std::vector<SaveItem> items, std::string* file) {
  std::stable_sort(items.begin(), items.end(),
                   [](const SaveItem& a, const SaveItem& b) { return a.name < b.name; });
  struct MetaEntry {
    const SaveItem* item;
    int slices;
  };
  std::vector<MetaEntry> meta;
  std::map<std::string, DataValue> data;  // key -> SavedTensorSlices; first write of a key wins
  size_t entries_bytes = 0;
  for (const SaveItem& item : items) {
    const size_t max_bytes = MaxBytesPerElement(item.dtype);
    if (item.dtype != DType::kString && max_bytes == 0) {
      if (TfEnumOf(item.dtype) == 0 || item.dtype == DType::kBFloat16) {
        return Errorf("Saving data type ", DTypeName(item.dtype), " not yet supported");
      }
      return Errorf("Tensor slice serialization not implemented for dtype ", TfEnumOf(item.dtype));
    }
    if (!meta.empty() && meta.back().item->name == item.name) {
      // The same name again: TF checks shape and type agree and records the
      // slice twice; its data stays the first one's.
      const SaveItem& first = *meta.back().item;
      if (first.dims != item.dims) {
        return Errorf("Mismatching shapes: existing tensor = ", ShapeString(first.dims), ", trying to add name ",
                      item.name, ", shape = ", ShapeString(item.dims));
      }
      if (first.dtype != item.dtype) {
        return Errorf("Mismatching types: existing type = ", TfTypeName(TfEnumOf(first.dtype)),
                      ", trying to add name ", item.name, ", type = ", TfTypeName(TfEnumOf(item.dtype)));
      }
      ++meta.back().slices;
      continue;
    }
    meta.push_back({&item, 1});
    const Slice full(item.dims.size());
    const int64_t n = NumElements(item.dims);
    std::string saved_slice;
    proto::PutBytesField(&saved_slice, 1, item.name);
    proto::PutBytesField(&saved_slice, 2, SliceProto(full));
    // TensorSliceWriter::SaveData's conservative bound: messages stay under 2 GiB.
    size_t bound = saved_slice.size() + 1024;
    if (item.dtype == DType::kString) {
      bound += static_cast<size_t>(n) * 10;
      for (int64_t i = 0; i < n; ++i) bound += item.strings[i].size();
    } else {
      bound += max_bytes * static_cast<size_t>(n);
    }
    if (bound > (size_t{1} << 31)) {
      return Errorf("Tensor slice is too large to serialize (conservative estimate: ", bound, " bytes)");
    }
    DataValue value;
    std::string values_head;
    EncodeValues(item, n, &values_head, &value.encoded, &value.body);
    const size_t values_size = values_head.size() + value.Rest().size();
    proto::PutTag(&saved_slice, 3, proto::kBytes);  // SavedSlice.data, its bytes after it
    proto::PutVarint(&saved_slice, values_size);
    proto::PutTag(&value.head, 2, proto::kBytes);  // SavedTensorSlices.data
    proto::PutVarint(&value.head, saved_slice.size() + values_size);
    value.head += saved_slice;
    value.head += values_head;
    entries_bytes += value.head.size() + value.Rest().size() + item.name.size() + 64;
    data.emplace(EncodeTensorNameSlice(item.name, full), std::move(value));
  }

  std::string meta_proto;  // SavedTensorSliceMeta
  for (const MetaEntry& m : meta) {
    std::string ssm;
    proto::PutBytesField(&ssm, 1, m.item->name);
    proto::PutBytesField(&ssm, 2, ShapeProto(m.item->dims));
    proto::PutVarintField(&ssm, 3, static_cast<uint64_t>(TfEnumOf(m.item->dtype)));
    for (int i = 0; i < m.slices; ++i) proto::PutBytesField(&ssm, 4, SliceProto(Slice(m.item->dims.size())));
    proto::PutBytesField(&meta_proto, 1, ssm);
  }
  std::string versions;
  proto::PutVarintField(&versions, 1, 1);  // producer: TF_CHECKPOINT_VERSION
  proto::PutBytesField(&meta_proto, 2, versions);
  std::string header;
  proto::PutBytesField(&header, 1, meta_proto);  // SavedTensorSlices.meta

  sstable::TableBuilder table;
  table.Reserve(header.size() + entries_bytes + 4096);
  table.Add("", header);  // "" sorts first: the metadata opens the file
  for (const auto& [key, value] : data) {
    table.Add(key, value.head, value.Rest());
  }
  *file = table.Finish();
  return Status::Ok();
}

}  // namespace checkpoint_v1
}  // namespace opbridge
