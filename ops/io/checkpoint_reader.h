// Reading TF V1 checkpoints (checkpoint_format.h) as TF's TensorSliceReader
// does: any number of files (shards), tensors stored whole or in slices
// (partitioned variables), values from the dtype's *_val field, packed or not;
// also tensor_content. Every length, count and extent is checked: a damaged
// file is an error.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
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

struct TensorMeta {
  std::string name;
  std::vector<int64_t> dims;
  int tf_type = 0;
  std::vector<Slice> slices;
};

// One file: its bytes, the table over them and its metadata. The table
// points into `bytes`, so a parsed file stays where it is (no copy or move).
struct CheckpointFile {
  CheckpointFile() = default;
  CheckpointFile(const CheckpointFile&) = delete;
  CheckpointFile& operator=(const CheckpointFile&) = delete;

  std::string path;
  std::string bytes;
  sstable::Table table;  // over `bytes`
  std::vector<TensorMeta> tensors;
};

constexpr int kMaxRank = 254;  // TensorShape's limit

inline Status ParseShape(std::string_view bytes, std::vector<int64_t>* dims) {
  proto::Reader r(bytes);
  proto::Field f;
  while (!r.done()) {
    OPBRIDGE_RETURN_IF_ERROR(r.Next(&f, "TensorShapeProto"));
    if (f.number == 3 && f.type == proto::kVarint && f.value != 0) return Errorf("tensor shape of unknown rank");
    if (f.number != 2 || f.type != proto::kBytes) continue;
    int64_t size = 0;
    proto::Reader dr(f.bytes);
    proto::Field df;
    while (!dr.done()) {
      OPBRIDGE_RETURN_IF_ERROR(dr.Next(&df, "TensorShapeProto.Dim"));
      if (df.number == 1 && df.type == proto::kVarint) size = static_cast<int64_t>(df.value);
    }
    if (size < 0) return Errorf("negative dim ", size, " in tensor shape");
    if (dims->size() >= static_cast<size_t>(kMaxRank)) return Errorf("tensor shape of more than ", kMaxRank, " dims");
    dims->push_back(size);
  }
  // The element count must fit in int64: a shape is untrusted.
  int64_t n = 1;
  for (int64_t d : *dims) {
    if (d != 0 && n > INT64_MAX / d) return Errorf("tensor shape ", ShapeString(*dims), " has too many elements");
    n *= d;
  }
  return Status::Ok();
}

inline Status ParseSlice(std::string_view bytes, Slice* slice) {
  proto::Reader r(bytes);
  proto::Field f;
  while (!r.done()) {
    OPBRIDGE_RETURN_IF_ERROR(r.Next(&f, "TensorSliceProto"));
    if (f.number != 1 || f.type != proto::kBytes) continue;
    Extent e;
    bool has_length = false;
    proto::Reader er(f.bytes);
    proto::Field ef;
    while (!er.done()) {
      OPBRIDGE_RETURN_IF_ERROR(er.Next(&ef, "TensorSliceProto.Extent"));
      if (ef.type != proto::kVarint) continue;
      if (ef.number == 1) e.start = static_cast<int64_t>(ef.value);
      if (ef.number == 2) {
        e.length = static_cast<int64_t>(ef.value);
        has_length = true;
      }
    }
    if (!has_length) e.length = -1;
    if (e.start < 0 || (has_length && e.length < 0)) return Errorf("bad tensor slice extent");
    if (slice->size() >= static_cast<size_t>(kMaxRank)) return Errorf("tensor slice of too many dims");
    slice->push_back(e);
  }
  return Status::Ok();
}

