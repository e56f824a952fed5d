// Complex: TF's real + i*imag with NumPy broadcasting (tf.complex). TFLite
// has no builtin that builds complex tensors; the converter emits CUSTOM
// "Complex" {T, Tout}, typically feeding IRFFT. float gives complex64,
// double complex128 (TF's rule).
#include <complex>
#include <vector>

#include "opbridge/op.h"

namespace opbridge {
namespace {

// The kernel follows the inputs' dtype; the shape rule checks Tout against T.
struct ComplexParams {
  DType t = DType::kFloat32;
  DType tout = DType::kComplex64;

  static void Declare(ParamBinder& b, ComplexParams& p) {
    b.Attr("T: {float, double} = DT_FLOAT", &p.t);
    b.Attr("Tout: {complex64, complex128} = DT_COMPLEX64", &p.tout);
  }
};

// NumPy broadcasting of two shapes; unknown dims stay unknown unless the other is known and not 1.
Status BroadcastShape(const Shape& a, const Shape& b, Shape* out) {
  if (!a.rank_known() || !b.rank_known()) {
    *out = Shape::UnknownRank();
    return Status::Ok();
  }
  const int rank = std::max(a.rank(), b.rank());
  std::vector<int64_t> dims(static_cast<size_t>(rank));
  for (int i = 0; i < rank; ++i) {
    const int ia = a.rank() - rank + i, ib = b.rank() - rank + i;
    const int64_t da = ia >= 0 ? a.dim(ia) : 1, db = ib >= 0 ? b.dim(ib) : 1;
    int64_t d;
    if (da == 1) {
      d = db;
    } else if (db == 1 || da == db) {
      d = da;
    } else if (da < 0 || db < 0) {
      d = da < 0 ? db : da;
    } else {
      return Errorf("Incompatible shapes: ", a.ToString(), " vs. ", b.ToString());
    }
    dims[static_cast<size_t>(i)] = d;
  }
  *out = Shape(std::move(dims));
  return Status::Ok();
}

Status ComplexShape(ShapeContext& ctx, const ComplexParams& p) {
  const DType t = p.t;
  const DType tout = p.tout;
  OPBRIDGE_REQUIRE((t == DType::kFloat32 && tout == DType::kComplex64) ||
                       (t == DType::kFloat64 && tout == DType::kComplex128),
                   "attr Tout is ", DTypeName(tout), " but inputs of type ", DTypeName(t), " give ",
                   t == DType::kFloat32 ? "complex64" : "complex128");
  Shape out;
  OPBRIDGE_RETURN_IF_ERROR(BroadcastShape(ctx.input(0), ctx.input(1), &out));
  ctx.set_output(0, out);
  return Status::Ok();
}

// Element strides of `shape` seen through the broadcast output shape (0 where broadcast).
std::vector<int64_t> BroadcastStrides(const Shape& shape, const Shape& out) {
  std::vector<int64_t> strides(static_cast<size_t>(out.rank()), 0);
  int64_t stride = 1;
  for (int i = shape.rank() - 1; i >= 0; --i) {
    const int o = out.rank() - shape.rank() + i;
    strides[static_cast<size_t>(o)] = shape.dim(i) == 1 ? 0 : stride;
    stride *= shape.dim(i);
  }
  return strides;
}

template <typename T>
Status Combine(KernelContext& ctx) {
  const ConstTensor& re = ctx.input(0);
  const ConstTensor& im = ctx.input(1);
  const Tensor& output = ctx.output(0);
  const int64_t n = output.num_elements();
  const T* a = re.data<T>();
  const T* b = im.data<T>();
  auto* out = output.data<std::complex<T>>();
  if (re.shape().dims() == im.shape().dims()) {
    ctx.ParallelFor(n, 2, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) out[i] = std::complex<T>(a[i], b[i]);
    });
    return Status::Ok();
  }
  const Shape& shape = output.shape();
  const std::vector<int64_t> sa = BroadcastStrides(re.shape(), shape);
  const std::vector<int64_t> sb = BroadcastStrides(im.shape(), shape);
  const int rank = shape.rank();
  ctx.ParallelFor(n, 8, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      int64_t rest = i, oa = 0, ob = 0;
      for (int d = rank - 1; d >= 0; --d) {
        const int64_t index = rest % shape.dim(d);
        rest /= shape.dim(d);
        oa += index * sa[static_cast<size_t>(d)];
        ob += index * sb[static_cast<size_t>(d)];
      }
      out[i] = std::complex<T>(a[oa], b[ob]);
    }
  });
  return Status::Ok();
}

Status ComplexKernel(KernelContext& ctx) {
  return Dispatch<float, double>(ctx.input(0).dtype(),
                                 [&](auto tag) { return Combine<typename decltype(tag)::type>(ctx); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Complex")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("real + i * imag with broadcasting (tf.complex); float gives complex64, "
                              "double complex128.")
                         .Input("real: T")
                         .Input("imag: T")
                         .Output("out: Tout")
                         .Params<ComplexParams>()
                         .ShapeRule(ComplexShape)
                         .Kernel(ComplexKernel));

}  // namespace
}  // namespace opbridge
