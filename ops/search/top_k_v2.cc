// TopKV2: TF's tf.math.top_k (and tf.sort / tf.argsort, which lower to it) for
// the dtypes TFLite's builtin TOPK_V2 lacks: the converter leaves CUSTOM
// "TopKV2" {sorted, T, Tk, index_type} for float64, float16, uint16, uint32,
// uint64, and for any T with k int64 or index_type int64 (measured, TF 2.21).
//
// TF's CPU kernel (TopKFunctor<CPUDevice>), reproduced step by step so that
// the outputs match bit for bit, NaNs and the order of sorted=false included:
// - k == 1: the row's max by Eigen's vectorized reduction, then the first
//   column equal to it (column 0 when none is: a NaN max), and its value.
//   Eigen's packets skip NaNs while its scalar tail (the last n % packet
//   columns) keeps a NaN only when it is the tail's last value, and long
//   rows are reduced by halves: see LeafMax and TreeMax;
// - k == n (argsort, tf.sort): std::sort of the indices 0..n-1 by value,
//   descending, then each run of equal values re-sorted by index;
// - otherwise gtl::TopN with a "greater, then lower index" comparator: an
//   unordered vector up to k elements, then (at k + 1) std::make_heap and
//   pop_heap, and from there each greater column replaces the heap's bottom
//   (pop_heap, overwrite, push_heap over the k); sorted=true extracts with
//   std::sort / std::sort_heap,
//   sorted=false returns the vector as it stands.
// The std algorithms are libstdc++'s, as in TF's wheel; with NaNs (which break
// the comparators' ordering) the result is whatever those algorithms produce,
// so it is the same only because the same algorithms run. Rows without NaN in
// the sorted cases have a single answer (value descending, then index), which
// the fast paths below compute directly.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <type_traits>
#include <utility>
#include <vector>

#include "../math/element_types.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

struct TopKParams {
  bool sorted = true;

  static void Declare(ParamBinder& b, TopKParams& p) { b.Attr("sorted: bool = true", &p.sorted); }
};

// k as TF reads it: an int16, int32 or int64 scalar (memcpy: constants may be
// only 4-byte aligned).
int64_t ReadK(const ConstTensor& t) {
  if (t.dtype() == DType::kInt16) {
    int16_t v;
    std::memcpy(&v, t.data<char>(), 2);
    return v;
  }
  if (t.dtype() == DType::kInt32) {
    int32_t v;
    std::memcpy(&v, t.data<char>(), 4);
    return v;
  }
  int64_t v;
  std::memcpy(&v, t.data<char>(), 8);
  return v;
}

Status TopKShape(ShapeContext& ctx, const TopKParams&) {
  const Shape& input = ctx.input(0);
  const Shape& k = ctx.input(1);
  OPBRIDGE_REQUIRE(!k.rank_known() || k.rank() == 0, "k must be scalar, got shape ", k.ToString());
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(0, 1));
  if (!input.rank_known()) {
    for (int i = 0; i < 2; ++i) {
      ctx.set_output(i, Shape::UnknownRank());
      ctx.set_output_dynamic(i);
    }
    return Status::Ok();
  }
  Shape out = input;
  const ConstTensor* value = ctx.input_value(1);
  if (value != nullptr) {
    const int64_t kv = ReadK(*value);
    OPBRIDGE_REQUIRE(kv >= 0, "Need k >= 0, got ", kv);
    const int64_t cols = input.dim(input.rank() - 1);
    OPBRIDGE_REQUIRE(cols < 0 || cols >= kv, "input must have last dimension >= k = ", kv, " but is ", cols);
    out.set_dim(out.rank() - 1, kv);
  } else {
    out.set_dim(out.rank() - 1, kUnknownDim);
  }
  bool known = true;
  for (int d = 0; d < out.rank(); ++d) known = known && out.dim(d) >= 0;
  for (int i = 0; i < 2; ++i) {
    ctx.set_output(i, out);
    if (!known) ctx.set_output_dynamic(i);
  }
  return Status::Ok();
}

template <typename T>
constexpr bool kIsFloat = !std::is_integral_v<T>;

template <typename T>
bool IsNan(T v) {
  if constexpr (kIsFloat<T>) {
    return v != v;
  } else {
    return false;
  }
}

