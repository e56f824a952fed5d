// From OpSpec to a TensorFlow op and CPU kernel. The only file that includes TF.
//
// At load (tf.load_op_library), every op of origin kOpbridge is registered
// with TF: REGISTER_OP's builder gets the declaration texts verbatim, the
// shape function runs the op's shape rule, and one generic kernel class runs
// its compute for every dtype. Ops of origin kTensorFlow are TF's own and are
// left alone: TF's kernel is the reference they are tested against.
#include <memory>
#include <string>
#include <vector>

#include "../core/float_mode.h"
#include "opbridge/op.h"
#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/shape_inference.h"
#include "tensorflow/core/platform/threadpool.h"

namespace opbridge {
namespace {

namespace tf = ::tensorflow;

DType FromTf(tf::DataType t) {
  switch (t) {
    case tf::DT_FLOAT: return DType::kFloat32;
    case tf::DT_DOUBLE: return DType::kFloat64;
    case tf::DT_HALF: return DType::kFloat16;
    case tf::DT_BFLOAT16: return DType::kBFloat16;
    case tf::DT_INT8: return DType::kInt8;
    case tf::DT_INT16: return DType::kInt16;
    case tf::DT_INT32: return DType::kInt32;
    case tf::DT_INT64: return DType::kInt64;
    case tf::DT_UINT8: return DType::kUInt8;
    case tf::DT_UINT16: return DType::kUInt16;
    case tf::DT_UINT32: return DType::kUInt32;
    case tf::DT_UINT64: return DType::kUInt64;
    case tf::DT_BOOL: return DType::kBool;
    case tf::DT_COMPLEX64: return DType::kComplex64;
    case tf::DT_COMPLEX128: return DType::kComplex128;
    default: return DType::kInvalid;
  }
}

tf::Status ToTf(const OpSpec& spec, const Status& status) {
  if (status.ok()) return tf::Status();
  return tf::errors::InvalidArgument(spec.name(), ": ", status.message());
}

// Reads every declared attr from a node (shape inference or kernel construction).
template <typename Source>
Status ReadAttrs(const OpSpec& spec, const Source& source, AttrMap* out) {
  for (const AttrSpec& attr : spec.attrs()) {
    tf::Status st;
    switch (attr.type) {
      case AttrType::kType: {
        tf::DataType v;
        st = source.GetAttr(attr.name, &v);
        if (st.ok()) out->Set(attr.name, FromTf(v));
        break;
      }
      case AttrType::kBool: {
        bool v;
        st = source.GetAttr(attr.name, &v);
        if (st.ok()) out->Set(attr.name, v);
        break;
      }
      case AttrType::kInt: {
        int64_t v;
        st = source.GetAttr(attr.name, &v);
        if (st.ok()) out->Set(attr.name, v);
        break;
      }
      case AttrType::kFloat: {
        float v;
        st = source.GetAttr(attr.name, &v);
        if (st.ok()) out->Set(attr.name, static_cast<double>(v));
        break;
      }
      case AttrType::kString: {
        std::string v;
        st = source.GetAttr(attr.name, &v);
        if (st.ok()) out->Set(attr.name, v);
        break;
      }
      case AttrType::kListInt: {
        std::vector<int64_t> v;
        st = source.GetAttr(attr.name, &v);
        if (st.ok()) out->Set(attr.name, v);
        break;
      }
      case AttrType::kListFloat: {
        std::vector<float> v;
        st = source.GetAttr(attr.name, &v);
        if (st.ok()) out->Set(attr.name, std::vector<double>(v.begin(), v.end()));
        break;
      }
    }
    OPBRIDGE_REQUIRE(st.ok(), "attr '", attr.name, "': ", st.message());
  }
  return Status::Ok();
}

DType ArgDType(const ArgSpec& arg, const AttrMap& attrs) {
  if (arg.type_attr.empty()) return arg.fixed_type;
  const AttrValue* v = attrs.Find(arg.type_attr);
  return v ? std::get<DType>(*v) : DType::kInvalid;
}

Shape FromTfShape(const tf::TensorShape& shape) {
  std::vector<int64_t> dims(static_cast<size_t>(shape.dims()));
  for (int d = 0; d < shape.dims(); ++d) dims[static_cast<size_t>(d)] = shape.dim_size(d);
  return Shape(std::move(dims));
}

tf::Status RunShapeRule(const OpSpec& spec, tf::shape_inference::InferenceContext* c) {
  AttrMap attrs;
  TF_RETURN_IF_ERROR(ToTf(spec, ReadAttrs(spec, *c, &attrs)));
  ShapeContext ctx(&spec, &attrs);
  for (int i = 0; i < c->num_inputs(); ++i) {
    const tf::shape_inference::ShapeHandle h = c->input(i);
    Shape shape = Shape::UnknownRank();
    if (c->RankKnown(h)) {
      std::vector<int64_t> dims(static_cast<size_t>(c->Rank(h)));
      for (int d = 0; d < c->Rank(h); ++d) dims[static_cast<size_t>(d)] = c->Value(c->Dim(h, d));
      shape = Shape(std::move(dims));
    }
    const DType dtype = ArgDType(spec.inputs()[static_cast<size_t>(i)], attrs);
    std::optional<ConstTensor> value;
    if (const tf::Tensor* t = c->input_tensor(i)) {
      value = ConstTensor(&spec.inputs()[static_cast<size_t>(i)].name, FromTf(t->dtype()), FromTfShape(t->shape()),
                          t->tensor_data().data());
    }
    ctx.input_shapes_.push_back(std::move(shape));
    ctx.input_dtypes_.push_back(dtype);
    ctx.input_values_.push_back(std::move(value));
  }
  ctx.output_shapes_.assign(spec.outputs().size(), Shape::UnknownRank());
  ctx.output_dynamic_.assign(spec.outputs().size(), false);
  TF_RETURN_IF_ERROR(ToTf(spec, spec.shape_fn()(ctx)));
  for (size_t i = 0; i < spec.outputs().size(); ++i) {
    const Shape& s = ctx.output_shapes_[i];
    if (ctx.output_dynamic_[i] || !s.rank_known()) {
      c->set_output(static_cast<int>(i), c->UnknownShape());
      continue;
    }
    std::vector<tf::shape_inference::DimensionHandle> dims;
    for (int64_t d : s.dims()) dims.push_back(d < 0 ? c->UnknownDim() : c->MakeDim(d));
    c->set_output(static_cast<int>(i), c->MakeShape(dims));
  }
  return tf::Status();
}

class TfParallelism : public Parallelism {
 public:
  TfParallelism(tf::OpKernelContext* ctx, bool flush_denormals)
      : workers_(ctx->device()->tensorflow_cpu_worker_threads()), flush_denormals_(flush_denormals) {}
  int num_threads() const override { return workers_ && workers_->workers ? workers_->num_threads : 1; }
  void ParallelFor(int64_t total, int64_t cost_per_unit,
                   const std::function<void(int64_t, int64_t)>& fn) override {
    workers_->workers->ParallelFor(total, cost_per_unit, [&](int64_t begin, int64_t end) {
      const ScopedFloatMode mode(flush_denormals_);
      fn(begin, end);
    });
  }

