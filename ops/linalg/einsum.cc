// Einsum: TF's tf.einsum kernel (one or two operands), for the equations the
// converter cannot unfold into builtins and leaves custom: repeated labels in
// an operand (ii->i, ii->, bii->bi, ij,jj->i), sums of every label (ij->,
// i,i->), identities (i->i) and repeated output labels (i->ii). Equations it
// unfolds (ij,jk->ik, ...) stay BATCH_MATMUL/TRANSPOSE/SUM builtins.
//
// TF's algorithm (einsum_op_impl.h), followed step for step so that the sums
// are the same ones:
// - labels are numbered by first appearance (inputs, then output); '.' is an
//   ellipsis and skips the next two characters; every other character is a
//   label. Each label is batch (both inputs and output), free (one input and
//   the output), contract (both inputs, not the output) or reduce (one input
//   only); ellipsis dims are broadcasting labels, left-aligned by number.
// - each operand is put in (type, label) order, repeated labels replaced by
//   their diagonal, and its reduce labels summed away (in order, as Eigen's
//   generic reducer: RunSum, bit for bit), giving [batch..., F, C].
// - two operands are multiplied as BatchMatMul with broadcast batch dims
//   (matmul.h, BatchMatMulV2's product); the result [batch..., F0..., F1...]
//   is inflated for repeated output labels and put in output order.
// Errors are TF 2.21's texts. Where TF reads out of bounds (two ellipses in a
// subscript, an output label no input has) we refuse instead.
#include <algorithm>
#include <array>
#include <complex>
#include <numeric>
#include <string>
#include <type_traits>
#include <vector>

#include "../math/element_types.h"
#include "matmul.h"

namespace opbridge {
namespace {

enum LabelType { kBroadcasting = 0, kBatch = 1, kFree = 2, kContract = 3, kReduce = 4 };
constexpr int kEllipsis = -1;

struct EinsumParams {
  std::string equation;

