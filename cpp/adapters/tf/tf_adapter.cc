// From OpSpec to a TensorFlow op and CPU kernel. The only file that includes TF.
//
// At load (tf.load_op_library), every op of origin kOpbridge is registered
// with TF: REGISTER_OP's builder gets the declaration texts verbatim, the
// shape function runs the op's shape rule, and one generic kernel class runs
// its compute for every dtype. Ops of origin kTensorFlow are TF's own and are
// left alone: TF's kernel is the reference they are tested against.
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/attr_traits.h"
#include "core/binding.h"
#include "core/float_mode.h"
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
    case tf::DT_STRING: return DType::kString;
    default: return DType::kInvalid;
  }
}

tf::Status ToTf(const OpSpec& spec, const Status& status) {
  if (status.ok()) return tf::Status();
  return tf::errors::InvalidArgument(spec.name(), ": ", status.message());
}

// TF's GetAttr for each attr value type (attr_traits.h). TF holds float
// attrs as float and types as DataType; the others read as they are.
// (absl::Status: TF's own alias of it is deprecated.)
template <typename Source, typename T>
absl::Status GetTfAttr(const Source& source, const std::string& name, T* out) {
  return source.GetAttr(name, out);
}

template <typename Source>
absl::Status GetTfAttr(const Source& source, const std::string& name, DType* out) {
  tf::DataType v;
  TF_RETURN_IF_ERROR(source.GetAttr(name, &v));
  *out = FromTf(v);
  return absl::OkStatus();
}

template <typename Source>
absl::Status GetTfAttr(const Source& source, const std::string& name, double* out) {
  float v;
  TF_RETURN_IF_ERROR(source.GetAttr(name, &v));
  *out = v;
  return absl::OkStatus();
}

template <typename Source>
absl::Status GetTfAttr(const Source& source, const std::string& name, std::vector<double>* out) {
  std::vector<float> v;
  TF_RETURN_IF_ERROR(source.GetAttr(name, &v));
  out->assign(v.begin(), v.end());
  return absl::OkStatus();
}

template <typename Source>
absl::Status GetTfAttr(const Source& source, const std::string& name, std::vector<DType>* out) {
  tf::DataTypeVector v;
  TF_RETURN_IF_ERROR(source.GetAttr(name, &v));
  out->clear();
  for (const tf::DataType t : v) out->push_back(FromTf(t));
  return absl::OkStatus();
}

// Reads every declared attr from a node (shape inference or kernel construction).
template <typename Source>
Status ReadAttrs(const OpSpec& spec, const Source& source, AttrMap* out) {
  for (const AttrSpec& attr : spec.attrs()) {
    const absl::Status st = VisitAttrType(attr.type, [&](auto traits) {
      typename decltype(traits)::Value v{};
      const absl::Status got = GetTfAttr(source, attr.name, &v);
      if (got.ok()) out->Set(attr.name, std::move(v));
      return got;
    });
    OPBRIDGE_REQUIRE(st.ok(), "attr '", attr.name, "': ", st.message());
  }
  return Status::Ok();
}

Shape FromTfShape(const tf::TensorShape& shape) {
  std::vector<int64_t> dims(static_cast<size_t>(shape.dims()));
  for (int d = 0; d < shape.dims(); ++d) dims[static_cast<size_t>(d)] = shape.dim_size(d);
  return Shape(std::move(dims));
}