 private:
  const tf::DeviceBase::CpuWorkerThreads* workers_;
  bool flush_denormals_;
};

class SpecKernel : public tf::OpKernel {
 public:
  explicit SpecKernel(tf::OpKernelConstruction* c) : tf::OpKernel(c), spec_(FindOp(c->def().op())) {
    OP_REQUIRES(c, spec_ != nullptr, tf::errors::Internal("opbridge has no op named ", c->def().op()));
    OP_REQUIRES_OK(c, ToTf(*spec_, ReadAttrs(*spec_, *c, &attrs_)));
  }

  void Compute(tf::OpKernelContext* ctx) override { OP_REQUIRES_OK(ctx, ToTf(*spec_, Run(ctx))); }

 private:
  Status Run(tf::OpKernelContext* ctx) {
    const OpSpec& spec = *spec_;
    // TF's threads flush subnormals already; this also honours KeepDenormals().
    const ScopedFloatMode mode(spec.flush_denormals());
    TfParallelism parallelism(ctx, spec.flush_denormals());
    KernelContext kernel(&spec, &attrs_, &parallelism);
    ShapeContext shapes(&spec, &attrs_);
    for (size_t i = 0; i < spec.inputs().size(); ++i) {
      const tf::Tensor& t = ctx->input(static_cast<int>(i));
      const std::string* name = &spec.inputs()[i].name;
      kernel.inputs_.emplace_back(name, FromTf(t.dtype()), FromTfShape(t.shape()), t.tensor_data().data());
      shapes.input_shapes_.push_back(kernel.inputs_.back().shape());
      shapes.input_dtypes_.push_back(kernel.inputs_.back().dtype());
      shapes.input_values_.emplace_back(kernel.inputs_.back());
    }
    shapes.output_shapes_.assign(spec.outputs().size(), Shape::UnknownRank());
    shapes.output_dynamic_.assign(spec.outputs().size(), false);
    OPBRIDGE_RETURN_IF_ERROR(spec.shape_fn()(shapes));

    const auto allocate = [&](int i, const Shape& shape, Tensor* out) -> Status {
      OPBRIDGE_REQUIRE(shape.fully_known(), "output '", spec.outputs()[static_cast<size_t>(i)].name,
                       "' allocated with unknown shape ", shape.ToString());
      tf::TensorShape tf_shape;
      for (int64_t d : shape.dims()) tf_shape.AddDim(d);
      tf::Tensor* t = nullptr;
      const tf::Status st = ctx->allocate_output(i, tf_shape, &t);
      OPBRIDGE_REQUIRE(st.ok(), st.message());
      *out = Tensor(&spec.outputs()[static_cast<size_t>(i)].name, FromTf(t->dtype()), shape,
                    const_cast<char*>(t->tensor_data().data()));
      return Status::Ok();
    };
    // As in TFLite, only outputs the shape rule marked dynamic are the kernel's to allocate.
    kernel.allocator_ = [&](int i, const Shape& shape, Tensor* out) -> Status {
      OPBRIDGE_REQUIRE(shapes.output_dynamic_[static_cast<size_t>(i)], "output '",
                       spec.outputs()[static_cast<size_t>(i)].name, "' was not declared dynamic by the shape rule");
      return allocate(i, shape, out);
    };
    for (size_t i = 0; i < spec.outputs().size(); ++i) {
      kernel.outputs_.emplace_back();
      if (shapes.output_dynamic_[i]) continue;
      Tensor out;
      OPBRIDGE_RETURN_IF_ERROR(allocate(static_cast<int>(i), shapes.output_shapes_[i], &out));
      kernel.outputs_[i] = out;
    }
    return spec.compute_fn()(kernel);
  }

  const OpSpec* spec_;
  AttrMap attrs_;
};

tf::OpKernel* CreateSpecKernel(tf::OpKernelConstruction* c) { return new SpecKernel(c); }

// Runs at load, after every op file's registrar (they have init_priority 1000).
struct TfRegistration {
  TfRegistration() {
    for (const OpSpec* spec : RegisteredOps()) {
      if (!spec->has_tf_op()) continue;
      tf::register_op::OpDefBuilderWrapper op(spec->name().c_str());
      for (const std::string& text : spec->input_texts()) op.Input(text);
      for (const std::string& text : spec->output_texts()) op.Output(text);
      for (const std::string& text : spec->attr_texts()) op.Attr(text);
      op.SetShapeFn([spec](tf::shape_inference::InferenceContext* c) { return RunShapeRule(*spec, c); });
      op.Doc(spec->doc());
      op();
      static_cast<void>(new tf::kernel_factory::OpKernelRegistrar(
          tf::register_kernel::Name(spec->name().c_str()).Device(tf::DEVICE_CPU).Build(), "OpbridgeSpecKernel",
          &CreateSpecKernel));
    }
  }
};

const TfRegistration registration;

}  // namespace
}  // namespace opbridge