  static void Declare(ParamBinder& b, EinsumParams& p) { b.Attr("equation: string", &p.equation); }
};

// TF's TensorShape::DebugString: "[2,3]".
std::string TfShape(const std::vector<int64_t>& dims) {
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) out += (i ? "," : "") + std::to_string(dims[i]);
  return out + "]";
}

// The equation as TF parses it, before the shapes are known.
struct Equation {
  std::vector<std::vector<int>> inputs;  // labels; kEllipsis for "..."
  std::vector<int> output;
  std::vector<LabelType> types;  // per named label
};

void MapLabels(const std::string& subscript, std::vector<int>* labels, std::array<int, 256>* mapping, int* next) {
  for (size_t i = 0; i < subscript.size(); ++i) {
    const auto c = static_cast<unsigned char>(subscript[i]);
    if (c == '.') {
      labels->push_back(kEllipsis);
      i += 2;  // TF skips the next two characters, whatever they are
      continue;
    }
    if ((*mapping)[c] < 0) (*mapping)[c] = (*next)++;
    labels->push_back((*mapping)[c]);
  }
}

Status ParseEquation(const std::string& eq, Equation* e) {
  const size_t arrow = eq.find("->");
  if (arrow == std::string::npos || eq.find("->", arrow + 2) != std::string::npos) {
    return Errorf("Expecting exactly one '->' in einsum equation: ", eq);
  }
  std::vector<std::string> subscripts(1);
  for (size_t i = 0; i < arrow; ++i) {
    if (eq[i] == ',') {
      subscripts.emplace_back();
    } else {
      subscripts.back() += eq[i];
    }
  }
  OPBRIDGE_REQUIRE(subscripts.size() <= 2, "Expecting 1 or 2 input subscripts in equation '", eq,
                   "' but got: ", subscripts.size());
  std::array<int, 256> mapping;
  mapping.fill(-1);
  int next = 0;
  e->inputs.assign(subscripts.size(), {});
  for (size_t i = 0; i < subscripts.size(); ++i) MapLabels(subscripts[i], &e->inputs[i], &mapping, &next);
  const int named_in_inputs = next;
  MapLabels(eq.substr(arrow + 2), &e->output, &mapping, &next);
  // TF's kernel indexes its tables with these (out of bounds): refused here.
  for (const auto* labels : {&e->inputs[0], e->inputs.size() > 1 ? &e->inputs[1] : &e->output, &e->output}) {
    OPBRIDGE_REQUIRE(std::count(labels->begin(), labels->end(), kEllipsis) <= 1, "einsum equation '", eq,
                     "' has more than one ellipsis (...) in a subscript");
  }
  OPBRIDGE_REQUIRE(next == named_in_inputs, "einsum equation '", eq, "' has an output label that no input has");
  e->types.assign(static_cast<size_t>(next), kFree);
  for (int label = 0; label < next; ++label) {
    auto count = [label](const std::vector<int>& v) { return std::count(v.begin(), v.end(), label); };
    const bool removed = count(e->output) == 0;
    const bool unique = e->inputs.size() == 1 || count(e->inputs[0]) == 0 || count(e->inputs[1]) == 0;
    e->types[static_cast<size_t>(label)] =
        removed ? (unique ? kReduce : kContract) : (unique ? kFree : kBatch);
  }
  return Status::Ok();
}

// One operand after TF's ReduceOperand: its distinct labels in (type, label)
// order with their sizes, where each comes from in the input, and the shape
// TF gives the reduced operand ([batch..., F, C], or [batch..., C, F] when TF
// skips the transpose: only its error texts show that).
struct Operand {
  std::vector<int> labels;
  std::vector<int64_t> dims;
  std::vector<int64_t> strides;  // input elements per step of each label (diagonals add up)
  std::vector<int64_t> batch;    // broadcasting and batch dims
  int64_t free = 1, contract = 1, reduce = 1;
  bool swapped = false;
  std::vector<int> free_labels;
  std::vector<int64_t> ReducedShape() const {
    std::vector<int64_t> s = batch;
    s.push_back(swapped ? contract : free);
    s.push_back(swapped ? free : contract);
    return s;
  }
};

// Everything the shapes decide: TF's ProcessDimensions, ReduceOperand's
// layouts, the contraction's broadcast and the output's shape and strides.
struct Plan {
  std::vector<LabelType> types;
  std::vector<int64_t> label_dims;
  std::vector<int> output;  // labels, broadcasting ones included
  std::vector<Operand> operands;
  std::vector<int64_t> batch;  // broadcast batch shape of the result
  std::vector<int64_t> result_dims;
  std::vector<int> result_labels;
  std::vector<int64_t> output_dims;
  bool contract_mismatch = false;  // only through TF's size-0 quirk
};

// TF 2.21's x86 build rewrites float and bfloat16 Einsum to _MklEinsum,
// whose BatchMatMul (oneDNN) words two errors its own way.
bool OneDnn(DType dtype) { return dtype == DType::kFloat32 || dtype == DType::kBFloat16; }

Status MakePlan(const Equation& eq, const std::vector<std::vector<int64_t>>& shapes, bool onednn, Plan* plan) {
  const size_t n = shapes.size();
  OPBRIDGE_REQUIRE(n == eq.inputs.size(), "Expected ", eq.inputs.size(), " inputs but got: ", n);
  const int named = static_cast<int>(eq.types.size());
  plan->types = eq.types;
  plan->label_dims.assign(static_cast<size_t>(named), 0);
  std::vector<std::vector<int>> labels(n);
  int max_bcast = 0;
  for (size_t i = 0; i < n; ++i) {
    const std::vector<int>& sub = eq.inputs[i];
    const auto& dims = shapes[i];
    const int rank = static_cast<int>(dims.size());
    const auto ellipsis = std::find(sub.begin(), sub.end(), kEllipsis);
    const bool has_ellipsis = ellipsis != sub.end();
    if (!has_ellipsis) {
      OPBRIDGE_REQUIRE(rank == static_cast<int>(sub.size()), "Expected input ", i, " to have rank ", sub.size(),
                       " but got: ", rank);
    } else {
      OPBRIDGE_REQUIRE(rank + 1 >= static_cast<int>(sub.size()), "Expected input ", i, " to have rank at least ",
                       sub.size() - 1, " but got: ", rank);
    }
    const int bcast = has_ellipsis ? rank - static_cast<int>(sub.size()) + 1 : 0;
    int axis = 0;
    for (const int label : sub) {
      if (label == kEllipsis) {
        for (int b = 0; b < bcast; ++b) labels[i].push_back(named + b);
        axis += bcast;
        continue;
      }
      // TF's check: a size recorded as 0 counts as not recorded yet.
      int64_t& recorded = plan->label_dims[static_cast<size_t>(label)];
      const int64_t dim = dims[static_cast<size_t>(axis)];
      OPBRIDGE_REQUIRE(recorded == 0 || recorded == dim, "Expected dimension ", recorded, " at axis ", axis,
                       " of the input shaped ", TfShape(dims), " but got dimension ", dim);
      recorded = dim;
      labels[i].push_back(label);
      ++axis;
    }
    max_bcast = std::max(max_bcast, bcast);
  }
  for (const int label : eq.output) {
    if (label != kEllipsis) {
      plan->output.push_back(label);
      continue;
    }
    for (int b = 0; b < max_bcast; ++b) plan->output.push_back(named + b);
  }
  if (std::find(eq.output.begin(), eq.output.end(), kEllipsis) == eq.output.end() && max_bcast > 0) {
    return Errorf("Output contains ", max_bcast,
                  " broadcasting dimension(s) but no ellipsis (...) was found in the output subscripts.");
  }
  plan->types.resize(static_cast<size_t>(named + max_bcast), kBroadcasting);
  const auto& types = plan->types;

  for (size_t i = 0; i < n; ++i) {
    const auto& dims = shapes[i];
    const std::vector<int>& in = labels[i];
    Operand op;
    // TF skips the transpose when the labels are already in (type, label)
    // order with free and contract swapped; only its error texts show it.
    static constexpr int kSwapRank[] = {0, 1, 3, 2, 4};
    op.swapped = true;
    for (size_t a = 0; a + 1 < in.size(); ++a) {
      const int ta = kSwapRank[types[static_cast<size_t>(in[a])]];
      const int tb = kSwapRank[types[static_cast<size_t>(in[a + 1])]];
      if (ta > tb || (ta == tb && in[a] > in[a + 1])) op.swapped = false;
    }
    std::vector<int64_t> axis_stride(dims.size(), 1);
    for (int a = static_cast<int>(dims.size()) - 2; a >= 0; --a) {
      axis_stride[static_cast<size_t>(a)] = axis_stride[static_cast<size_t>(a + 1)] * dims[static_cast<size_t>(a + 1)];
    }
    std::vector<int> order(in.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int x, int y) {
      const int lx = in[static_cast<size_t>(x)], ly = in[static_cast<size_t>(y)];
      return std::make_pair(types[static_cast<size_t>(lx)], lx) < std::make_pair(types[static_cast<size_t>(ly)], ly);
    });
    for (const int a : order) {
      const int label = in[static_cast<size_t>(a)];
      const int64_t dim = dims[static_cast<size_t>(a)];
      if (!op.labels.empty() && op.labels.back() == label) {
        // A repeated label: its diagonal. TF needs equal sizes there (a size
        // 0 beside another lets its check pass, then TF fails reshaping).
        OPBRIDGE_REQUIRE(op.dims.back() == dim, "Expected dimension ", op.dims.back(), " at axis ", a,
                         " of the input shaped ", TfShape(dims), " but got dimension ", dim);
        op.strides.back() += axis_stride[static_cast<size_t>(a)];
        continue;
      }
      op.labels.push_back(label);
      op.dims.push_back(dim);
      op.strides.push_back(axis_stride[static_cast<size_t>(a)]);
    }
    const bool repeated = op.labels.size() < in.size();
    OPBRIDGE_REQUIRE(!repeated || op.labels.size() <= 6, "Unsupported rank: ", op.labels.size(),
                     " while handling repeated indices. Up to rank 6 is supported.");
    for (size_t d = 0; d < op.labels.size(); ++d) {
      const LabelType t = types[static_cast<size_t>(op.labels[d])];
      if (t == kBroadcasting || t == kBatch) op.batch.push_back(op.dims[d]);
      if (t == kFree) {
        op.free *= op.dims[d];
        op.free_labels.push_back(op.labels[d]);
      }
      if (t == kContract) op.contract *= op.dims[d];
      if (t == kReduce) op.reduce *= op.dims[d];
    }
    plan->operands.push_back(std::move(op));
  }

