// The LevelDB table format TF's V1 checkpoints are stored in
// (tensorflow/core/lib/io/table_builder, block_builder, format):
//
//   data blocks | metaindex block | index block | footer (48 bytes)
//
// A block is entries, then restart offsets (fixed32 each) and their count
// (fixed32), then a 5-byte trailer: compression type byte and the masked
// CRC-32C of the block and that byte. An entry is varint32 shared key bytes,
// varint32 unshared key bytes, varint32 value size, the unshared key bytes,
// the value; every `restart_interval`-th key is stored whole. The index block
// maps a key >= every key of a data block (and < those of the next) to the
// block's handle (varint64 offset, varint64 size); the footer holds the
// metaindex and index handles, padded to 40 bytes, and the magic number.
//
// The builder makes the same bytes as TF's TableBuilder with the options
// TensorSliceWriter gives it (no compression, 256 KiB blocks, restart every
// 16 keys, index keys shortened as TF shortens them), so a file we save is
// the file TF saves. The reader checks every offset, size and checksum and
// reports a malformed file as an error.
#pragma once

#include <algorithm>
#include <map>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crc32c.h"
#include "opbridge/status.h"
#include "proto_wire.h"

namespace opbridge {
namespace sstable {

constexpr uint64_t kTableMagicNumber = 0xdb4775248b80fb57ull;
constexpr size_t kBlockTrailerSize = 5;                   // type byte + masked crc
constexpr size_t kMaxEncodedHandleLength = 10 + 10;       // two varint64
constexpr size_t kFooterSize = 2 * kMaxEncodedHandleLength + 8;
constexpr size_t kDefaultBlockSize = 262144;              // table::Options' default; TF keeps it
constexpr int kDefaultRestartInterval = 16;
constexpr uint8_t kNoCompression = 0;
constexpr uint8_t kSnappyCompression = 1;

inline void PutFixed32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

inline uint32_t GetFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size = 0;
  void EncodeTo(std::string* out) const {
    proto::PutVarint(out, offset);
    proto::PutVarint(out, size);
  }
};

// Builds one block at the end of `*out`: data blocks are built in the
// table's file itself, so that a value (megabytes of weights) is copied once.
class BlockBuilder {
 public:
  BlockBuilder(int restart_interval, std::string* out) : restart_interval_(restart_interval), out_(out) {}

  bool empty() const { return !started_; }
  size_t SizeEstimate() const { return (started_ ? out_->size() - start_ : 0) + restarts_.size() * 4 + 4; }

  // The value is `head` followed by `body`.
  void Add(std::string_view key, std::string_view head, std::string_view body = {}) {
    if (!started_) {
      start_ = out_->size();
      started_ = true;
    }
    size_t shared = 0;
    if (counter_ < restart_interval_) {
      const size_t n = std::min(last_key_.size(), key.size());
      while (shared < n && last_key_[shared] == key[shared]) ++shared;
    } else {
      restarts_.push_back(static_cast<uint32_t>(out_->size() - start_));
      counter_ = 0;
    }
    proto::PutVarint(out_, shared);
    proto::PutVarint(out_, key.size() - shared);
    proto::PutVarint(out_, head.size() + body.size());
    out_->append(key.data() + shared, key.size() - shared);
    out_->append(head.data(), head.size());
    out_->append(body.data(), body.size());
    last_key_.assign(key.data(), key.size());
    ++counter_;
  }

  // Appends the restarts and returns where the block starts in `*out`; the
  // builder is empty again afterwards.
  size_t Finish() {
    const size_t start = started_ ? start_ : out_->size();
    for (uint32_t r : restarts_) PutFixed32(out_, r);
    PutFixed32(out_, static_cast<uint32_t>(restarts_.size()));
    restarts_.assign(1, 0);
    counter_ = 0;
    last_key_.clear();
    started_ = false;
    return start;
  }

 private:
  int restart_interval_;
  std::string* out_;
  size_t start_ = 0;
  bool started_ = false;
  std::vector<uint32_t> restarts_{0};
  int counter_ = 0;
  std::string last_key_;
};

// The shortest key >= *start and < limit (TF's bytewise comparator).
inline void FindShortestSeparator(std::string* start, std::string_view limit) {
  const size_t n = std::min(start->size(), limit.size());
  size_t i = 0;
  while (i < n && (*start)[i] == limit[i]) ++i;
  if (i >= n) return;  // one is a prefix of the other: keep it
  const uint8_t byte = static_cast<uint8_t>((*start)[i]);
  if (byte < 0xFF && byte + 1 < static_cast<uint8_t>(limit[i])) {
    (*start)[i] = static_cast<char>(byte + 1);
    start->resize(i + 1);
  }
}

// The shortest key >= *key.
inline void FindShortSuccessor(std::string* key) {
  for (size_t i = 0; i < key->size(); ++i) {
    const uint8_t byte = static_cast<uint8_t>((*key)[i]);
    if (byte != 0xFF) {
      (*key)[i] = static_cast<char>(byte + 1);
      key->resize(i + 1);
      return;
    }
  }
}

// Keys must be added in increasing bytewise order.
class TableBuilder {
 public:
  explicit TableBuilder(size_t block_size = kDefaultBlockSize) : block_size_(block_size) {}
  TableBuilder(const TableBuilder&) = delete;  // its blocks point into it
  TableBuilder& operator=(const TableBuilder&) = delete;