inline Status ParseMeta(std::string_view bytes, std::vector<TensorMeta>* tensors) {
  proto::Reader r(bytes);
  proto::Field f;
  bool have_meta = false;
  while (!r.done()) {
    OPBRIDGE_RETURN_IF_ERROR(r.Next(&f, "SavedTensorSlices"));
    if (f.number != 1 || f.type != proto::kBytes) continue;
    have_meta = true;
    proto::Reader mr(f.bytes);
    proto::Field mf;
    while (!mr.done()) {
      OPBRIDGE_RETURN_IF_ERROR(mr.Next(&mf, "SavedTensorSliceMeta"));
      if (mf.type != proto::kBytes) continue;
      if (mf.number == 2) {  // VersionDef: TF's CheckVersions for checkpoints (version 1, min producer 0)
        proto::Reader vr(mf.bytes);
        proto::Field vf;
        while (!vr.done()) {
          OPBRIDGE_RETURN_IF_ERROR(vr.Next(&vf, "VersionDef"));
          const int64_t v = static_cast<int32_t>(vf.value);
          if (vf.number == 1 && vf.type == proto::kVarint && v < 0) {
            return Errorf("Checkpoint producer version ", v, " below min producer 0 supported by TensorFlow");
          }
          if (vf.number == 2 && vf.type == proto::kVarint && v > 1) {
            return Errorf("Checkpoint min consumer version ", v, " above current version 1 for TensorFlow");
          }
          if (vf.number == 3 && vf.type == proto::kVarint && v == 1) {
            return Errorf("Checkpoint disallows consumer version 1");
          }
        }
        continue;
      }
      if (mf.number != 1) continue;
      TensorMeta t;
      proto::Reader tr(mf.bytes);
      proto::Field tf;
      while (!tr.done()) {
        OPBRIDGE_RETURN_IF_ERROR(tr.Next(&tf, "SavedSliceMeta"));
        if (tf.number == 1 && tf.type == proto::kBytes) t.name.assign(tf.bytes.data(), tf.bytes.size());
        if (tf.number == 2 && tf.type == proto::kBytes) {
          t.dims.clear();
          OPBRIDGE_RETURN_IF_ERROR(ParseShape(tf.bytes, &t.dims));
        }
        if (tf.number == 3 && tf.type == proto::kVarint) t.tf_type = static_cast<int32_t>(tf.value);
        if (tf.number == 4 && tf.type == proto::kBytes) {
          Slice s;
          OPBRIDGE_RETURN_IF_ERROR(ParseSlice(tf.bytes, &s));
          t.slices.push_back(std::move(s));
        }
      }
      tensors->push_back(std::move(t));
    }
  }
  if (!have_meta) return Errorf("no SavedTensorSliceMeta");
  return Status::Ok();
}

// Opens the table over `file->bytes` (already read) and parses its metadata.
inline Status ParseCheckpointFile(CheckpointFile* file) {
  Status s = file->table.Open(file->bytes);
  if (!s.ok()) {
    return Errorf("Unable to open table file ", file->path, ": DATA_LOSS: ", s.message(),
                  ": perhaps your file is in a different file format and you need to use a different restore "
                  "operator?");
  }
  std::string_view meta;
  bool found = false;
  s = file->table.Get("", &meta, &found);
  if (s.ok() && !found) s = Errorf("no entry \"\"");
  if (s.ok()) s = ParseMeta(meta, &file->tensors);
  if (!s.ok()) {
    return Errorf("Failed to find the saved tensor slices at the beginning of the checkpoint file: ", file->path,
                  " (", s.message(), ")");
  }
  return Status::Ok();
}

// Calls on_value(raw) for each element of `vf`'s repeated field in a
// TensorProto, in order, whether packed or not (a protobuf parser accepts
// both); `*tensor_content` is the tensor_content field, if any.
// A packed fixed-width field goes whole to on_fixed(bytes, count).
template <typename ValueFn, typename FixedFn>
Status VisitValues(std::string_view tensor_proto, const ValField& vf, std::string_view* tensor_content,
                   ValueFn&& on_value, FixedFn&& on_fixed) {
  const proto::WireType element_type = vf.kind == ValKind::kFixed32   ? proto::kFixed32
                                       : vf.kind == ValKind::kFixed64 ? proto::kFixed64
                                                                      : proto::kVarint;
  proto::Reader r(tensor_proto);
  proto::Field f;
  while (!r.done()) {
    OPBRIDGE_RETURN_IF_ERROR(r.Next(&f, "TensorProto"));
    if (f.number == 4 && f.type == proto::kBytes) *tensor_content = f.bytes;
    if (f.number != vf.field) continue;
    if (f.type == element_type) {
      on_value(f.value);
    } else if (f.type == proto::kBytes) {
      const uint8_t* p = reinterpret_cast<const uint8_t*>(f.bytes.data());
      const uint8_t* end = p + f.bytes.size();
      if (element_type == proto::kVarint) {
        while (p < end) {
          uint64_t v = 0;
          if (!proto::GetVarint(&p, end, &v)) return Errorf("malformed TensorProto: bad packed varint");
          on_value(v);
        }
      } else {
        const size_t size = element_type == proto::kFixed32 ? 4 : 8;
        if (f.bytes.size() % size != 0) {
          return Errorf("malformed TensorProto: packed field of ", f.bytes.size(), " bytes");
        }
        on_fixed(p, f.bytes.size() / size);
      }
    } else {
      return Errorf("malformed TensorProto: field ", f.number, " of wire type ", static_cast<int>(f.type));
    }
  }
  return Status::Ok();
}

