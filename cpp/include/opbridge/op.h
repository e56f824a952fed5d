// The authoring API: an op is declared once, as an OpSpec, in one file under ops/.
//
//   struct AffineParams {                      // the attrs the kernel reads
//     double alpha = 1.0;
//     static void Declare(ParamBinder& b, AffineParams& p) { b.Attr("alpha: float = 1.0", &p.alpha); }
//   };
//   Status AffineKernel(KernelContext& ctx, const AffineParams& p);
//
//   OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>Affine")
//                            .Origin(OpOrigin::kOpbridge)
//                            .Doc("y = alpha * x")
//                            .Input("x: T")
//                            .Output("y: T")
//                            .Attr("T: {float, double}")   // bound by the tensors
//                            .Params<AffineParams>()
//                            .ShapeRule(SameShapeAsInput0)
//                            .Kernel(AffineKernel));
//
// Inputs, outputs and attrs use TF's op-definition language. The shape rule
// runs in TF's shape inference and in TFLite's prepare; the kernel runs in
// both runtimes. Neither sees a TF or TFLite type: the binding
// (cpp/core/binding.h) fills the contexts for every runtime's adapter.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "opbridge/attr.h"
#include "opbridge/dtype.h"
#include "opbridge/params.h"
#include "opbridge/shape.h"
#include "opbridge/status.h"
#include "opbridge/tensor.h"

namespace opbridge {

class OpSpec;
class ResourceStore;  // opbridge/resource.h: lookup tables and models one interpreter's nodes share
namespace internal {
struct ContextAccess;  // the binding layer (cpp/core/binding.cc) fills the contexts
}  // namespace internal

// Graph-time view of a node for the shape rule. Dims may be unknown in TF.
class ShapeContext {
 public:
  const OpSpec& spec() const { return *spec_; }
  int num_inputs() const { return static_cast<int>(input_shapes_.size()); }
  int num_outputs() const { return static_cast<int>(output_shapes_.size()); }
  const Shape& input(int i) const { return input_shapes_[static_cast<size_t>(i)]; }
  DType input_dtype(int i) const { return input_dtypes_[static_cast<size_t>(i)]; }
  const std::string& input_name(int i) const;
  // The input's values when known now (a constant); nullptr otherwise.
  const ConstTensor* input_value(int i) const;

  // The output's shape as the model declares it (TFLite: the tensor's shape
  // signature, -1 for unknown dims); unknown rank where the runtime declares
  // none (TF). For ops whose converted nodes lose attrs the shapes still
  // say (ParseExampleV2's dense_shapes).
  const Shape& declared_output(int i) const;

  void set_output(int i, Shape shape) { output_shapes_[static_cast<size_t>(i)] = std::move(shape); }
  // The output's shape depends on input values: it is known only in the
  // kernel, which allocates it with KernelContext::AllocateOutput.
  void set_output_dynamic(int i) { output_dynamic_[static_cast<size_t>(i)] = true; }
  // Output 0 is input 0's bytes, unchanged and in order (a reshape, a new
  // axis, a slice that keeps everything), for this node's shapes. For an op
  // registered with MayForwardInput(), TFLite's planner may then give both
  // one buffer, and the node is not run: nothing is copied.
  void set_forwards_input() { forwards_input_ = true; }

  // Checks that tolerate unknown dims/ranks (they pass when unknown) and name
  // the input in their message.
  Status RequireRank(int input, int rank) const;
  Status RequireRankAtLeast(int input, int rank) const;
  // Dim `dim_a` of input a equals dim `dim_b` of input b (negative dims count from the end).
  Status RequireSameDim(int a, int dim_a, int b, int dim_b) const;
  Status RequireDimEquals(int input, int dim, int64_t value) const;

 private:
  friend struct internal::ContextAccess;
  friend class OpSpec;
  ShapeContext(const OpSpec* spec, const void* params) : spec_(spec), params_(params) {}

  const OpSpec* spec_;
  const void* params_;  // the op's typed params (OpSpec::Params), or null
  std::vector<Shape> input_shapes_;
  std::vector<DType> input_dtypes_;
  std::vector<std::optional<ConstTensor>> input_values_;
  // The declared arg behind each input, where the adapter flattened several
  // input lists (InputArgAt cannot tell them apart); null otherwise.
  const std::vector<const ArgSpec*>* input_args_ = nullptr;
  std::vector<Shape> declared_outputs_;
  std::vector<Shape> output_shapes_;
  std::vector<bool> output_dynamic_;
  bool forwards_input_ = false;
};

// How a runtime runs work in parallel; each adapter supplies one.
class Parallelism {
 public:
  virtual ~Parallelism() = default;
  virtual int num_threads() const = 0;
  // Calls fn(begin, end) over disjoint ranges covering [0, total).
  virtual void ParallelFor(int64_t total, int64_t cost_per_unit,
                           const std::function<void(int64_t, int64_t)>& fn) = 0;
};

// Run-time view of a node for the kernel.
class KernelContext {
 public:
  using Allocator = std::function<Status(int, const Shape&, Tensor*)>;