// Eigen's AVX packet size for T in TF's x86-64 wheel (Packet4d, Packet8f,
// Packet8h); integers never hold NaN, so their order does not matter.
template <typename T>
constexpr int64_t kPacket = std::is_same_v<T, double> ? 4 : 8;

// The max of `n` values from flat index `first` as Eigen's inner-most
// reduction (MaxReducer, PropagateFast) computes it: the leading
// multiple-of-packet values in packets, whose max (v > acc) skips NaNs, from
// -inf; the rest one by one as std::max(v, acc), where a NaN replaces the
// accumulator and the next value replaces the NaN; then std::max(scalar,
// packets), which keeps a NaN scalar.
//
// The packet part runs in 8 independent lanes (a select chain of one compare
// per value was 1.3x TF's time on rows of 100): with NaNs skipped the lanes
// find the same maximum value, and of tied zeros the sign does not matter,
// as the caller looks for the first column equal to it.
template <typename T>
T LeafMax(const T* v, int64_t n) {
  const int64_t vec = n / kPacket<T> * kPacket<T>;
  T packets = T(-std::numeric_limits<float>::infinity());
  constexpr int64_t kLanes = 8;
  T lanes[kLanes];
  for (T& lane : lanes) lane = packets;
  int64_t c = 0;
  for (; c + kLanes <= vec; c += kLanes) {
    for (int64_t j = 0; j < kLanes; ++j) lanes[j] = v[c + j] > lanes[j] ? v[c + j] : lanes[j];
  }
  for (; c < vec; ++c) packets = v[c] > packets ? v[c] : packets;
  for (const T lane : lanes) packets = lane > packets ? lane : packets;
  T scalar = T(-std::numeric_limits<float>::infinity());
  for (int64_t c = vec; c < n; ++c) scalar = v[c] < scalar ? scalar : v[c];
  return scalar < packets ? packets : scalar;
}

// Eigen's LeafSize: packets per leaf of its tree reduction.
template <typename T>
constexpr int64_t kLeafPackets = std::is_same_v<T, Eigen::half>       ? 200
                                 : std::is_same_v<T, Eigen::bfloat16> ? 128
                                                                      : 1024;

// Above a leaf Eigen reduces by halves (its tree reduction), split at a
// packet boundary of the flat index, combining as std::max(right, left).
template <typename T>
T TreeMax(const T* base, int64_t first, int64_t n) {
  constexpr int64_t kP = kPacket<T>;
  if (n <= kP * kLeafPackets<T>) return LeafMax(base + first, n);
  const int64_t split = kP * ((first + (n + 1) / 2 + kP - 1) / kP);
  const int64_t left_count = std::min(split - first, n);
  const T left = TreeMax(base, first, left_count);
  if (left_count == n) return left;
  const T right = TreeMax(base, split, n - left_count);
  return right < left ? left : right;
}

// The max TF's k == 1 path finds for row `r` of `base` (rows of n).
template <typename T>
T RowMax(const T* base, int64_t r, int64_t n) {
  if constexpr (!kIsFloat<T>) {
    return *std::max_element(base + r * n, base + r * n + n);
  } else {
    return TreeMax(base, r * n, n);
  }
}

template <typename T, typename Index>
void TopOne(const T* base, int64_t r, int64_t n, T* value, Index* index) {
  const T* row = base + r * n;
  const T m = RowMax(base, r, n);
  int64_t at = 0;
  for (int64_t c = 0; c < n; ++c) {
    if (row[c] == m) {
      at = c;
      break;
    }
  }
  *index = static_cast<Index>(at);
  *value = row[at];
}

// An unsigned key whose ascending order is T's descending order, -0.0 and
// +0.0 equal (TF's comparisons see them equal, so their ties go by index).
template <typename T>
uint64_t DescendingKey(T v) {
  uint64_t key;
  if constexpr (kIsFloat<T>) {
    // Branch-free: random signs made a branch here mispredict every other
    // value (8 ns a column). + 0.0 turns -0.0 into +0.0 and nothing else.
    const double d = static_cast<double>(v) + 0.0;  // exact for half and float; their low key bytes stay 0
    std::memcpy(&key, &d, sizeof key);
    key ^= static_cast<uint64_t>(static_cast<int64_t>(key) >> 63) | (uint64_t{1} << 63);
  } else if constexpr (std::is_signed_v<T>) {
    key = static_cast<uint64_t>(static_cast<int64_t>(v)) ^ (uint64_t{1} << 63);
  } else {
    key = static_cast<uint64_t>(v);
  }
  return ~key;
}