  // The result: [batch...] + free dims of each operand, as TF labels it.
  if (n == 2) {
    const Operand& x = plan->operands[0];
    const Operand& y = plan->operands[1];
    const size_t rank = std::max(x.batch.size(), y.batch.size());
    plan->batch.assign(rank, 1);
    for (size_t d = 0; d < rank; ++d) {
      const int64_t dx = d + x.batch.size() >= rank ? x.batch[d + x.batch.size() - rank] : 1;
      const int64_t dy = d + y.batch.size() >= rank ? y.batch[d + y.batch.size() - rank] : 1;
      if (dx != dy && dx != 1 && dy != 1) {
        // TF's reference runs _MklEinsum (oneDNN) for float and bfloat16.
        return Errorf(onednn ? "In[0] and In[1] must have compatible batch dimensions: "
                             : "Invalid broadcasting dimensions: ",
                      TfShape(x.ReducedShape()), " vs. ", TfShape(y.ReducedShape()));
      }
      plan->batch[d] = dx == 1 ? dy : dx;
    }
    plan->contract_mismatch = x.contract != y.contract;
  } else {
    plan->batch = plan->operands[0].batch;
  }
  for (int label = 0; label < static_cast<int>(types.size()); ++label) {
    if (types[static_cast<size_t>(label)] == kBroadcasting) plan->result_labels.push_back(label);
  }
  for (int label = 0; label < static_cast<int>(types.size()); ++label) {
    if (types[static_cast<size_t>(label)] == kBatch) plan->result_labels.push_back(label);
  }
  plan->result_dims = plan->batch;
  for (const Operand& op : plan->operands) {
    for (const int label : op.free_labels) {
      plan->result_labels.push_back(label);
      plan->result_dims.push_back(plan->label_dims[static_cast<size_t>(label)]);
    }
  }
  // Labels the output repeats are inflated (TF: up to 6 distinct labels).
  if (plan->output.size() > plan->result_labels.size()) {
    OPBRIDGE_REQUIRE(plan->result_labels.size() <= 6, "Unsupported rank: ", plan->result_labels.size(),
                     " while handling repeated indices. Up to rank 6 is supported.");
  }
  for (const int label : plan->output) {
    const auto at = std::find(plan->result_labels.begin(), plan->result_labels.end(), label);
    plan->output_dims.push_back(plan->result_dims[static_cast<size_t>(at - plan->result_labels.begin())]);
  }
  return Status::Ok();
}