  const OpSpec& spec() const { return *spec_; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  const ConstTensor& input(int i) const { return inputs_[static_cast<size_t>(i)]; }
  // Outputs whose shape the rule set are allocated before the kernel runs.
  const Tensor& output(int i) const { return outputs_[static_cast<size_t>(i)]; }
  // For outputs the shape rule marked dynamic.
  Status AllocateOutput(int i, const Shape& shape);
  // As ShapeContext::declared_output.
  const Shape& declared_output(int i) const;

  // The resources (lookup tables, tokenizer models) the nodes of this
  // node's interpreter share; null where the runtime keeps its own (TF runs
  // TF's kernels for resource ops).
  ResourceStore* resources() const { return resources_; }

  int num_threads() const { return parallelism_ ? parallelism_->num_threads() : 1; }
  // Splits [0, total) over the runtime's threads. `cost_per_unit` (rough
  // nanoseconds per item) keeps small jobs on one thread. Results must not
  // depend on the split: each item is computed the same way on any thread.
  // `grain` > 1 puts every range boundary on a multiple of it (but the
  // last): a vectorized loop whose ragged tail takes a scalar path (Eigen's)
  // then treats each element the same whatever the thread count.
  void ParallelFor(int64_t total, int64_t cost_per_unit, const std::function<void(int64_t, int64_t)>& fn,
                   int64_t grain = 1) const;

 private:
  friend struct internal::ContextAccess;
  friend class OpSpec;
  KernelContext(const OpSpec* spec, const void* params, Parallelism* parallelism)
      : spec_(spec), params_(params), parallelism_(parallelism) {}

  const OpSpec* spec_;
  const void* params_;
  Parallelism* parallelism_;
  ResourceStore* resources_ = nullptr;
  std::vector<ConstTensor> inputs_;
  std::vector<Tensor> outputs_;
  const std::vector<Shape>* declared_outputs_ = nullptr;
  Allocator allocator_;
};

using ShapeFn = Status (*)(ShapeContext&);
using ComputeFn = Status (*)(KernelContext&);
// Decodes a TFLite custom op's options when they are not the converter's
// flexbuffer map (MediaPipe writes raw C structs). It sets attrs it finds;
// declared attrs it leaves unset take their defaults, and all are checked.
using OptionsDecoderFn = Status (*)(const uint8_t* data, size_t size, AttrMap* attrs);

enum class OpOrigin {
  kTensorFlow,  // a TF op TFLite lacks: TF has the op and kernel, opbridge adds the TFLite kernel
  kOpbridge,    // a new op: opbridge registers the TF op, its TF kernel and the TFLite kernel
  kTfLiteOnly,  // a TFLite custom op defined elsewhere (MediaPipe's): only the TFLite kernel
};
const char* OpOriginName(OpOrigin origin);

class OpSpec {
 public:
  // The builder's string methods, the copies and the destructor are defined
  // in op_spec.cc, not here: every op file registers its ops at load time,
  // and inlined they put about 1.3 KB of string and vector code into each
  // (700 KB of the full library; most of a small selective one's op code).
  explicit OpSpec(std::string_view name);
  OpSpec(const OpSpec& other);
  OpSpec(OpSpec&& other) noexcept;
  OpSpec& operator=(const OpSpec& other);
  OpSpec& operator=(OpSpec&& other) noexcept;
  ~OpSpec();