  // Room for `bytes` of entries, so that the file is not re-allocated (and
  // copied) as it grows.
  void Reserve(size_t bytes) { out_.reserve(bytes); }

  // The value is `head` followed by `body`.
  void Add(std::string_view key, std::string_view head, std::string_view body = {}) {
    // TF's builder closes the current block before an entry of twice the
    // block size or more, so that the big entry starts a block of its own.
    if (num_entries_ > 0 && key.size() + head.size() + body.size() >= 2 * block_size_) Flush();
    if (pending_index_entry_) {
      FindShortestSeparator(&last_key_, key);
      AddIndexEntry();
    }
    last_key_.assign(key.data(), key.size());
    ++num_entries_;
    data_block_.Add(key, head, body);
    if (data_block_.SizeEstimate() >= block_size_) Flush();
  }

  // The whole file.
  std::string Finish() {
    Flush();
    std::string metaindex_bytes;
    BlockBuilder metaindex(kDefaultRestartInterval, &metaindex_bytes);
    const BlockHandle metaindex_handle = WriteBlock(&metaindex, &metaindex_bytes);
    if (pending_index_entry_) {
      FindShortSuccessor(&last_key_);
      AddIndexEntry();
    }
    const BlockHandle index_handle = WriteBlock(&index_block_, &index_bytes_);
    std::string footer;
    metaindex_handle.EncodeTo(&footer);
    index_handle.EncodeTo(&footer);
    footer.resize(2 * kMaxEncodedHandleLength, '\0');
    PutFixed32(&footer, static_cast<uint32_t>(kTableMagicNumber & 0xFFFFFFFFu));
    PutFixed32(&footer, static_cast<uint32_t>(kTableMagicNumber >> 32));
    out_ += footer;
    return std::move(out_);
  }

 private:
  void Flush() {
    if (data_block_.empty()) return;
    pending_handle_ = WriteBlock(&data_block_, &out_);
    pending_index_entry_ = true;
  }

  void AddIndexEntry() {
    std::string handle;
    pending_handle_.EncodeTo(&handle);
    index_block_.Add(last_key_, handle);
    pending_index_entry_ = false;
  }

  // Finishes `block`, built in `*bytes` (the file itself, or a buffer
  // appended to it here), and appends its trailer.
  BlockHandle WriteBlock(BlockBuilder* block, std::string* bytes) {
    size_t start = block->Finish();
    if (bytes != &out_) {  // the block is all of *bytes
      start = out_.size();
      out_ += *bytes;
      bytes->clear();
    }
    BlockHandle handle{start, out_.size() - start};
    const uint8_t type = kNoCompression;
    uint32_t crc = crc32c::Value(reinterpret_cast<const uint8_t*>(out_.data() + start), out_.size() - start);
    crc = crc32c::Extend(crc, &type, 1);
    out_.push_back(static_cast<char>(type));
    PutFixed32(&out_, crc32c::Mask(crc));
    return handle;
  }

