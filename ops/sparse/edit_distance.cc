// EditDistance (tf.edit_distance): the Levenshtein distance between each
// sequence of a hypothesis and a truth SparseTensor, the sequences being the
// last dimension and the output the other dimensions (each the larger of the
// two shapes'). As TF's CPU kernel (core/kernels/edit_distance_op.cc), for
// every dtype it registers, strings too:
// - TF's shape checks and texts, in its order; a negative shape dim is an
//   error, an output with no elements is one.
// - Indices are not sorted or checked: each tensor is walked as runs of
//   consecutive entries with the same leading indices, the two walks merged
//   by comparing those keys (lexicographically), so unsorted input gives
//   TF's numbers; an entry whose position falls outside the output is TF's
//   error, one that falls inside it (a dim past its shape) is written there.
// - A key in both: the distance (divided by the truth's length if
//   normalize); only in the hypothesis: its length (inf if normalize); only
//   in the truth: its length (1 if normalize); in neither: 0. A later run of
//   a key overwrites an earlier one.
// - Elements compare with ==: NaN differs from itself, -0 equals 0, half and
//   bfloat16 compare as their values.
#include <algorithm>
#include <complex>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string_view>
#include <vector>

#include "../math/element_types.h"
#include "sparse_util.h"

namespace opbridge {
namespace {

struct EditDistanceParams {
  bool normalize = true;
  static void Declare(ParamBinder& b, EditDistanceParams& p) { b.Attr("normalize: bool = true", &p.normalize); }
};

Status EditDistanceShape(ShapeContext& ctx, const EditDistanceParams&) {
  ctx.set_output_dynamic(0);  // the output's dims are the shape inputs' values
  return Status::Ok();
}

Status ValidateShapes(KernelContext& ctx) {
  const ConstTensor& hi = ctx.input(0);
  const ConstTensor& hv = ctx.input(1);
  const ConstTensor& hs = ctx.input(2);
  const ConstTensor& ti = ctx.input(3);
  const ConstTensor& tv = ctx.input(4);
  const ConstTensor& ts = ctx.input(5);
  using sparse::ShapeText;
  OPBRIDGE_REQUIRE(hi.rank() == 2, "hypothesis_indices should be a matrix, but got shape: ", ShapeText(hi.shape()));
  OPBRIDGE_REQUIRE(ti.rank() == 2, "truth_indices should be a matrix, but got shape: ", ShapeText(ti.shape()));
  OPBRIDGE_REQUIRE(hv.rank() == 1, "hypothesis_values should be a vector, but got shape: ", ShapeText(hv.shape()));
  OPBRIDGE_REQUIRE(tv.rank() == 1, "truth_values should be a vector, but got shape: ", ShapeText(tv.shape()));
  OPBRIDGE_REQUIRE(hs.rank() == 1, "hypothesis_shape should be a vector, but got shape: ", ShapeText(hs.shape()));
  OPBRIDGE_REQUIRE(ts.rank() == 1, "truth_shape should be a vector, but got shape: ", ShapeText(ts.shape()));
  OPBRIDGE_REQUIRE(hv.num_elements() == hi.dim(0),
                   "Expected hypothesis_values.NumElements == #rows(hypothesis_indices), their shapes are: ",
                   ShapeText(hv.shape()), " and ", ShapeText(hi.shape()));
  OPBRIDGE_REQUIRE(hs.num_elements() == hi.dim(1),
                   "Expected hypothesis_shape.NumElements == #cols(hypothesis_indices), their shapes are: ",
                   ShapeText(hs.shape()), " and ", ShapeText(hi.shape()));
  OPBRIDGE_REQUIRE(ts.num_elements() >= 2,
                   "Input SparseTensors must have rank at least 2, but truth_shape rank is: ", ts.num_elements());
  OPBRIDGE_REQUIRE(tv.num_elements() == ti.dim(0),
                   "Expected truth_values.NumElements == #rows(truth_indices), their shapes are: ",
                   ShapeText(tv.shape()), " and ", ShapeText(ti.shape()));
  OPBRIDGE_REQUIRE(ts.num_elements() == ti.dim(1),
                   "Expected truth_shape.NumElements == #cols(truth_indices), their shapes are: ",
                   ShapeText(ts.shape()), " and ", ShapeText(ti.shape()));
  OPBRIDGE_REQUIRE(ts.num_elements() == hs.num_elements(),
                   "Expected truth and hypothesis to have matching ranks, but their shapes are: ",
                   ShapeText(ts.shape()), " and ", ShapeText(hs.shape()));
  return Status::Ok();
}

// TF's TensorShapeUtils::MakeShape: dims >= 0, element count within int64.
Status CheckShapeValues(const std::vector<int64_t>& dims) {
  int64_t count = 1;
  for (int64_t d : dims) {
    OPBRIDGE_REQUIRE(d >= 0, "Dimension ", d, " must be >= 0");
    OPBRIDGE_REQUIRE(d == 0 || count <= std::numeric_limits<int64_t>::max() / d,
                     "Shape [", sparse::JoinDims(dims.data(), static_cast<int64_t>(dims.size())),
                     "] has more than 2**63 - 1 elements");
    count *= d;
  }
  return Status::Ok();
}

// Runs of consecutive entries with equal leading indices (TF's group walk):
// the start of each run, and n at the end.
std::vector<int64_t> Runs(const int64_t* ix, int64_t n, int rank) {
  std::vector<int64_t> starts;
  for (int64_t r = 0; r < n; ++r) {
    if (r == 0 || !std::equal(ix + r * rank, ix + r * rank + rank - 1, ix + (r - 1) * rank)) starts.push_back(r);
  }
  starts.push_back(n);
  return starts;
}

// One output element's work: rows [h0, h1) of the hypothesis and [t0, t1)
// of the truth (an empty range where that tensor has no run of the key).
struct Task {
  int64_t loc, h0, h1, t0, t1;
};

// Levenshtein distance between a[0..n) and b[0..m), one row of the table.
template <typename T>
int64_t Levenshtein(const T* a, int64_t n, const T* b, int64_t m, std::vector<int64_t>& row) {
  if (n == 0) return m;
  if (m == 0) return n;
  row.resize(static_cast<size_t>(m) + 1);
  for (int64_t j = 0; j <= m; ++j) row[static_cast<size_t>(j)] = j;
  for (int64_t i = 1; i <= n; ++i) {
    int64_t diag = row[0];
    row[0] = i;
    for (int64_t j = 1; j <= m; ++j) {
      const int64_t up = row[static_cast<size_t>(j)];
      const int64_t subst = diag + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[static_cast<size_t>(j)] = std::min(std::min(up, row[static_cast<size_t>(j - 1)]) + 1, subst);
      diag = up;
    }
  }
  return row[static_cast<size_t>(m)];
}

Status Kernel(KernelContext& ctx, const EditDistanceParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(ValidateShapes(ctx));
  const ConstTensor& hi = ctx.input(0);
  const ConstTensor& hv = ctx.input(1);
  const ConstTensor& ti = ctx.input(3);
  const ConstTensor& tv = ctx.input(4);
  OPBRIDGE_REQUIRE(hv.dtype() == tv.dtype(), "hypothesis_values has dtype ", DTypeName(hv.dtype()),
                   " but truth_values has ", DTypeName(tv.dtype()));
  const std::vector<int64_t> hshape = sparse::ReadInt64s(ctx.input(2));
  const std::vector<int64_t> tshape = sparse::ReadInt64s(ctx.input(5));
  OPBRIDGE_RETURN_IF_ERROR(CheckShapeValues(hshape));
  OPBRIDGE_RETURN_IF_ERROR(CheckShapeValues(tshape));
  const int rank = static_cast<int>(tshape.size());
  std::vector<int64_t> out_dims(static_cast<size_t>(rank - 1));
  int64_t elements = 1;
  for (size_t d = 0; d < out_dims.size(); ++d) {
    out_dims[d] = std::max(hshape[d], tshape[d]);
    OPBRIDGE_REQUIRE(out_dims[d] == 0 || elements <= std::numeric_limits<int64_t>::max() / out_dims[d],
                     "output shape has more than 2**63 - 1 elements");
    elements *= out_dims[d];
  }
  OPBRIDGE_REQUIRE(elements > 0, "Got output shape ", sparse::ShapeText(Shape(out_dims)),
                   " which has 0 elements");
  std::vector<int64_t> strides(out_dims.size(), 1);
  for (int d = rank - 3; d >= 0; --d) strides[d] = sparse::WrapMul(strides[d + 1], out_dims[d + 1]);

  const int64_t* h = hi.data<int64_t>();
  const int64_t* t = ti.data<int64_t>();
  const std::vector<int64_t> hruns = Runs(h, hi.dim(0), rank);
  const std::vector<int64_t> truns = Runs(t, ti.dim(0), rank);
  // The merge, in TF's order: each task's position checked as TF does.
  std::vector<Task> tasks;
  tasks.reserve(hruns.size() + truns.size());
  size_t a = 0, b = 0;
  auto loc_of = [&](const int64_t* row) {
    int64_t loc = 0;
    for (int d = 0; d + 1 < rank; ++d) loc = sparse::WrapAdd(loc, sparse::WrapMul(row[d], strides[d]));
    return loc;
  };
  while (a + 1 < hruns.size() || b + 1 < truns.size()) {
    const bool has_h = a + 1 < hruns.size(), has_t = b + 1 < truns.size();
    const int64_t* hk = has_h ? h + hruns[a] * rank : nullptr;
    const int64_t* tk = has_t ? t + truns[b] * rank : nullptr;
    int order = 0;  // < 0: the truth's key comes first, > 0: the hypothesis's
    if (!has_h) {
      order = -1;
    } else if (!has_t) {
      order = 1;
    } else {
      order = std::lexicographical_compare(tk, tk + rank - 1, hk, hk + rank - 1)   ? -1
              : std::lexicographical_compare(hk, hk + rank - 1, tk, tk + rank - 1) ? 1
                                                                                     : 0;
    }
    Task task{0, 0, 0, 0, 0};
    if (order >= 0) task.h0 = hruns[a], task.h1 = hruns[a + 1];
    if (order <= 0) task.t0 = truns[b], task.t1 = truns[b + 1];
    task.loc = loc_of(order >= 0 ? hk : tk);
    OPBRIDGE_REQUIRE(task.loc >= 0 && task.loc < elements, "Got an inner product ", task.loc,
                     " which would require writing to outside of the buffer for the output tensor (max elements ",
                     elements, ")");
    if (order >= 0) ++a;
    if (order <= 0) ++b;
    tasks.push_back(task);
  }

  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape(out_dims)));
  float* out = ctx.output(0).data<float>();
  std::fill(out, out + elements, 0.0f);
  // A later task of the same position overwrites an earlier one: only the
  // last is computed, so the tasks can run in parallel. (Found by sorting
  // the tasks, not by a table of the output's size, which the shape inputs
  // choose.)
  std::vector<size_t> by_loc(tasks.size());
  std::iota(by_loc.begin(), by_loc.end(), size_t{0});
  std::stable_sort(by_loc.begin(), by_loc.end(), [&](size_t x, size_t y) { return tasks[x].loc < tasks[y].loc; });
  std::vector<char> superseded(tasks.size(), 0);
  for (size_t k = 0; k + 1 < by_loc.size(); ++k) {
    if (tasks[by_loc[k]].loc == tasks[by_loc[k + 1]].loc) superseded[by_loc[k]] = 1;
  }