// Scratch of one worker for RadixOrder.
struct RadixScratch {
  std::vector<uint64_t> keys, keys_tmp;
  std::vector<int64_t> order, order_tmp;
};

// The columns of a NaN-free row in TF's order (value descending, then index
// ascending), first `k` of them into idx: a stable LSD radix sort of the keys,
// fed in index order, skipping the byte passes where every key has one digit.
// Measured 2-4x faster than a comparison sort of 1024 doubles.
template <typename T, typename Index>
void RadixOrder(const T* row, int64_t n, int64_t k, Index* idx, RadixScratch* s) {
  const auto size = static_cast<size_t>(n);
  s->keys.resize(size);
  s->keys_tmp.resize(size);
  s->order.resize(size);
  s->order_tmp.resize(size);
  for (size_t c = 0; c < size; ++c) {
    s->keys[c] = DescendingKey(row[c]);
    s->order[c] = static_cast<int64_t>(c);
  }
  for (int shift = 0; shift < 64; shift += 8) {
    size_t count[257] = {};
    for (size_t c = 0; c < size; ++c) ++count[((s->keys[c] >> shift) & 0xff) + 1];
    if (count[((s->keys[0] >> shift) & 0xff) + 1] == size) continue;  // one digit: order unchanged
    for (int d = 0; d < 256; ++d) count[d + 1] += count[d];
    for (size_t c = 0; c < size; ++c) {
      const size_t at = count[(s->keys[c] >> shift) & 0xff]++;
      s->keys_tmp[at] = s->keys[c];
      s->order_tmp[at] = s->order[c];
    }
    s->keys.swap(s->keys_tmp);
    s->order.swap(s->order_tmp);
  }
  for (int64_t c = 0; c < k; ++c) idx[c] = static_cast<Index>(s->order[static_cast<size_t>(c)]);
}

// The first k columns of a NaN-free row in TF's order when k is small against
// n: candidates (key, index) collect in a buffer of 2k; when it fills, the k
// best stay (nth_element) and the k-th's key becomes the bar a later column
// must pass (strictly: an equal key with a higher index ranks below it), so
// most columns cost one comparison. At the end the k best are sorted. A
// radix sort of the whole row for k = 100 of 4096 took 2.4x TF's time.
template <typename T, typename Index>
void SelectOrder(const T* row, int64_t n, int64_t k, Index* idx, std::vector<std::pair<uint64_t, int64_t>>* s) {
  auto& buf = *s;
  buf.clear();
  const auto capacity = static_cast<size_t>(2 * k);
  const auto kk = static_cast<size_t>(k);
  uint64_t bar = ~uint64_t{0};
  bool full = false;  // bar holds a k-th best key
  for (int64_t c = 0; c < n; ++c) {
    const uint64_t key = DescendingKey(row[c]);
    if (full && key >= bar) continue;
    buf.emplace_back(key, c);
    if (buf.size() == capacity) {
      std::nth_element(buf.begin(), buf.begin() + (k - 1), buf.end());  // by key, then index
      buf.resize(kk);
      bar = buf[kk - 1].first;
      for (size_t i = 0; i + 1 < kk; ++i) bar = std::max(bar, buf[i].first);
      full = true;
    }
  }
  if (buf.size() > kk) {
    std::nth_element(buf.begin(), buf.begin() + (k - 1), buf.end());
    buf.resize(kk);
  }
  std::sort(buf.begin(), buf.end());
  for (int64_t c = 0; c < k; ++c) idx[c] = static_cast<Index>(buf[static_cast<size_t>(c)].second);
}

// k == n: TF's std::sort of the indices, then runs of equal values by index.
template <typename T, typename Index>
void SortAll(const T* row, int64_t n, bool has_nan, Index* idx, RadixScratch* scratch) {
  if (!has_nan) {
    // Without NaN the result is the one total order (value descending, index
    // ascending), whatever algorithm finds it.
    RadixOrder(row, n, n, idx, scratch);
    return;
  }
  Index* begin = idx;
  Index* end = idx + n;
  std::iota(begin, end, Index(0));
  std::sort(begin, end, [row](Index a, Index b) { return row[b] < row[a]; });
  for (Index* run_begin = begin; run_begin != end;) {
    Index* run_end = run_begin + 1;
    if (run_end == end) break;
    if (row[*run_begin] == row[*run_end]) {
      while (++run_end != end) {
        if (row[*run_begin] != row[*run_end]) break;
      }
      std::sort(run_begin, run_end);
    }
    run_begin = run_end;
  }
}

