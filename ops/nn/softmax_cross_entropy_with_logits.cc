// SoftmaxCrossEntropyWithLogits: softmax cross-entropy against dense labels
// (tf.nn.softmax_cross_entropy_with_logits). float32 lowers to builtins
// (LOG_SOFTMAX, ...); float64 and half stay CUSTOM
// "SoftmaxCrossEntropyWithLogits" {T}: loss [batch] and backprop
// [batch, classes].
//
// logits and labels broadcast against each other (TF's BCast) and the result
// must be 2-D. TF's CPU kernel (xent_op.h), row by row: m = max(logits),
// s = logits - m, sum = sum(exp(s)),
// loss = sum(labels * (log(sum) - s)), backprop = exp(s) / sum - labels, with
// the exp, log and class sums evaluated as TF's Eigen does (softmax_xent.h).
#include <algorithm>
#include <string>
#include <vector>

#include "softmax_xent.h"

namespace opbridge {
namespace {

// The broadcast shape of logits and labels, or an error as TF's kernel.
Status BroadcastShape(const Shape& a, const Shape& b, std::vector<int64_t>* out) {
  const int rank = std::max(a.rank(), b.rank());
  out->assign(static_cast<size_t>(rank), 1);
  for (int k = 0; k < rank; ++k) {
    const int ia = k - (rank - a.rank()), ib = k - (rank - b.rank());
    const int64_t da = ia >= 0 ? a.dim(ia) : 1, db = ib >= 0 ? b.dim(ib) : 1;
    if (da != db && da != 1 && db != 1) {
      return Errorf("logits and labels must be broadcastable: logits_size=", a.ToString(),
                    " labels_size=", b.ToString());
    }
    (*out)[static_cast<size_t>(k)] = da == 1 ? db : da;
  }
  if (rank != 2) return Errorf("logits and labels must be either 2-dimensional, or broadcasted to be 2-dimensional");
  return Status::Ok();
}

Status XentShape(ShapeContext& ctx) {
  const Shape& a = ctx.input(0);
  const Shape& b = ctx.input(1);
  if (!a.fully_known() || !b.fully_known()) {
    ctx.set_output(0, Shape{kUnknownDim});
    ctx.set_output(1, Shape{kUnknownDim, kUnknownDim});
    return Status::Ok();
  }
  std::vector<int64_t> dims;
  OPBRIDGE_RETURN_IF_ERROR(BroadcastShape(a, b, &dims));
  ctx.set_output(0, Shape{dims[0]});
  ctx.set_output(1, Shape{dims[0], dims[1]});
  return Status::Ok();
}

// Element (b, j) of a 2-D-broadcast input (rank 0-2, dims 1 broadcast).
template <typename T>
struct Broadcast2D {
  const T* data;
  int64_t stride_b, stride_j;
  Broadcast2D(const ConstTensor& t) : data(t.data<T>()) {
    const int r = t.rank();
    const int64_t rows = r == 2 ? t.dim(0) : 1, cols = r >= 1 ? t.dim(r - 1) : 1;
    stride_j = cols == 1 ? 0 : 1;
    stride_b = rows == 1 ? 0 : cols;
  }
  T operator()(int64_t b, int64_t j) const { return data[b * stride_b + j * stride_j]; }
};

template <typename T>
Status Xent(KernelContext& ctx) {
  const int64_t batch = ctx.output(1).dim(0), classes = ctx.output(1).dim(1);
  const Broadcast2D<T> logits(ctx.input(0)), labels(ctx.input(1));
  T* loss = ctx.output(0).data<T>();
  T* backprop = ctx.output(1).data<T>();
  const int64_t n = batch * classes;
  ctx.ParallelFor(batch, 4 * classes + 1, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      // Eigen's max reduction starts from -inf; a NaN logit makes the row NaN either way.
      T m = -Eigen::NumTraits<T>::infinity();
      for (int64_t j = 0; j < classes; ++j) m = logits(b, j) > m ? logits(b, j) : m;
      for (int64_t j = 0; j < classes; ++j) backprop[b * classes + j] = static_cast<T>(logits(b, j) - m);
    }
  });
  // Packet-path exps of every element, once (see SparseSoftmaxCrossEntropyWithLogits).
  std::vector<T> exps(static_cast<size_t>(n));
  ctx.ParallelFor(batch, 10 * classes + 1, [&](int64_t begin, int64_t end) {
    nn::PacketExpRange(backprop + begin * classes, exps.data() + begin * classes, (end - begin) * classes);
  });
  std::vector<T> sums(static_cast<size_t>(batch));
  ctx.ParallelFor(batch, 4 * classes + 1, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      sums[static_cast<size_t>(b)] = nn::InnerMostSum<T>(
          b * classes, classes, [&](int64_t i) { return exps[static_cast<size_t>(i)]; },
          [&](int64_t i) { return nn::ScalarExp(backprop[i]); });
    }
  });
  // log(sum), a vector op over the batch: packet log but for the last batch % packet rows.
  std::vector<T> log_sums(sums.size());
  for (int64_t b = 0; b < batch; ++b) {
    const T s = sums[static_cast<size_t>(b)];
    const bool packet = b < batch - batch % nn::kTfPacketSize<T>;
    using P = nn::LanePacket<T>;
    log_sums[static_cast<size_t>(b)] =
        packet ? static_cast<T>(Eigen::internal::pfirst(Eigen::internal::plog(Eigen::internal::pset1<P>(static_cast<nn::Lane<T>>(s)))))
               : static_cast<T>(Eigen::numext::log(s));
  }
  ctx.ParallelFor(batch, 4 * classes + 1, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      const T l = log_sums[static_cast<size_t>(b)];
      const auto term = [&](int64_t i) {
        const int64_t j = i - b * classes;
        return static_cast<T>(labels(b, j) * static_cast<T>(l - backprop[i]));
      };
      loss[b] = nn::InnerMostSum<T>(b * classes, classes, term, term);
    }
  });
  const int64_t flat_packet_end = n - n % nn::kTfPacketSize<T>;
  ctx.ParallelFor(
      n, 4,
      [&](int64_t begin, int64_t end) {
        int64_t b = begin / classes, j = begin % classes;
        for (int64_t i = begin; i < end; ++i) {
          const T e = i < flat_packet_end ? exps[static_cast<size_t>(i)] : nn::ScalarExp(backprop[i]);
          backprop[i] = static_cast<T>(static_cast<T>(e / sums[static_cast<size_t>(b)]) - labels(b, j));
          if (++j == classes) j = 0, ++b;
        }
      },
      /*grain=*/nn::kTfPacketSize<T>);
  return Status::Ok();
}

Status XentKernel(KernelContext& ctx) {
  return nn::DispatchFloatTypes(ctx.input(0).dtype(), [&](auto tag) { return Xent<typename decltype(tag)::type>(ctx); });
}

OPBRIDGE_REGISTER_OP(OpSpec("SoftmaxCrossEntropyWithLogits")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Softmax cross-entropy of logits against dense labels (broadcast to "
                              "[batch, classes]): loss [batch] and backprop [batch, classes].")
                         .Input("features: T")
                         .Input("labels: T")
                         .Output("loss: T")
                         .Output("backprop: T")
                         .Attr("T: {half, bfloat16, float, double}")
                         .ShapeRule(XentShape)
                         .Kernel(XentKernel));

}  // namespace
}  // namespace opbridge