  size_t block_size_;
  std::string out_;
  BlockBuilder data_block_{kDefaultRestartInterval, &out_};
  std::string index_bytes_;
  BlockBuilder index_block_{1, &index_bytes_};  // TF stores every index key whole
  std::string last_key_;
  int64_t num_entries_ = 0;
  bool pending_index_entry_ = false;
  BlockHandle pending_handle_;
};

// ---- Reading -------------------------------------------------------------

inline Status DecodeHandle(const uint8_t** p, const uint8_t* end, BlockHandle* h) {
  if (!proto::GetVarint(p, end, &h->offset) || !proto::GetVarint(p, end, &h->size)) {
    return Errorf("bad block handle");
  }
  return Status::Ok();
}

// The contents of the block at `h` in `file`, after checking its bounds and checksum.
inline Status ReadBlock(std::string_view file, const BlockHandle& h, std::string_view* contents) {
  if (h.offset > file.size() || h.size > file.size() - h.offset ||
      kBlockTrailerSize > file.size() - h.offset - h.size) {
    return Errorf("truncated block read (block at offset ", h.offset, " of size ", h.size, " in a file of ",
                  file.size(), " bytes)");
  }
  const char* data = file.data() + h.offset;
  const size_t n = static_cast<size_t>(h.size);
  const uint32_t stored = crc32c::Unmask(GetFixed32(data + n + 1));
  const uint32_t actual = crc32c::Value(reinterpret_cast<const uint8_t*>(data), n + 1);
  if (stored != actual) return Errorf("block checksum mismatch (block at offset ", h.offset, ")");
  const uint8_t type = static_cast<uint8_t>(data[n]);
  if (type == kSnappyCompression) {
    // TF's checkpoint writer never compresses; another writer's snappy blocks
    // would need a snappy decoder this library does not carry.
    return Errorf("snappy-compressed block (at offset ", h.offset, ") is not supported");
  }
  if (type != kNoCompression) return Errorf("bad block type ", static_cast<int>(type));
  *contents = std::string_view(data, n);
  return Status::Ok();
}

// Calls fn(key, value) for every entry of a block, in order.
template <typename Fn>
Status ForEachInBlock(std::string_view block, Fn&& fn) {
  if (block.size() < 4) return Errorf("bad block contents: ", block.size(), " bytes");
  const uint32_t num_restarts = GetFixed32(block.data() + block.size() - 4);
  const uint64_t max_restarts = (block.size() - 4) / 4;
  if (num_restarts > max_restarts) return Errorf("bad block contents: ", num_restarts, " restarts");
  const size_t limit = block.size() - 4 - 4 * static_cast<size_t>(num_restarts);
  const uint8_t* p = reinterpret_cast<const uint8_t*>(block.data());
  const uint8_t* end = p + limit;
  std::string key;
  while (p < end) {
    uint64_t shared = 0, unshared = 0, value_size = 0;
    if (!proto::GetVarint(&p, end, &shared) || !proto::GetVarint(&p, end, &unshared) ||
        !proto::GetVarint(&p, end, &value_size)) {
      return Errorf("bad entry in block");
    }
    const uint64_t left = static_cast<uint64_t>(end - p);
    if (shared > key.size() || unshared > left || value_size > left - unshared) {
      return Errorf("bad entry in block");
    }
    key.resize(static_cast<size_t>(shared));
    key.append(reinterpret_cast<const char*>(p), static_cast<size_t>(unshared));
    p += unshared;
    std::string_view value(reinterpret_cast<const char*>(p), static_cast<size_t>(value_size));
    p += value_size;
    OPBRIDGE_RETURN_IF_ERROR(fn(std::string_view(key), value));
  }
  return Status::Ok();
}

// A table in memory: Open checks the footer and index; Get reads (and
// checksums, once) only the block that can hold a key, as TF's Table does.
class Table {
 public:
  Status Open(std::string_view file) {
    file_ = file;
    if (file.size() < kFooterSize) return Errorf("file is too short to be an sstable");
    const char* footer = file.data() + file.size() - kFooterSize;
    const uint64_t magic = GetFixed32(footer + kFooterSize - 8) |
                           (static_cast<uint64_t>(GetFixed32(footer + kFooterSize - 4)) << 32);
    if (magic != kTableMagicNumber) return Errorf("not an sstable (bad magic number)");
    const uint8_t* p = reinterpret_cast<const uint8_t*>(footer);
    const uint8_t* end = p + 2 * kMaxEncodedHandleLength;
    BlockHandle metaindex, index;
    OPBRIDGE_RETURN_IF_ERROR(DecodeHandle(&p, end, &metaindex));
    OPBRIDGE_RETURN_IF_ERROR(DecodeHandle(&p, end, &index));
    std::string_view index_block;
    OPBRIDGE_RETURN_IF_ERROR(ReadBlock(file, index, &index_block));
    return ForEachInBlock(index_block, [&](std::string_view key, std::string_view handle_bytes) {
      const uint8_t* hp = reinterpret_cast<const uint8_t*>(handle_bytes.data());
      BlockHandle h;
      OPBRIDGE_RETURN_IF_ERROR(DecodeHandle(&hp, hp + handle_bytes.size(), &h));
      if (!index_.empty() && !(std::string_view(index_.back().first) < key)) {
        return Errorf("index keys out of order");
      }
      index_.emplace_back(std::string(key), h);
      return Status::Ok();
    });
  }

  // The value stored under `key`, or *found = false.
  Status Get(std::string_view key, std::string_view* value, bool* found) const {
    *found = false;
    // The first block whose index key is >= key is the only one that can hold it.
    auto it = std::lower_bound(index_.begin(), index_.end(), key,
                               [](const std::pair<std::string, BlockHandle>& e, std::string_view k) {
                                 return std::string_view(e.first) < k;
                               });
    if (it == index_.end()) return Status::Ok();
    std::string_view block;
    auto cached = verified_.find(it->second.offset);
    if (cached != verified_.end() && cached->second.size() == it->second.size) {
      block = cached->second;
    } else {
      OPBRIDGE_RETURN_IF_ERROR(ReadBlock(file_, it->second, &block));
      verified_[it->second.offset] = block;
    }
    return ForEachInBlock(block, [&](std::string_view k, std::string_view v) {
      if (!*found && k == key) {
        *value = v;
        *found = true;
      }
      return Status::Ok();
    });
  }

 private:
  std::string_view file_;
  std::vector<std::pair<std::string, BlockHandle>> index_;
  mutable std::map<uint64_t, std::string_view> verified_;  // blocks whose checksum passed
};

}  // namespace sstable
}  // namespace opbridge