// Stores one raw field value as an element (or complex part) of `dtype`:
// int_val's int32 narrows to the dtype as TF's cast does, half_val holds the bits.
inline void StoreValue(DType dtype, uint64_t raw, unsigned char* dst) {
  switch (dtype) {
    case DType::kBool: *dst = raw != 0 ? 1 : 0; return;
    case DType::kFloat64: case DType::kComplex128: case DType::kInt64: case DType::kUInt64:
      for (int i = 0; i < 8; ++i) dst[i] = static_cast<unsigned char>(raw >> (8 * i));
      return;
    default: {
      const int size = DTypeSize(dtype) / ValFieldOf(dtype).per_element;
      for (int i = 0; i < size; ++i) dst[i] = static_cast<unsigned char>(raw >> (8 * i));
      return;
    }
  }
}

// A tensor in a set of checkpoint files: its shape, type and saved slices.
struct SliceRef {
  Slice slice;
  const CheckpointFile* file;
};
struct TensorEntry {
  std::vector<int64_t> dims;
  int tf_type = 0;
  std::vector<SliceRef> slices;
};

inline Status IndexTensors(const std::vector<CheckpointFile>& files, std::map<std::string, TensorEntry>* index) {
  for (const CheckpointFile& file : files) {
    for (const TensorMeta& t : file.tensors) {
      auto it = index->find(t.name);
      if (it == index->end()) {
        it = index->emplace(t.name, TensorEntry{t.dims, t.tf_type, {}}).first;
      } else if (it->second.dims != t.dims) {
        return Errorf("Incompatible tensor shapes for tensor ", t.name, ": ", ShapeString(it->second.dims), " vs ",
                      ShapeString(t.dims));
      } else if (it->second.tf_type != t.tf_type) {
        return Errorf("Incompatible tensor types for tensor ", t.name, ": ", TfTypeName(it->second.tf_type), " vs ",
                      TfTypeName(t.tf_type));
      }
      for (const Slice& s : t.slices) {
        if (s.size() != t.dims.size()) {
          return Errorf("Incompatible tensor slice and shape: slice = ", SliceString(s),
                        ", shape = ", ShapeString(t.dims));
        }
        for (size_t d = 0; d < s.size(); ++d) {
          if (s[d].length >= 0 && (s[d].start > t.dims[d] || s[d].length > t.dims[d] - s[d].start)) {
            return Errorf("Extent in dimension ", d, " out of bounds: shape = ", ShapeString(t.dims),
                          ", slice = ", SliceString(s));
          }
        }
        for (const SliceRef& other : it->second.slices) {
          bool overlap = true;
          for (size_t d = 0; d < s.size() && overlap; ++d) {
            int64_t b0, e0, b1, e1;
            ExtentRange(s[d], t.dims[d], &b0, &e0);
            ExtentRange(other.slice[d], t.dims[d], &b1, &e1);
            overlap = std::max(b0, b1) < std::min(e0, e1);
          }
          if (overlap) {
            return Errorf("Overlapping slices: existing slice = ", SliceString(other.slice),
                          ", new slice = ", SliceString(s));
          }
        }
        it->second.slices.push_back({s, &file});
      }
    }
  }
  return Status::Ok();
}

// The SavedSlice's TensorProto for one slice of tensor `name`, located by its key.
inline Status FindSliceData(const std::string& name, const SliceRef& ref, std::string_view* tensor_proto) {
  std::string_view record;
  bool found_record = false;
  Status s = ref.file->table.Get(EncodeTensorNameSlice(name, ref.slice), &record, &found_record);
  if (!s.ok()) return Errorf("reading tensor ", name, " from ", ref.file->path, ": ", s.message());
  if (!found_record) {
    return Errorf("no record for tensor ", name, ", slice ", SliceString(ref.slice), " in ", ref.file->path);
  }
  proto::Reader r(record);
  proto::Field f;
  bool found = false;
  while (!r.done()) {
    OPBRIDGE_RETURN_IF_ERROR(r.Next(&f, "SavedTensorSlices"));
    if (f.number != 2 || f.type != proto::kBytes) continue;
    proto::Reader sr(f.bytes);
    proto::Field sf;
    while (!sr.done()) {
      OPBRIDGE_RETURN_IF_ERROR(sr.Next(&sf, "SavedSlice"));
      if (sf.number == 3 && sf.type == proto::kBytes) {
        *tensor_proto = sf.bytes;
        found = true;
      }
    }
  }
  if (!found) *tensor_proto = std::string_view();  // an empty TensorProto: no values
  return Status::Ok();
}

