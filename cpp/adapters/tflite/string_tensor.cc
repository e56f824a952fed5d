#include "adapters/tflite/string_tensor.h"

#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace opbridge {

using namespace tflite_abi;  // NOLINT: the ABI names read like TFLite's own

Status StringViews(const TfLiteTensor* tensor, const Shape& shape, const std::string& name,
                   std::vector<std::string_view>* out) {
  out->clear();
  const int64_t n = shape.num_elements();
  const auto* base = static_cast<const char*>(tensor->data);
  const uint64_t bytes = tensor->bytes;
  const auto read_int = [&](uint64_t at) {
    int32_t v;
    std::memcpy(&v, base + at, sizeof(v));
    return static_cast<int64_t>(v);
  };
  // No strings to read: whatever the buffer holds is not looked at (an input
  // resized to zero elements keeps its old buffer in the Python runtimes).
  if (n == 0) return Status::Ok();
  OPBRIDGE_REQUIRE(base != nullptr && bytes >= 4, "string input '", name, "' has no data for its ", n,
                   " elements");
  const int64_t count = read_int(0);
  OPBRIDGE_REQUIRE(count == n, "string input '", name, "' holds ", count, " strings, its shape ",
                   shape.ToString(), " needs ", n);
  const uint64_t header = 4 * (static_cast<uint64_t>(count) + 2);
  OPBRIDGE_REQUIRE(header <= bytes, "string input '", name, "' is ", bytes, " bytes, too short for ", count,
                   " offsets");
  int64_t previous = read_int(4);
  OPBRIDGE_REQUIRE(previous >= static_cast<int64_t>(header) && static_cast<uint64_t>(previous) <= bytes,
                   "string input '", name, "' has its first string at offset ", previous, " (buffer of ",
                   bytes, " bytes)");
  out->reserve(static_cast<size_t>(count));
  for (int64_t k = 1; k <= count; ++k) {
    const int64_t end = read_int(4 + 4 * static_cast<uint64_t>(k));
    OPBRIDGE_REQUIRE(end >= previous && static_cast<uint64_t>(end) <= bytes, "string input '", name,
                     "' has string ", k - 1, " at bytes [", previous, ", ", end, ") of a ", bytes,
                     "-byte buffer");
    out->emplace_back(base + previous, static_cast<size_t>(end - previous));
    previous = end;
  }
  return Status::Ok();
}

Status CheckStringCount(int64_t n, const std::string& name) {
  // 4 bytes of header and offset per string plus 8 fixed, all below 2^31.
  constexpr int64_t kMaxStrings = (static_cast<int64_t>(INT32_MAX) - 8) / 4;
  OPBRIDGE_REQUIRE(n >= 0 && n <= kMaxStrings, "output '", name, "' would hold ", n,
                   " strings, more than TFLite's int32 string offsets can address");
  return Status::Ok();
}

namespace {

// Copies n bytes where most strings are a few bytes long: memcpy calls, one
// per string, were a third of a string Gather's time (perf). Two overlapping
// loads and stores cover 4-32 bytes; nothing is read or written outside the n.
inline void CopyString(char* dst, const char* src, size_t n) {
  const auto copy_ends = [&](auto chunk) {
    decltype(chunk) head, tail;
    std::memcpy(&head, src, sizeof(head));
    std::memcpy(&tail, src + n - sizeof(tail), sizeof(tail));
    std::memcpy(dst, &head, sizeof(head));
    std::memcpy(dst + n - sizeof(tail), &tail, sizeof(tail));
  };
  struct Bytes16 {
    unsigned char b[16];
  };
  if (n > 32) {
    std::memcpy(dst, src, n);
  } else if (n >= 16) {
    copy_ends(Bytes16{});
  } else if (n >= 8) {
    copy_ends(uint64_t{});
  } else if (n >= 4) {
    copy_ends(uint32_t{});
  } else if (n > 0) {
    dst[0] = src[0];
    dst[n / 2] = src[n / 2];
    dst[n - 1] = src[n - 1];
  }
}

}  // namespace

Status WriteStrings(TfLiteContext* context, TfLiteTensor* tensor, const Shape& shape,
                    const std::vector<std::string>& strings, std::vector<std::string_view>* views,
                    const std::string& name) {
  OPBRIDGE_REQUIRE(shape.fully_known() && shape.num_elements() == static_cast<int64_t>(strings.size()) &&
                       strings.size() == views->size(),
                   "output '", name, "' has ", strings.size(), " strings for shape ", shape.ToString());
  OPBRIDGE_RETURN_IF_ERROR(CheckStringCount(static_cast<int64_t>(strings.size()), name));
  // TFLite gives every string tensor kTfLiteDynamic at model load and frees
  // its data with free(); anything else is a runtime we do not know.
  OPBRIDGE_REQUIRE(tensor->allocation_type == kTfLiteDynamic, "output '", name,
                   "' is a string tensor the runtime did not allocate dynamically (allocation type ",
                   static_cast<int>(tensor->allocation_type), ")");
  // Each element's bytes: its view where the kernel set one, else its string.
  const uint64_t header = 4 * (static_cast<uint64_t>(strings.size()) + 2);
  uint64_t total = header;
  std::string_view* bytes = views->data();
  for (size_t k = 0; k < strings.size(); ++k) {
    if (bytes[k].data() == nullptr) bytes[k] = strings[k];
    total += bytes[k].size();
  }
  OPBRIDGE_REQUIRE(total <= static_cast<uint64_t>(INT32_MAX), "output '", name, "' would hold ", total,
                   " bytes of strings, beyond TFLite's int32 string offsets");
  OPBRIDGE_REQUIRE(shape.rank() <= 64, "output '", name, "' would have rank ", shape.rank());
  for (int d = 0; d < shape.rank(); ++d) {
    OPBRIDGE_REQUIRE(shape.dim(d) <= INT_MAX, "output '", name, "' dim ", d, " is ", shape.dim(d),
                     ", beyond TFLite's int32 dims");
  }
  auto* buffer = static_cast<char*>(std::malloc(static_cast<size_t>(total)));
  OPBRIDGE_REQUIRE(buffer != nullptr, "out of memory for output '", name, "' (", total, " bytes)");
  const auto put = [&](uint64_t at, uint64_t value) {
    const auto v = static_cast<int32_t>(value);
    std::memcpy(buffer + at, &v, sizeof(v));
  };
  put(0, strings.size());
  uint64_t offset = header;
  for (size_t k = 0; k < strings.size(); ++k) {
    put(4 + 4 * k, offset);
    CopyString(buffer + offset, bytes[k].data(), bytes[k].size());
    offset += bytes[k].size();
  }
  put(4 + 4 * static_cast<uint64_t>(strings.size()), offset);

  auto* dims = static_cast<TfLiteIntArray*>(std::malloc(sizeof(int) * (1 + static_cast<size_t>(shape.rank()))));
  if (dims == nullptr) {
    std::free(buffer);
    return Errorf("out of memory for output '", name, "'");
  }
  dims->size = shape.rank();
  for (int d = 0; d < shape.rank(); ++d) dims->data[d] = static_cast<int>(shape.dim(d));
  // For string tensors ResizeTensor replaces only dims (it takes ownership
  // of them) and leaves data and bytes to us.
  if (context->ResizeTensor(context, tensor, dims) != kTfLiteOk) {
    std::free(buffer);
    return Errorf("could not resize output '", name, "' to ", shape.ToString());
  }
  std::free(tensor->data);
  tensor->data = buffer;
  tensor->bytes = static_cast<size_t>(total);
  return Status::Ok();
}

}  // namespace opbridge