// 1 < k < n: gtl::TopN<Index>(k, greater-then-lower-index), step for step.
template <typename T, typename Index>
void TopNHeap(const T* row, int64_t n, int64_t k, bool sorted, Index* idx, std::vector<Index>* scratch) {
  const auto greater = [row](Index a, Index b) {
    if (row[b] < row[a]) return true;
    if (row[b] > row[a]) return false;
    return a < b;
  };
  std::vector<Index>& e = *scratch;
  e.clear();
  bool heap = false;
  for (int64_t c = 0; c < n; ++c) {
    const auto v = static_cast<Index>(c);
    if (!heap) {
      // TopN's UNORDERED state (peek_bottom is never called): append.
      e.push_back(v);
      if (static_cast<int64_t>(e.size()) == k + 1) {
        std::make_heap(e.begin(), e.end(), greater);
        std::pop_heap(e.begin(), e.end(), greater);
        heap = true;
      }
    } else if (greater(v, e.front())) {
      // TF 2.21's TopN replaces the bottom of the k-element heap: pop it to
      // position k-1, overwrite, push (measured: the older push-then-pop
      // over k + 1 elements leaves another sorted=false order).
      std::pop_heap(e.begin(), e.begin() + k, greater);
      e[static_cast<size_t>(k - 1)] = v;
      std::push_heap(e.begin(), e.begin() + k, greater);
    }
  }
  if (heap) e.pop_back();
  if (sorted) {
    if (heap) {
      std::sort_heap(e.begin(), e.end(), greater);
    } else {
      std::sort(e.begin(), e.end(), greater);
    }
  }
  std::copy(e.begin(), e.begin() + k, idx);
}

// 1 < k <= 16, sorted, no NaN in the row: the k first of the total order
// (value descending, index ascending), kept in a sorted buffer. A column
// enters only if strictly greater than the current k-th (a later equal value
// has a higher index), which for k << n rejects almost every column in one
// comparison.
template <typename T, typename Index>
void TopKSorted(const T* row, int64_t n, int64_t k, Index* idx, std::vector<std::pair<T, int64_t>>* scratch) {
  auto& best = *scratch;
  best.resize(static_cast<size_t>(k));
  for (int64_t c = 0; c < k; ++c) best[static_cast<size_t>(c)] = {row[c], c};
  std::stable_sort(best.begin(), best.end(),
                   [](const std::pair<T, int64_t>& a, const std::pair<T, int64_t>& b) { return b.first < a.first; });
  T last = best[static_cast<size_t>(k - 1)].first;
  for (int64_t c = k; c < n; ++c) {
    const T v = row[c];
    if (!(last < v)) continue;
    // Insert before the first element smaller than v (after equal ones, which have lower indices).
    int64_t at = k - 1;
    while (at > 0 && best[static_cast<size_t>(at - 1)].first < v) {
      best[static_cast<size_t>(at)] = best[static_cast<size_t>(at - 1)];
      --at;
    }
    best[static_cast<size_t>(at)] = {v, c};
    last = best[static_cast<size_t>(k - 1)].first;
  }
  for (int64_t c = 0; c < k; ++c) idx[c] = static_cast<Index>(best[static_cast<size_t>(c)].second);
}

// Writes k indices as the output's index type (int16, int32 or int64). The
// kernel orders int64 indices whatever the output type: the same comparisons
// in the same order, so the same result, and one instantiation per T instead
// of three (they were 590 KB of the library).
void StoreIndices(const Tensor& out, int64_t offset, const int64_t* idx, int64_t k) {
  switch (out.dtype()) {
    case DType::kInt16:
      for (int64_t c = 0; c < k; ++c) out.data<int16_t>()[offset + c] = static_cast<int16_t>(idx[c]);
      return;
    case DType::kInt32:
      for (int64_t c = 0; c < k; ++c) out.data<int32_t>()[offset + c] = static_cast<int32_t>(idx[c]);
      return;
    default:
      std::copy(idx, idx + k, out.data<int64_t>() + offset);
      return;
  }
}