Status EinsumShape(ShapeContext& ctx, const EinsumParams& p) {
  Equation eq;
  OPBRIDGE_RETURN_IF_ERROR(ParseEquation(p.equation, &eq));
  std::vector<std::vector<int64_t>> shapes;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    const Shape& s = ctx.input(i);
    if (!s.rank_known() || std::any_of(s.dims().begin(), s.dims().end(), [](int64_t d) { return d < 0; })) {
      ctx.set_output(0, Shape::UnknownRank());  // TFLite knows every shape by prepare
      return Status::Ok();
    }
    shapes.push_back(s.dims());
  }
  Plan plan;
  OPBRIDGE_RETURN_IF_ERROR(MakePlan(eq, shapes, OneDnn(ctx.input_dtype(0)), &plan));
  ctx.set_output(0, Shape(plan.output_dims));
  return Status::Ok();
}

// One run of reduce values summed as TF's Einsum does: its ReduceFunctor
// gets the reduced axis as a run-time array, so Eigen's generic reducer adds
// them one by one from 0 in T (measured: equal to a sequential sum for
// float/double/complex, not to the packet sums tf.reduce_sum gets); half
// rounds after each add (Eigen's half +), bfloat16 goes through TF's
// float-casting reducer: summed in float, rounded once. Integers wrap.
template <typename T>
T RunSum(const T* x, int64_t n) {
  if constexpr (std::is_same_v<T, Eigen::bfloat16>) {
    float sum = 0.0f;
    for (int64_t j = 0; j < n; ++j) sum += static_cast<float>(x[j]);
    return static_cast<T>(sum);
  } else if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    U sum = 0;
    for (int64_t j = 0; j < n; ++j) sum = static_cast<U>(sum + static_cast<U>(x[j]));
    return static_cast<T>(sum);
  } else {
    T sum = T(0);
    for (int64_t j = 0; j < n; ++j) sum = static_cast<T>(sum + x[j]);
    return sum;
  }
}

