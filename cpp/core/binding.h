// The binding: the one place that runs an OpSpec on a node.
//
// A runtime adapter (TF, TFLite; next LiteRT's CompiledModel) reads its
// node's attrs and tensors into the types below and implements RuntimeNode
// (output allocation, parallelism); the binding does the rest the same way
// for all of them: type attrs against tensors, the shape rule, output
// allocation (only outputs the rule declared dynamic are the kernel's to
// allocate), the op's float mode, the kernel. Errors come back as Status;
// each adapter reports them its runtime's way, prefixed with the op name.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "opbridge/op.h"

namespace opbridge {

// A node's attrs and its parsed params, kept by the runtime for the node's life.
struct NodeAttrs {
  AttrMap map;
  std::shared_ptr<const void> params;  // OpSpec::Params's struct, read once by Finish

  // Call when every declared attr is in `map`. A node prepared again with the
  // attrs it had (TFLite re-prepares a node after an input resize, and every
  // invoke where an earlier node's output is dynamic) keeps its params, so
  // state they hold for the node lives as long as the node, as a TF kernel's
  // members do (the stateful random ops' streams, ops/random/stateful.h).
  Status Finish(const OpSpec& spec) {
    if (params != nullptr && read_from_ == map.entries()) return Status::Ok();
    read_from_.clear();
    OPBRIDGE_RETURN_IF_ERROR(spec.ReadParams(map, &params));
    read_from_ = map.entries();
    return Status::Ok();
  }

 private:
  std::vector<std::pair<std::string, AttrValue>> read_from_;  // the attrs `params` was read from
};

// The dtype an argument has on this node: fixed, or its type attr's (kInvalid if unbound).
DType ArgDType(const ArgSpec& arg, const AttrMap& attrs);

// Binds a tensor's dtype to the arg's type attr: all tensors naming T agree,
// and T is one of the declared types. A bound attr (the node's options, or an
// earlier tensor) must match; an unbound one is bound here.
Status BindArgDType(const OpSpec& spec, const ArgSpec& arg, DType dtype, const char* what, AttrMap* attrs);

// A tensor's dtype is one this library's kernels are compiled for (all, except
// in a selective build for given models: opbridge/dtype.h IsBuilt).
Status RequireBuiltDType(DType dtype, const char* what, const std::string& name);

// What the shape rule sees of the inputs.
struct InputShapes {
  std::vector<Shape> shapes;
  std::vector<DType> dtypes;
  std::vector<std::optional<ConstTensor>> values;  // known values (constants)
  // The outputs' shapes as the model declares them (ShapeContext::declared_output); empty if none.
  std::vector<Shape> declared_outputs;
  // The declared arg behind each input where the adapter flattened several
  // input lists (ShapeContext::input_name); null otherwise. Outlives the rule.
  const std::vector<const ArgSpec*>* input_args = nullptr;

  void Add(Shape shape, DType dtype, std::optional<ConstTensor> value) {
    shapes.push_back(std::move(shape));
    dtypes.push_back(dtype);
    values.push_back(std::move(value));
  }
};

// What the shape rule said of the outputs.
struct OutputShapes {
  std::vector<Shape> shapes;  // unknown rank where the rule set none
  std::vector<bool> dynamic;  // the kernel allocates these
  bool forwards_input = false;  // ShapeContext::set_forwards_input
};

Status InferShapes(const OpSpec& spec, const NodeAttrs& attrs, InputShapes inputs, size_t num_outputs,
                   OutputShapes* out);

// The runtime's side of one invocation.
class RuntimeNode {
 public:
  virtual ~RuntimeNode() = default;
  // How the kernel's ParallelFor runs; null for one thread.
  virtual Parallelism* parallelism() = 0;
  // Gives output i the fully known `shape` and returns its view. A string
  // output's view is adapter-owned std::strings (opbridge/tensor.h) the
  // adapter writes into the runtime's tensor after the kernel.
  virtual Status AllocateOutput(int i, const Shape& shape, Tensor* out) = 0;
  // The interpreter's resource store, if the runtime gives kernels one.
  virtual ResourceStore* resources() { return nullptr; }
  // The outputs' shapes as the model declares them (KernelContext::declared_output), if it does.
  virtual const std::vector<Shape>* declared_outputs() { return nullptr; }
};

// Runs the kernel on allocated outputs (`outputs[i]`; ignored where
// `dynamic[i]`: the kernel allocates those through node.AllocateOutput).
Status RunKernel(const OpSpec& spec, const NodeAttrs& attrs, std::vector<ConstTensor> inputs,
                 std::vector<Tensor> outputs, const std::vector<bool>& dynamic, RuntimeNode& node);

// For runtimes that learn shapes only at run time (TF): the shape rule on
// the actual inputs, the static outputs allocated, then the kernel.
Status InferAndRun(const OpSpec& spec, const NodeAttrs& attrs, std::vector<ConstTensor> inputs,
                   size_t num_outputs, RuntimeNode& node);

}  // namespace opbridge
