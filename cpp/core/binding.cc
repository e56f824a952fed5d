#include "core/binding.h"

#include <utility>

#include "core/float_mode.h"

namespace opbridge {
namespace internal {

// The contexts keep their state private; only the binding fills them.
struct ContextAccess {
  static ShapeContext MakeShapeContext(const OpSpec& spec, const NodeAttrs& attrs, InputShapes inputs,
                                       size_t num_outputs) {
    ShapeContext ctx(&spec, attrs.params.get());
    ctx.input_shapes_ = std::move(inputs.shapes);
    ctx.input_dtypes_ = std::move(inputs.dtypes);
    ctx.input_values_ = std::move(inputs.values);
    ctx.declared_outputs_ = std::move(inputs.declared_outputs);
    ctx.input_args_ = inputs.input_args;
    ctx.output_shapes_.assign(num_outputs, Shape::UnknownRank());
    ctx.output_dynamic_.assign(num_outputs, false);
    return ctx;
  }
  static void TakeOutputs(ShapeContext& ctx, OutputShapes* out) {
    out->shapes = std::move(ctx.output_shapes_);
    out->dynamic = std::move(ctx.output_dynamic_);
    out->forwards_input = ctx.forwards_input_;
  }
  static KernelContext MakeKernelContext(const OpSpec& spec, const NodeAttrs& attrs, Parallelism* parallelism,
                                         std::vector<ConstTensor> inputs, std::vector<Tensor> outputs,
                                         KernelContext::Allocator allocator, ResourceStore* resources,
                                         const std::vector<Shape>* declared_outputs) {
    KernelContext ctx(&spec, attrs.params.get(), parallelism);
    ctx.resources_ = resources;
    ctx.declared_outputs_ = declared_outputs;
    ctx.inputs_ = std::move(inputs);
    ctx.outputs_ = std::move(outputs);
    ctx.allocator_ = std::move(allocator);
    return ctx;
  }
};

}  // namespace internal

DType ArgDType(const ArgSpec& arg, const AttrMap& attrs) {
  if (arg.type_attr.empty()) return arg.fixed_type;
  const AttrValue* bound = attrs.Find(arg.type_attr);
  const DType* dtype = bound ? std::get_if<DType>(bound) : nullptr;
  return dtype ? *dtype : DType::kInvalid;
}

Status BindArgDType(const OpSpec& spec, const ArgSpec& arg, DType dtype, const char* what, AttrMap* attrs) {
  if (arg.type_attr.empty()) {
    OPBRIDGE_REQUIRE(dtype == arg.fixed_type, what, " '", arg.name, "' must be ", DTypeName(arg.fixed_type),
                     ", got ", DTypeName(dtype));
    return Status::Ok();
  }
  if (attrs->Find(arg.type_attr) != nullptr) {
    const DType expected = ArgDType(arg, *attrs);
    OPBRIDGE_REQUIRE(dtype == expected, what, " '", arg.name, "' is ", DTypeName(dtype), " but attr ",
                     arg.type_attr, " is ", DTypeName(expected));
    return Status::Ok();
  }
  const Status allowed = spec.FindAttr(arg.type_attr)->Check(AttrValue(dtype));
  OPBRIDGE_REQUIRE(allowed.ok(), what, " '", arg.name, "' has unsupported dtype ", DTypeName(dtype), " (",
                   allowed.message(), ")");
  attrs->Set(arg.type_attr, dtype);
  return Status::Ok();
}

Status RequireBuiltDType(DType dtype, const char* what, const std::string& name) {
  OPBRIDGE_REQUIRE(IsBuilt(dtype), what, " '", name, "' is ", DTypeName(dtype),
                   ", and this selective build of opbridge has kernels for ", BuiltDTypeNames(),
                   " only (build it again with a model that has this tensor: opbridge build-selective)");
  return Status::Ok();
}

Status InferShapes(const OpSpec& spec, const NodeAttrs& attrs, InputShapes inputs, size_t num_outputs,
                   OutputShapes* out) {
  ShapeContext ctx = internal::ContextAccess::MakeShapeContext(spec, attrs, std::move(inputs), num_outputs);
  OPBRIDGE_RETURN_IF_ERROR(spec.RunShapeRule(ctx));
  internal::ContextAccess::TakeOutputs(ctx, out);
  return Status::Ok();
}

Status RunKernel(const OpSpec& spec, const NodeAttrs& attrs, std::vector<ConstTensor> inputs,
                 std::vector<Tensor> outputs, const std::vector<bool>& dynamic, RuntimeNode& node) {
  // Runtimes' threads may flush subnormals already; this also honours KeepDenormals().
  const ScopedFloatMode mode(spec.flush_denormals());
  std::vector<std::string> names;
  for (const Tensor& t : outputs) names.push_back(t.has_name() ? t.name() : "?");
  KernelContext::Allocator allocator = [&node, &dynamic, names](int i, const Shape& shape, Tensor* out) {
    OPBRIDGE_REQUIRE(i >= 0 && static_cast<size_t>(i) < names.size(), "no output ", i);
    OPBRIDGE_REQUIRE(static_cast<size_t>(i) < dynamic.size() && dynamic[static_cast<size_t>(i)], "output '",
                     names[static_cast<size_t>(i)], "' was not declared dynamic by the shape rule");
    return node.AllocateOutput(i, shape, out);
  };
  KernelContext ctx = internal::ContextAccess::MakeKernelContext(spec, attrs, node.parallelism(), std::move(inputs),
                                                                 std::move(outputs), std::move(allocator),
                                                                 node.resources(), node.declared_outputs());
  return spec.RunKernel(ctx);
}

Status InferAndRun(const OpSpec& spec, const NodeAttrs& attrs, std::vector<ConstTensor> inputs,
                   size_t num_outputs, RuntimeNode& node) {
  InputShapes shapes;
  for (const ConstTensor& t : inputs) shapes.Add(t.shape(), t.dtype(), t);
  OutputShapes out;
  OPBRIDGE_RETURN_IF_ERROR(InferShapes(spec, attrs, std::move(shapes), num_outputs, &out));
  std::vector<Tensor> outputs(num_outputs);
  for (size_t i = 0; i < num_outputs; ++i) {
    if (out.dynamic[i]) {
      // Unallocated, but named for the kernel's messages.
      outputs[i] = Tensor(&spec.outputs()[i].name, DType::kInvalid, Shape::UnknownRank(), nullptr);
      continue;
    }
    OPBRIDGE_RETURN_IF_ERROR(node.AllocateOutput(static_cast<int>(i), out.shapes[i], &outputs[i]));
  }
  return RunKernel(spec, attrs, std::move(inputs), std::move(outputs), out.dynamic, node);
}

}  // namespace opbridge