// Operand i reduced as TF does: its diagonals gathered in (type, label)
// order, then each run of `reduce` values summed, into [batch..., F, C].
// Returns the input itself when that order is its own and nothing is summed
// (a plain matmul operand: no copy), else `storage`.
template <typename T>
const T* ReduceOperand(KernelContext& ctx, const Operand& op, const T* in, std::vector<T>* storage) {
  int64_t total = 1, rows = op.free * op.contract;
  for (const int64_t d : op.dims) total *= d;
  for (const int64_t d : op.batch) rows *= d;
  const int rank = static_cast<int>(op.dims.size());
  bool in_order = true;  // the gather would read the input as it is stored
  int64_t stride = 1;
  for (int d = rank - 1; d >= 0; --d) {
    in_order = in_order && (op.dims[static_cast<size_t>(d)] == 1 || op.strides[static_cast<size_t>(d)] == stride);
    stride *= op.dims[static_cast<size_t>(d)];
  }
  std::vector<T> gathered;
  const T* g = in;
  if (!in_order) {
    gathered.resize(static_cast<size_t>(total));
    // Rows of the gathered tensor in parallel: each row is `inner` elements
    // of the last label, the odometer over the others.
    const int64_t inner = rank ? op.dims.back() : 1;
    const int64_t inner_stride = rank ? op.strides.back() : 0;
    const int64_t lines = inner == 0 ? 0 : total / inner;
    ctx.ParallelFor(lines, inner + 10, [&](int64_t begin, int64_t end) {
      for (int64_t line = begin; line < end; ++line) {
        int64_t rest = line, src = 0;
        for (int d = rank - 2; d >= 0; --d) {
          src += (rest % op.dims[static_cast<size_t>(d)]) * op.strides[static_cast<size_t>(d)];
          rest /= op.dims[static_cast<size_t>(d)];
        }
        T* dst = gathered.data() + line * inner;
        for (int64_t j = 0; j < inner; ++j) dst[j] = in[src + j * inner_stride];
      }
    });
    g = gathered.data();
  }
  if (op.reduce == 1) {
    if (in_order) return in;
    *storage = std::move(gathered);
    return storage->data();
  }
  storage->assign(static_cast<size_t>(rows), T(0));  // a reduce size of 0 sums to 0
  if (op.reduce == 0) return storage->data();
  T* o = storage->data();
  const int64_t r = op.reduce;
  ctx.ParallelFor(rows, r + 1, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) o[row] = RunSum(g + row * r, r);
  });
  return storage->data();
}

// Offset (in matrices) of result batch index b in an operand of batch dims `in`.
int64_t BatchOffset(int64_t b, const std::vector<int64_t>& out, const std::vector<int64_t>& in) {
  int64_t offset = 0, stride = 1;
  const int shift = static_cast<int>(out.size() - in.size());
  for (int i = static_cast<int>(out.size()) - 1; i >= 0; --i) {
    const int64_t index = b % out[static_cast<size_t>(i)];
    b /= out[static_cast<size_t>(i)];
    const int ii = i - shift;
    if (ii < 0) continue;
    if (in[static_cast<size_t>(ii)] != 1) offset += index * stride;
    stride *= in[static_cast<size_t>(ii)];
  }
  return offset;
}