template <typename T>
Status TopKTyped(KernelContext& ctx, const TopKParams& p, int64_t k, int64_t rows, int64_t n) {
  const T* in = ctx.input(0).data<T>();
  T* values = ctx.output(0).data<T>();
  const Tensor& indices = ctx.output(1);
  if (k == 0 || rows == 0) return Status::Ok();
  if (k == 1) {
    ctx.ParallelFor(rows, n + 1, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        int64_t at = 0;
        TopOne(in, r, n, values + r, &at);
        StoreIndices(indices, r, &at, 1);
      }
    });
    return Status::Ok();
  }
  const double logk = std::log2(static_cast<double>(k) + 1.0);
  const auto cost = static_cast<int64_t>(static_cast<double>(n) * logk * (k == n ? 4.0 : 2.0)) + 1;
  ctx.ParallelFor(rows, cost, [&](int64_t begin, int64_t end) {
    std::vector<std::pair<T, int64_t>> pairs;
    RadixScratch radix;
    std::vector<std::pair<uint64_t, int64_t>> selected;
    std::vector<int64_t> heap, order(static_cast<size_t>(k == n ? n : k));
    heap.reserve(static_cast<size_t>(k + 1));
    for (int64_t r = begin; r < end; ++r) {
      const T* row = in + r * n;
      int64_t* idx = order.data();
      bool has_nan = false;
      if constexpr (kIsFloat<T>) {
        for (int64_t c = 0; c < n; ++c) has_nan |= IsNan(row[c]);
      }
      if (k == n) {
        SortAll(row, n, has_nan, idx, &radix);
      } else if (p.sorted && !has_nan && k <= 16) {
        TopKSorted(row, n, k, idx, &pairs);
      } else if (p.sorted && !has_nan && k * 8 < n) {
        SelectOrder(row, n, k, idx, &selected);
      } else if (p.sorted && !has_nan) {
        RadixOrder(row, n, k, idx, &radix);  // insertion would cost n * k
      } else {
        TopNHeap(row, n, k, p.sorted, idx, &heap);
      }
      for (int64_t c = 0; c < k; ++c) values[r * k + c] = row[idx[c]];
      StoreIndices(indices, r * k, idx, k);
    }
  });
  return Status::Ok();
}

Status TopKKernel(KernelContext& ctx, const TopKParams& p) {
  const ConstTensor& input = ctx.input(0);
  const ConstTensor& k_in = ctx.input(1);
  OPBRIDGE_REQUIRE(k_in.rank() == 0, "k must be scalar, got shape ", k_in.shape().ToString());
  const int64_t k = ReadK(k_in);
  OPBRIDGE_REQUIRE(k >= 0, "Need k >= 0, got ", k);
  OPBRIDGE_REQUIRE(input.rank() >= 1, "input must be >= 1-D, got shape ", input.shape().ToString());
  const int64_t n = input.dim(input.rank() - 1);
  OPBRIDGE_REQUIRE(n >= k, "input must have at least k columns. Had ", n, ", needed ", k);
  std::vector<int64_t> dims = input.shape().dims();
  dims.back() = k;
  for (int i = 0; i < 2; ++i) {
    if (!ctx.output(i).shape().rank_known() || ctx.output(i).shape().dims() != dims) {
      OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(i, Shape(dims)));
    }
  }
  const int64_t rows = n > 0 ? input.num_elements() / n : 0;
  const DType index_type = ctx.output(1).dtype();
  OPBRIDGE_REQUIRE(index_type == DType::kInt16 || index_type == DType::kInt32 || index_type == DType::kInt64,
                   "indices must be int16, int32 or int64, got ", DTypeName(index_type));
  return math::DispatchRealNumber(input.dtype(),
                                  [&](auto tag) { return TopKTyped<typename decltype(tag)::type>(ctx, p, k, rows, n); });
}

OPBRIDGE_REGISTER_OP(OpSpec("TopKV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("The k largest entries of the last dimension and their indices (tf.math.top_k).")
                         .Input("input: T")
                         .Input("k: Tk")
                         .Output("values: T")
                         .Output("indices: index_type")
                         .Params<TopKParams>()
                         .Attr("T: {float, double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, uint32, "
                               "uint64}")
                         .Attr("Tk: {int16, int32, int64} = DT_INT32")
                         .Attr("index_type: {int16, int32, int64} = DT_INT32")
                         .ShapeRule(TopKShape)
                         .Kernel(TopKKernel));

}  // namespace
}  // namespace opbridge