  OpSpec& Origin(OpOrigin origin) { origin_ = origin; return *this; }
  OpSpec& Doc(std::string_view doc);
  OpSpec& Input(std::string_view decl);
  OpSpec& Output(std::string_view decl);
  // An attr the kernel does not read (a type attr bound by the tensors, an
  // attr kept for TF's signature). Attrs the op reads are Params.
  OpSpec& Attr(std::string_view decl);
  // The attrs the op reads, declared by P::Declare (opbridge/params.h), in
  // order among the Attr() declarations. A forward op and its gradient
  // declare the same P.
  template <typename P>
  OpSpec& Params() {
    P fields{};
    return DeclareParams(params_detail::Tag<P>(), &params_detail::Read<P>, &params_detail::DeclareFields<P>,
                         &fields);
  }
  OpSpec& ShapeRule(ShapeFn fn) {
    shape_fn_ = [fn](ShapeContext& ctx) { return fn(ctx); };
    return *this;
  }
  template <typename P>
  OpSpec& ShapeRule(Status (*fn)(ShapeContext&, const P&)) {
    shape_fn_ = [fn](ShapeContext& ctx) { return fn(ctx, *static_cast<const P*>(ctx.params_)); };
    shape_params_tag_ = params_detail::Tag<P>();
    return *this;
  }
  OpSpec& Kernel(ComputeFn fn) {
    compute_fn_ = [fn](KernelContext& ctx) { return fn(ctx); };
    return *this;
  }
  template <typename P>
  OpSpec& Kernel(Status (*fn)(KernelContext&, const P&)) {
    compute_fn_ = [fn](KernelContext& ctx) { return fn(ctx, *static_cast<const P*>(ctx.params_)); };
    kernel_params_tag_ = params_detail::Tag<P>();
    return *this;
  }
  // A helper op only TF needs (a gradient): no TFLite kernel is registered.
  OpSpec& TensorFlowOnly() { tflite_ = false; return *this; }
  // Who defines a kTfLiteOnly op ("MediaPipe"); shown by `opbridge ops`.
  OpSpec& DefinedBy(std::string_view source);
  // Custom options are not a flexbuffer map: decode them with `fn`.
  OpSpec& OptionsDecoder(OptionsDecoderFn fn) { options_decoder_ = fn; return *this; }
  // This opbridge op computes TF op `tf_op` (same inputs, outputs and attrs)
  // in one kernel where the converter would lower `tf_op` into many builtins;
  // opbridge.convert substitutes it before conversion.
  OpSpec& Replaces(std::string_view tf_op);
  // Run with subnormals kept, as TF's kernel for this op does (its default is
  // to flush them: see cpp/core/float_mode.h).
  OpSpec& KeepDenormals() { flush_denormals_ = false; return *this; }
  // The op version the TFLite kernel is registered under. A resolver finds a
  // custom op only under the exact (name, version) of the model's opcode;
  // MediaPipe's V2 ops (TransformTensorBilinear, ...) are version 2.
  OpSpec& TfLiteVersion(int version) { tflite_version_ = version; return *this; }
  // The shape rule may say a node's output 0 is its input 0's bytes
  // (ShapeContext::set_forwards_input): the TFLite registration lets the
  // planner share their buffer where it can (an input that is neither a graph
  // input nor a graph output), and the adapter then skips the kernel.
  OpSpec& MayForwardInput() { may_forward_input_ = true; return *this; }
  // A list(type) input whose length TF's kernel requires to be int attr
  // `length_attr` (SparseCross's `values: sparse_types` has N tensors): the
  // TFLite adapter splits the node's inputs by it when the converter dropped
  // the list(type) attr. Only needed where an op has several input lists.
  OpSpec& ListLength(std::string_view list_input, std::string_view length_attr);

  // Parses the declarations; called once by the registry.
  Status Finalize();