// A float dot product in 8 lanes (vectorized; TF's oneDNN GEMM adds in an
// order of its own too), the lanes folded in order, then the tail.
inline float DotLanes(const float* a, const float* b, int64_t k) {
  float lanes[8] = {};
  int64_t p = 0;
  for (; p + 8 <= k; p += 8) {
    for (int l = 0; l < 8; ++l) lanes[l] += a[p + l] * b[p + l];
  }
  float sum = 0.0f;
  for (const float v : lanes) sum += v;
  for (; p < k; ++p) sum += a[p] * b[p];
  return sum;
}

// C[b] = X[b] Y[b]^T, X [F0, C] and Y [F1, C] per batch: BatchMatMulV2's product.
template <typename T>
void Contract(KernelContext& ctx, const Plan& plan, const T* x, const T* y, T* out) {
  const Operand& ox = plan.operands[0];
  const Operand& oy = plan.operands[1];
  const int64_t m = ox.free, n = oy.free, k = ox.contract;
  int64_t batches = 1;
  for (const int64_t d : plan.batch) batches *= d;
  if (batches * m * n == 0) return;
  auto x_at = [&](int64_t b) { return x + BatchOffset(b, plan.batch, ox.batch) * m * k; };
  auto y_index = [&](int64_t b) { return BatchOffset(b, plan.batch, oy.batch); };
  if constexpr (std::is_same_v<T, float>) {
    if (m == 1 || n == 1) {
      // Matrix-vector products (bij,bjj->bi): every C element is a row of X
      // dotted with a row of Y, both contiguous; the GEMM would pad the one
      // column to a whole tile and copy X.
      ctx.ParallelFor(batches * m * n, k * 2 + 10, [&](int64_t begin, int64_t end) {
        for (int64_t e = begin; e < end; ++e) {
          const int64_t b = e / (m * n), i = e / n % m, j = e % n;
          out[e] = DotLanes(x_at(b) + i * k, y + (y_index(b) * n + j) * k, k);
        }
      });
      return;
    }
  }
  if constexpr (matmul::kWidened<T>) {
    int64_t y_matrices = 1;
    for (const int64_t d : oy.batch) y_matrices *= d;
    std::vector<matmul::WidenedB> ys;
    for (int64_t i = 0; i < y_matrices; ++i) ys.push_back(matmul::WidenB(y + i * n * k, k, n, /*transpose_b=*/true));
    matmul::WidenedProducts(ctx, ys, x_at, y_index, out, batches, m, n, k, /*transpose_a=*/false);
  } else {
    ctx.ParallelFor(batches, m * n * k * 4 + 1, [&](int64_t begin, int64_t end) {
      std::vector<T> pack;
      for (int64_t b = begin; b < end; ++b) {
        matmul::Product<T>(x_at(b), y + y_index(b) * n * k, out + b * m * n, m, n, k, false, false, true, false,
                           &pack);
      }
    });
  }
}