  auto run = [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* hvals = hv.data<T>();
    const T* tvals = tv.data<T>();
    ctx.ParallelFor(static_cast<int64_t>(tasks.size()), 2000, [&](int64_t begin, int64_t end) {
      std::vector<int64_t> row;
      for (int64_t k = begin; k < end; ++k) {
        const Task& task = tasks[static_cast<size_t>(k)];
        if (superseded[static_cast<size_t>(k)]) continue;
        const int64_t hn = task.h1 - task.h0, tn = task.t1 - task.t0;
        float value;
        if (hn && tn) {
          // As TF: the int64 distance to float, then divided in float.
          value = static_cast<float>(Levenshtein(tvals + task.t0, tn, hvals + task.h0, hn, row));
          if (p.normalize) value /= static_cast<float>(tn);
        } else if (hn) {
          value = p.normalize ? std::numeric_limits<float>::infinity() : static_cast<float>(hn);
        } else {
          value = p.normalize ? 1.0f : static_cast<float>(tn);
        }
        out[task.loc] = value;
      }
    });
    return Status::Ok();
  };
  if (hv.dtype() == DType::kString) return run(TypeTag<std::string_view>{});
  return math::DispatchElement<Eigen::half, Eigen::bfloat16, float, double, int8_t, int16_t, int32_t, int64_t,
                               uint8_t, uint16_t, uint32_t, uint64_t, bool, std::complex<float>,
                               std::complex<double>>(hv.dtype(), run);
}

OPBRIDGE_REGISTER_OP(OpSpec("EditDistance")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Levenshtein distance between the sequences of two SparseTensors (tf.edit_distance).")
                         .Input("hypothesis_indices: int64")
                         .Input("hypothesis_values: T")
                         .Input("hypothesis_shape: int64")
                         .Input("truth_indices: int64")
                         .Input("truth_values: T")
                         .Input("truth_shape: int64")
                         .Output("output: float")
                         .Params<EditDistanceParams>()
                         // TF's op takes any type; its CPU kernel registers these.
                         .Attr("T: {half, bfloat16, float, double, int8, int16, int32, int64, uint8, uint16, "
                               "uint32, uint64, bool, complex64, complex128, string}")
                         .ShapeRule(EditDistanceShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