  const std::string& name() const { return name_; }
  OpOrigin origin() const { return origin_; }
  const std::string& doc() const { return doc_; }
  bool has_tflite_kernel() const { return tflite_; }
  bool has_tf_op() const { return origin_ == OpOrigin::kOpbridge; }
  const std::string& defined_by() const { return defined_by_; }
  OptionsDecoderFn options_decoder() const { return options_decoder_; }
  const std::string& replaces() const { return replaces_; }
  bool flush_denormals() const { return flush_denormals_; }
  int tflite_version() const { return tflite_version_; }
  bool may_forward_input() const { return may_forward_input_; }
  const std::vector<std::string>& input_texts() const { return input_texts_; }
  const std::vector<std::string>& output_texts() const { return output_texts_; }
  const std::vector<std::string>& attr_texts() const { return attr_texts_; }
  const std::vector<ArgSpec>& inputs() const { return inputs_; }
  const std::vector<ArgSpec>& outputs() const { return outputs_; }
  const std::vector<AttrSpec>& attrs() const { return attrs_; }
  const AttrSpec* FindAttr(const std::string& name) const;
  // The position of the input list among the declared inputs, -1 if none (at
  // most one). Its tensors take the node inputs the other declared inputs
  // leave, in order: ConcatV2's `values: N * T` comes before `axis`.
  int input_list() const { return input_list_; }
  // Every input list's position, in order (input_lists()[0] == input_list()).
  // Several lists: each N * T list has its N from the options, each
  // list(type) list the length of its attr or of its ListLength attr; one
  // list at most may have neither and takes the tensors the others leave.
  const std::vector<int>& input_lists() const { return input_lists_; }
  // The int attr giving list(type) input `arg`'s length (ListLength), or empty.
  const std::string& list_length_attr(const ArgSpec& arg) const;
  // The position of the list(type) output among the declared outputs, -1 if
  // none (at most one). Without its attr in the options (the converter drops
  // list(type) attrs) it takes the node outputs the others leave, its types
  // bound from those tensors.
  int output_type_list() const { return output_type_list_; }
  // The declared input behind node input i of a node with num_inputs inputs
  // (one input list at most; with several the adapter flattens them).
  const ArgSpec& InputArgAt(int i, int num_inputs) const;
  // A type attr, a list(type) attr or an input list's length: adapters take
  // it from the node's tensors where the node's attrs do not give it.
  bool AttrBoundByTensors(const AttrSpec& attr) const;
  // The attrs Params<P>() declared, by name in declaration order.
  const std::vector<std::string>& param_names() const { return param_names_; }
  // Fills the op's params from a node's attrs (every declared attr present);
  // null params when the op declares none.
  Status ReadParams(const AttrMap& attrs, std::shared_ptr<const void>* out) const;
  Status RunShapeRule(ShapeContext& ctx) const { return shape_fn_(ctx); }
  Status RunKernel(KernelContext& ctx) const { return compute_fn_(ctx); }

 private:
  Status CheckParams();
  using ParamsReader = Status (*)(const std::vector<std::string>&, const AttrMap&, std::shared_ptr<const void>*);
  // Params<P>()'s work, out of line: runs `declare` on `fields` (a P) in
  // declare mode and keeps the declarations.
  OpSpec& DeclareParams(const void* tag, ParamsReader reader, void (*declare)(ParamBinder&, void*), void* fields);

  std::string name_;
  OpOrigin origin_ = OpOrigin::kOpbridge;
  std::string doc_;
  bool tflite_ = true;
  std::string defined_by_;
  OptionsDecoderFn options_decoder_ = nullptr;
  std::string replaces_;
  bool flush_denormals_ = true;
  int tflite_version_ = 1;
  bool may_forward_input_ = false;
  int input_list_ = -1;
  std::vector<int> input_lists_;
  std::vector<std::pair<std::string, std::string>> list_lengths_;  // (list(type) input, int attr)
  int output_type_list_ = -1;
  std::vector<std::string> input_texts_, output_texts_, attr_texts_;
  std::vector<ArgSpec> inputs_, outputs_;
  std::vector<AttrSpec> attrs_;
  std::vector<std::string> builder_errors_;
  const void* params_tag_ = nullptr;
  const void* shape_params_tag_ = nullptr;
  const void* kernel_params_tag_ = nullptr;
  ParamsReader params_reader_ = nullptr;
  std::vector<ParamBinder::Declared> param_declared_;
  std::vector<std::string> param_names_;
  std::function<Status(ShapeContext&)> shape_fn_;
  std::function<Status(KernelContext&)> compute_fn_;
};

// The ops compiled into this library, in registration order. A spec that
// fails Finalize is kept out and its error listed in RegistrationErrors().
const std::vector<const OpSpec*>& RegisteredOps();
const OpSpec* FindOp(const std::string& name);
const std::vector<std::string>& RegistrationErrors();

struct OpRegistrar {
  explicit OpRegistrar(OpSpec spec);
};

// Common shape rules.
Status SameShapeAsInput0(ShapeContext& ctx);

}  // namespace opbridge

#define OPBRIDGE_CONCAT_INNER(a, b) a##b
#define OPBRIDGE_CONCAT(a, b) OPBRIDGE_CONCAT_INNER(a, b)
#define OPBRIDGE_STRINGIFY_INNER(a) #a
#define OPBRIDGE_STRINGIFY(a) OPBRIDGE_STRINGIFY_INNER(a)
// Registers an op at load time. init_priority makes every op register before
// the adapters' own load-time code (default priority) walks the registry.
#define OPBRIDGE_REGISTER_OP(spec)                                          \
  static ::opbridge::OpRegistrar OPBRIDGE_CONCAT(opbridge_registrar_, __COUNTER__) \
      __attribute__((init_priority(1000), used)) = ::opbridge::OpRegistrar(std::move(spec))