Status EinsumKernel(KernelContext& ctx, const EinsumParams& p) {
  Equation eq;
  OPBRIDGE_RETURN_IF_ERROR(ParseEquation(p.equation, &eq));
  std::vector<std::vector<int64_t>> shapes;
  for (int i = 0; i < ctx.num_inputs(); ++i) shapes.push_back(ctx.input(i).shape().dims());
  const DType dtype = ctx.input(0).dtype();
  Plan plan;
  OPBRIDGE_RETURN_IF_ERROR(MakePlan(eq, shapes, OneDnn(dtype), &plan));
  OPBRIDGE_REQUIRE(ctx.output(0).shape().dims() == plan.output_dims, "output has shape ",
                   ctx.output(0).shape().ToString(), ", expected ", TfShape(plan.output_dims));
  return math::DispatchElement<float, double, Eigen::half, Eigen::bfloat16, std::complex<float>,
                               std::complex<double>, int32_t, int64_t>(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    std::vector<std::vector<T>> copies(plan.operands.size()), storage(plan.operands.size());
    std::vector<const T*> reduced(plan.operands.size());
    std::vector<bool> empty(plan.operands.size());
    for (size_t i = 0; i < plan.operands.size(); ++i) {
      const ConstTensor& input = ctx.input(static_cast<int>(i));
      reduced[i] = ReduceOperand(ctx, plan.operands[i], matmul::AlignedData(input, &copies[i]), &storage[i]);
      const Operand& op = plan.operands[i];
      int64_t size = op.free * op.contract;
      for (const int64_t d : op.batch) size *= d;
      empty[i] = size == 0;
    }
    int64_t result_size = 1;
    for (const int64_t d : plan.result_dims) result_size *= d;
    std::vector<T> contracted;
    const T* src = reduced[0];
    if (plan.operands.size() == 2) {
      const bool any_empty = empty[0] || empty[1];
      if (plan.contract_mismatch && (OneDnn(dtype) || !any_empty)) {
        // Sizes that differ pass TF's checks only when one is 0 (its size-0
        // quirk): Eigen's BatchMatMul then writes zeros, oneDNN's refuses.
        return Errorf("lhs mismatch rhs shape: ", plan.operands[0].contract, " vs. ", plan.operands[1].contract);
      }
      contracted.assign(static_cast<size_t>(result_size), T(0));
      if (!any_empty) Contract(ctx, plan, reduced[0], reduced[1], contracted.data());
      src = contracted.data();
    }
    // Output element -> result element: each output axis steps its label's
    // result stride; axes of one repeated label must agree (else 0).
    std::vector<int64_t> result_stride(plan.result_dims.size(), 1);
    for (int d = static_cast<int>(result_stride.size()) - 2; d >= 0; --d) {
      result_stride[static_cast<size_t>(d)] =
          result_stride[static_cast<size_t>(d + 1)] * plan.result_dims[static_cast<size_t>(d + 1)];
    }
    const size_t rank = plan.output.size();
    std::vector<size_t> position(rank);
    std::vector<int> first_axis(rank);
    bool inflated = false;
    for (size_t a = 0; a < rank; ++a) {
      const auto at = std::find(plan.result_labels.begin(), plan.result_labels.end(), plan.output[a]);
      position[a] = static_cast<size_t>(at - plan.result_labels.begin());
      first_axis[a] = static_cast<int>(std::find(plan.output.begin(), plan.output.end(), plan.output[a]) -
                                       plan.output.begin());
      inflated = inflated || first_axis[a] != static_cast<int>(a);
    }
    T* out = ctx.output(0).data<T>();
    const int64_t total = ctx.output(0).num_elements();
    ctx.ParallelFor(total, 4, [&](int64_t begin, int64_t end) {
      std::vector<int64_t> index(rank);
      for (int64_t e = begin; e < end; ++e) {
        int64_t rest = e, offset = 0;
        for (int a = static_cast<int>(rank) - 1; a >= 0; --a) {
          index[static_cast<size_t>(a)] = rest % plan.output_dims[static_cast<size_t>(a)];
          rest /= plan.output_dims[static_cast<size_t>(a)];
        }
        bool on_diagonal = true;
        for (size_t a = 0; a < rank; ++a) {
          if (first_axis[a] != static_cast<int>(a)) {
            on_diagonal = on_diagonal && index[a] == index[static_cast<size_t>(first_axis[a])];
            continue;
          }
          offset += index[a] * result_stride[position[a]];
        }
        out[e] = !inflated || on_diagonal ? src[offset] : T(0);
      }
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Einsum")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Tensor contraction over labelled axes (tf.einsum), one or two operands.")
                         .Input("inputs: N * T")
                         .Output("output: T")
                         .Params<EinsumParams>()
                         .Attr("N: int >= 1")
                         .Attr("T: {half, bfloat16, float, double, complex64, complex128, int32, int64}")
                         .ShapeRule(EinsumShape)
                         .Kernel(EinsumKernel));

}  // namespace
}  // namespace opbridge