// Checks that the saved slices of `entry` hold exactly the tensor's values
// for `dtype`; the caller then allocates the output and calls CopyTensor.
inline Status CheckTensorData(const std::string& name, const TensorEntry& entry, DType dtype) {
  const ValField vf = ValFieldOf(dtype);
  const int64_t total = NumElements(entry.dims);
  int64_t covered = 0;
  for (const SliceRef& ref : entry.slices) {
    int64_t n = 1;
    for (size_t d = 0; d < entry.dims.size(); ++d) {
      int64_t b, e;
      ExtentRange(ref.slice[d], entry.dims[d], &b, &e);
      n *= e - b;
    }
    covered += n;
    std::string_view tensor_proto, content;
    OPBRIDGE_RETURN_IF_ERROR(FindSliceData(name, ref, &tensor_proto));
    int64_t count = 0;
    OPBRIDGE_RETURN_IF_ERROR(VisitValues(
        tensor_proto, vf, &content, [&](uint64_t) { ++count; },
        [&](const uint8_t*, size_t n) { count += static_cast<int64_t>(n); }));
    const bool from_content = count == 0 && !content.empty();
    const int64_t got = from_content ? static_cast<int64_t>(content.size() / static_cast<size_t>(DTypeSize(dtype)))
                                     : count / vf.per_element;
    if ((from_content && content.size() % static_cast<size_t>(DTypeSize(dtype)) != 0) ||
        (!from_content && count % vf.per_element != 0) || got != n) {
      return Errorf("Tensor ", name, ", slice ", SliceString(ref.slice),
                    " had an unexpected amount of data: expected = ", n, ", got = ", got);
    }
  }
  if (covered != total) {
    return Errorf("the saved slices of tensor ", name, " cover ", covered, " of its ", total, " elements");
  }
  return Status::Ok();
}

// Copies the tensor's values (checked by CheckTensorData) into `out`, a dense
// row-major buffer of the tensor's shape.
inline Status CopyTensor(const std::string& name, const TensorEntry& entry, DType dtype, void* out) {
  const ValField vf = ValFieldOf(dtype);
  const size_t elem = static_cast<size_t>(DTypeSize(dtype));
  const size_t unit = elem / static_cast<size_t>(vf.per_element);
  unsigned char* base = static_cast<unsigned char*>(out);
  const int rank = static_cast<int>(entry.dims.size());
  for (const SliceRef& ref : entry.slices) {
    // Destination offset of each element of the slice, row-major over the slice.
    std::vector<int64_t> begin(rank), end(rank), strides(rank, 1);
    for (int d = rank - 1; d >= 0; --d) {
      ExtentRange(ref.slice[d], entry.dims[d], &begin[d], &end[d]);
      if (d + 1 < rank) strides[d] = strides[d + 1] * entry.dims[d + 1];
    }
    // A slice of the whole tensor (what Save writes) fills the output in order.
    bool whole = true;
    for (int d = 0; d < rank; ++d) whole = whole && begin[d] == 0 && end[d] == entry.dims[d];
    std::vector<int64_t> pos(begin);
    auto next_offset = [&]() {  // offset of `pos`, then advance it
      int64_t offset = 0;
      for (int d = 0; d < rank; ++d) offset += pos[d] * strides[d];
      for (int d = rank - 1; d >= 0; --d) {
        if (++pos[d] < end[d]) break;
        pos[d] = begin[d];
      }
      return offset;
    };
    // Byte address of field element k (a complex part when per_element is 2).
    int64_t k = 0, offset = 0;
    auto address = [&]() {
      if (whole) return base + static_cast<size_t>(k) * unit;
      if (k % vf.per_element == 0) offset = next_offset();
      return base + static_cast<size_t>(offset) * elem + static_cast<size_t>(k % vf.per_element) * unit;
    };
    std::string_view tensor_proto, content;
    OPBRIDGE_RETURN_IF_ERROR(FindSliceData(name, ref, &tensor_proto));
    OPBRIDGE_RETURN_IF_ERROR(VisitValues(
        tensor_proto, vf, &content,
        [&](uint64_t raw) {
          StoreValue(dtype, raw, address());
          ++k;
        },
        [&](const uint8_t* p, size_t n) {
          if (n == 0) return;
          if (whole) {  // fixed-width values are the tensor's bytes
            std::memcpy(base + static_cast<size_t>(k) * unit, p, n * unit);
            k += static_cast<int64_t>(n);
            return;
          }
          for (size_t i = 0; i < n; ++i, ++k) std::memcpy(address(), p + i * unit, unit);
        }));
    if (k == 0 && !content.empty()) {
      if (whole) {
        std::memcpy(base, content.data(), content.size());
        continue;
      }
      for (size_t i = 0; i < content.size() / elem; ++i) {
        std::memcpy(base + static_cast<size_t>(next_offset()) * elem, content.data() + i * elem, elem);
      }
    }
  }
  return Status::Ok();
}

}  // namespace checkpoint_v1
}  // namespace opbridge