tf::Status RunShapeRule(const OpSpec& spec, tf::shape_inference::InferenceContext* c) {
  NodeAttrs attrs;
  TF_RETURN_IF_ERROR(ToTf(spec, ReadAttrs(spec, *c, &attrs.map)));
  TF_RETURN_IF_ERROR(ToTf(spec, attrs.Finish(spec)));
  InputShapes inputs;
  for (int i = 0; i < c->num_inputs(); ++i) {
    const ArgSpec& arg = spec.inputs()[static_cast<size_t>(i)];
    const tf::shape_inference::ShapeHandle h = c->input(i);
    Shape shape = Shape::UnknownRank();
    if (c->RankKnown(h)) {
      std::vector<int64_t> dims(static_cast<size_t>(c->Rank(h)));
      for (int d = 0; d < c->Rank(h); ++d) dims[static_cast<size_t>(d)] = c->Value(c->Dim(h, d));
      shape = Shape(std::move(dims));
    }
    std::optional<ConstTensor> value;
    // Known string values are not offered: their views would need storage here.
    if (const tf::Tensor* t = c->input_tensor(i); t != nullptr && t->dtype() != tf::DT_STRING) {
      value = ConstTensor(&arg.name, FromTf(t->dtype()), FromTfShape(t->shape()), t->tensor_data().data());
    }
    inputs.Add(std::move(shape), ArgDType(arg, attrs.map), std::move(value));
  }
  OutputShapes outputs;
  TF_RETURN_IF_ERROR(ToTf(spec, InferShapes(spec, attrs, std::move(inputs), spec.outputs().size(), &outputs)));
  for (size_t i = 0; i < spec.outputs().size(); ++i) {
    const Shape& s = outputs.shapes[i];
    if (outputs.dynamic[i] || !s.rank_known()) {
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

// One TF kernel invocation, as the binding sees it. A string output is
// written by the kernel as std::strings or views held here (opbridge/tensor.h) and
// copied into the TF tensor's tstrings by CommitStrings after it succeeded.
class TfNode : public RuntimeNode {
 public:
  TfNode(const OpSpec& spec, tf::OpKernelContext* ctx) : spec_(spec), ctx_(ctx), parallelism_(ctx, spec.flush_denormals()) {}
  Parallelism* parallelism() override { return &parallelism_; }
  Status AllocateOutput(int i, const Shape& shape, Tensor* out) override {
    const std::string& name = spec_.outputs()[static_cast<size_t>(i)].name;
    OPBRIDGE_REQUIRE(shape.fully_known(), "output '", name, "' allocated with unknown shape ", shape.ToString());
    tf::TensorShape tf_shape;
    for (int64_t d : shape.dims()) tf_shape.AddDim(d);
    tf::Tensor* t = nullptr;
    const tf::Status st = ctx_->allocate_output(i, tf_shape, &t);
    OPBRIDGE_REQUIRE(st.ok(), st.message());
    if (t->dtype() == tf::DT_STRING) {
      StringOutput& entry = strings_[i];
      entry.tensor = t;
      entry.strings.assign(static_cast<size_t>(shape.num_elements()), std::string());
      entry.views.assign(static_cast<size_t>(shape.num_elements()), std::string_view());
      *out = Tensor(&name, DType::kString, shape, entry.strings.data());
      out->set_string_views(entry.views.data());
      return Status::Ok();
    }
    *out = Tensor(&name, FromTf(t->dtype()), shape, const_cast<char*>(t->tensor_data().data()));
    return Status::Ok();
  }
  void CommitStrings() {
    for (auto& [i, entry] : strings_) {
      auto flat = entry.tensor->flat<tf::tstring>();
      for (size_t k = 0; k < entry.strings.size(); ++k) {
        // The kernel's view where it set one, else its string (opbridge/tensor.h).
        const std::string_view view = entry.views[k];
        if (view.data() != nullptr) {
          flat(static_cast<Eigen::Index>(k)).assign(view.data(), view.size());
        } else {
          flat(static_cast<Eigen::Index>(k)) = entry.strings[k];
        }
      }
    }
  }

 private:
  struct StringOutput {
    tf::Tensor* tensor = nullptr;
    std::vector<std::string> strings;
    std::vector<std::string_view> views;  // the kernel's views, null where unset
  };
  const OpSpec& spec_;
  tf::OpKernelContext* ctx_;
  TfParallelism parallelism_;
  std::map<int, StringOutput> strings_;  // by output index; map nodes stay put
};

class SpecKernel : public tf::OpKernel {
 public:
  explicit SpecKernel(tf::OpKernelConstruction* c) : tf::OpKernel(c), spec_(FindOp(c->def().op())) {
    OP_REQUIRES(c, spec_ != nullptr, tf::errors::Internal("opbridge has no op named ", c->def().op()));
    OP_REQUIRES_OK(c, ToTf(*spec_, ReadAttrs(*spec_, *c, &attrs_.map)));
    OP_REQUIRES_OK(c, ToTf(*spec_, attrs_.Finish(*spec_)));
  }

  void Compute(tf::OpKernelContext* ctx) override {
    const OpSpec& spec = *spec_;
    std::vector<ConstTensor> inputs;
    // Kernels read a string tensor as string_views (opbridge/tensor.h); these
    // hold them for the call.
    std::vector<std::vector<std::string_view>> strings;
    strings.reserve(spec.inputs().size());
    for (size_t i = 0; i < spec.inputs().size(); ++i) {
      const tf::Tensor& t = ctx->input(static_cast<int>(i));
      const void* data = t.tensor_data().data();
      if (t.dtype() == tf::DT_STRING) {
        std::vector<std::string_view>& views = strings.emplace_back();
        const auto flat = t.flat<tf::tstring>();
        for (Eigen::Index k = 0; k < flat.size(); ++k) views.emplace_back(flat(k).data(), flat(k).size());
        data = views.data();
      }
      inputs.emplace_back(&spec.inputs()[i].name, FromTf(t.dtype()), FromTfShape(t.shape()), data);
    }
    TfNode node(spec, ctx);
    OP_REQUIRES_OK(ctx, ToTf(spec, InferAndRun(spec, attrs_, std::move(inputs), spec.outputs().size(), node)));
    node.CommitStrings();
  }

 private:
  const OpSpec* spec_;
  NodeAttrs attrs_;
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
