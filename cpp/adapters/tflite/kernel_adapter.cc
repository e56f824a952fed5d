#include "adapters/tflite/kernel_adapter.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string_view>
#include <utility>

#include "core/binding.h"
#include "core/utf8_escape.h"
#include "adapters/tflite/attr_decoding.h"
#include "adapters/tflite/resource_store.h"
#include "adapters/tflite/select_tf_options.h"
#include "adapters/tflite/string_tensor.h"
#include "adapters/tflite/thread_pool.h"

namespace opbridge {
namespace {

using namespace tflite_abi;  // NOLINT: the ABI names read like TFLite's own

// Per-node state, owned by the runtime through node->user_data.
struct NodeState {
  const OpSpec* spec = nullptr;
  NodeAttrs attrs;
  std::string init_error;
  std::vector<bool> output_dynamic;
  // The shape rule said output 0 is input 0's bytes (OpSpec::MayForwardInput).
  bool forwards_input = false;
  // The node's inputs and outputs in order, each list's arg repeated once per tensor.
  std::vector<const ArgSpec*> inputs, outputs;
  // The interpreter's resources, for nodes with a resource input or output;
  // each such node keeps the store alive (resource_store.h).
  std::shared_ptr<ResourceStore> resources;
  // String outputs' storage by output index, kept from one invocation to the
  // next so that its strings keep their buffers (constructing, destroying
  // and re-allocating them per call was a fifth of GatherV2's time on
  // strings). TFLite invokes a node from one thread at a time.
  struct StringOutputData {
    Shape shape;
    std::vector<std::string> strings;
    std::vector<std::string_view> views;  // the kernel's views, null where unset
  };
  std::map<int, StringOutputData> string_outputs;
  // The outputs' shapes as the model declares them (KernelContext::declared_output).
  std::vector<Shape> declared_outputs;
};

// A selective build whose ops never read declared_output(), or declare no
// list(type) output, leaves that code out (cmake/SelectiveOps.cmake; docs/size.md).
#ifdef OPBRIDGE_WITHOUT_DECLARED_OUTPUTS
constexpr bool kDeclaredOutputs = false;
#else
constexpr bool kDeclaredOutputs = true;
#endif
#ifdef OPBRIDGE_WITHOUT_OUTPUT_TYPE_LISTS
constexpr bool kOutputTypeLists = false;
#else
constexpr bool kOutputTypeLists = true;
#endif
// ... and one that declares no op with several input lists leaves out their splitting.
#ifdef OPBRIDGE_WITHOUT_INPUT_LISTS
constexpr bool kInputLists = false;
#else
constexpr bool kInputLists = true;
#endif

// Caps a list output's length: far beyond any real op, it only bounds what a
// corrupted model can make us allocate.
constexpr int64_t kMaxListLength = 1 << 16;

bool IsTypeList(const OpSpec& spec, const ArgSpec& arg) {
  if (arg.type_attr.empty()) return false;
  const AttrSpec* attr = spec.FindAttr(arg.type_attr);
  return attr != nullptr && attr->type == AttrType::kListType;
}

// Each output arg repeated once per tensor. A list(type) output has its
// attr's length when the options give it, else the node's outputs the other
// args leave.
Status FlattenOutputs(const OpSpec& spec, const AttrMap& attrs, int node_outputs, std::vector<const ArgSpec*>* out) {
  out->clear();
  std::vector<int64_t> counts;
  int64_t fixed = 0;
  int open = -1;
  for (const ArgSpec& arg : spec.outputs()) {
    int64_t count = 1;
    if (kOutputTypeLists && IsTypeList(spec, arg)) {
      const AttrValue* value = attrs.Find(arg.type_attr);
      const auto* types = value ? std::get_if<std::vector<DType>>(value) : nullptr;
      if (types == nullptr) {
        open = static_cast<int>(counts.size());
        count = 0;
      } else {
        count = static_cast<int64_t>(types->size());
      }
    } else if (!arg.number_attr.empty()) {
      const AttrValue* value = attrs.Find(arg.number_attr);
      const int64_t* length = value ? std::get_if<int64_t>(value) : nullptr;
      OPBRIDGE_REQUIRE(length != nullptr, "attr '", arg.number_attr, "' (length of output list '", arg.name,
                       "') is missing");
      count = *length;
      OPBRIDGE_REQUIRE(count >= 0 && count <= kMaxListLength, "attr '", arg.number_attr, "' is ", count,
                       ", not a valid length for output list '", arg.name, "'");
    }
    fixed += count;
    counts.push_back(count);
  }
  if (kOutputTypeLists && open >= 0) {
    const ArgSpec& list = spec.outputs()[static_cast<size_t>(open)];
    OPBRIDGE_REQUIRE(node_outputs >= fixed, "expects at least ", fixed, " outputs besides list '", list.name,
                     "', the node has ", node_outputs);
    counts[static_cast<size_t>(open)] = node_outputs - fixed;
  }
  for (size_t k = 0; k < counts.size(); ++k) {
    out->insert(out->end(), static_cast<size_t>(counts[k]), &spec.outputs()[k]);
  }
  return Status::Ok();
}

// An int attr the options give, or null; one they give must be a valid list length.
Status GivenLength(const AttrMap& attrs, const std::string& attr, const ArgSpec& list, const int64_t** out) {
  *out = nullptr;
  const AttrValue* given = attrs.Find(attr);
  if (given == nullptr) return Status::Ok();
  const int64_t* n = std::get_if<int64_t>(given);
  OPBRIDGE_REQUIRE(n != nullptr && *n >= 0 && *n <= kMaxListLength, "attr ", attr, " is ",
                   AttrValueToString(*given), ", not a valid length for input list '", list.name, "'");
  *out = n;
  return Status::Ok();
}

// Several input lists (SparseConcat's indices, values and shapes; SparseCross's
// four): the converter keeps int attrs (N) but drops list(type) ones, so each
// N * T list has N tensors, each list(type) list its attr's length if the
// options kept it, else its ListLength attr's; the one list with neither
// (SparseCross's dense_inputs) takes the tensors the others leave, and an
// N it has is bound to that count.
Status FlattenInputLists(const OpSpec& spec, int node_inputs, AttrMap* attrs, std::vector<const ArgSpec*>* out) {
  const std::vector<ArgSpec>& args = spec.inputs();
  std::vector<int64_t> counts(args.size(), 1);
  int open = -1;
  int64_t fixed = 0;
  for (int k : spec.input_lists()) {
    const ArgSpec& list = args[static_cast<size_t>(k)];
    const int64_t* length = nullptr;
    if (!list.number_attr.empty()) {
      OPBRIDGE_RETURN_IF_ERROR(GivenLength(*attrs, list.number_attr, list, &length));
    } else if (const AttrValue* types = attrs->Find(list.type_attr)) {
      const auto* dtypes = std::get_if<std::vector<DType>>(types);
      OPBRIDGE_REQUIRE(dtypes != nullptr, "attr ", list.type_attr, " is not a list of types");
      counts[static_cast<size_t>(k)] = static_cast<int64_t>(dtypes->size());
      length = &counts[static_cast<size_t>(k)];
    } else if (!spec.list_length_attr(list).empty()) {
      OPBRIDGE_RETURN_IF_ERROR(GivenLength(*attrs, spec.list_length_attr(list), list, &length));
    }
    if (length == nullptr) {
      OPBRIDGE_REQUIRE(open < 0, "input lists '", args[static_cast<size_t>(open)].name, "' and '", list.name,
                       "' both have a length the options do not give");
      open = k;
      continue;
    }
    counts[static_cast<size_t>(k)] = *length;
  }
  for (size_t k = 0; k < args.size(); ++k) fixed += static_cast<int>(k) == open ? 0 : counts[k];
  if (open >= 0) {
    const ArgSpec& list = args[static_cast<size_t>(open)];
    OPBRIDGE_REQUIRE(node_inputs >= fixed, "expects at least ", fixed, " inputs besides list '", list.name,
                     "', the node has ", node_inputs);
    counts[static_cast<size_t>(open)] = node_inputs - fixed;
    if (!list.number_attr.empty()) {
      const AttrValue bound(counts[static_cast<size_t>(open)]);
      OPBRIDGE_RETURN_IF_ERROR(spec.FindAttr(list.number_attr)->Check(bound));
      attrs->Set(list.number_attr, bound);
    }
  } else {
    OPBRIDGE_REQUIRE(node_inputs == fixed, "expects ", fixed, " inputs (by the lists' length attrs), the node has ",
                     node_inputs);
  }
  for (size_t k = 0; k < counts.size(); ++k) out->insert(out->end(), static_cast<size_t>(counts[k]), &args[k]);
  return Status::Ok();
}

// The input list (if any) takes the tensors the other inputs leave;
// its length attr, when the options give it, must agree, and is bound when not.
Status FlattenInputs(const OpSpec& spec, int node_inputs, AttrMap* attrs, std::vector<const ArgSpec*>* out) {
  out->clear();
  const std::vector<ArgSpec>& args = spec.inputs();
  if (spec.input_list() < 0) {
    OPBRIDGE_REQUIRE(node_inputs == static_cast<int>(args.size()), "expects ", args.size(),
                     " inputs, the node has ", node_inputs);
    for (const ArgSpec& arg : args) out->push_back(&arg);
    return Status::Ok();
  }
  // (A selective build has such an op only with kInputLists: CMakeLists.txt.)
  if (kInputLists && spec.input_lists().size() > 1) return FlattenInputLists(spec, node_inputs, attrs, out);
  const int fixed = static_cast<int>(args.size()) - 1;
  OPBRIDGE_REQUIRE(node_inputs >= fixed, "expects at least ", fixed, " inputs, the node has ", node_inputs);
  const int64_t length = node_inputs - fixed;
  const ArgSpec& list = args[static_cast<size_t>(spec.input_list())];
  if (!list.number_attr.empty()) {
    const AttrValue* given = attrs->Find(list.number_attr);
    if (given == nullptr) {
      const AttrValue bound(length);
      OPBRIDGE_RETURN_IF_ERROR(spec.FindAttr(list.number_attr)->Check(bound));
      attrs->Set(list.number_attr, bound);
    } else {
      const int64_t* n = std::get_if<int64_t>(given);
      OPBRIDGE_REQUIRE(n != nullptr && *n == length, "input list '", list.name, "' has ", length,
                       " tensors but attr ", list.number_attr, " is ", AttrValueToString(*given));
    }
  }
  for (int i = 0; i < node_inputs; ++i) out->push_back(&spec.InputArgAt(i, node_inputs));
  return Status::Ok();
}

// Binds a list(type) attr to the dtypes of its list's tensors.
Status BindTypeList(const OpSpec& spec, const ArgSpec& arg, const std::vector<DType>& dtypes, AttrMap* attrs,
                    const char* what = "input") {
  if (const AttrValue* given = attrs->Find(arg.type_attr)) {
    const auto* types = std::get_if<std::vector<DType>>(given);
    OPBRIDGE_REQUIRE(types != nullptr && *types == dtypes, what, " list '", arg.name, "' has types ",
                     AttrValueToString(AttrValue(dtypes)), " but attr ", arg.type_attr, " is ",
                     AttrValueToString(*given));
    return Status::Ok();
  }
  const AttrValue bound(dtypes);
  OPBRIDGE_RETURN_IF_ERROR(spec.FindAttr(arg.type_attr)->Check(bound));
  attrs->Set(arg.type_attr, bound);
  return Status::Ok();
}

// Rank cap: TF kernels reject far lower ranks; this only bounds what a
// corrupted model can make us allocate.
constexpr int kMaxRank = 64;

void Report(TfLiteContext* context, const OpSpec* spec, const std::string& message) {
  const std::string text = (spec ? spec->name() + ": " : std::string("opbridge: ")) + EscapeInvalidUtf8(message);
  context->ReportError(context, "%s", text.c_str());
}

Status TensorAt(const TfLiteContext* context, const TfLiteIntArray* indices, int k, const char* what,
                const std::string& arg_name, TfLiteTensor** out) {
  const int index = indices->data[k];
  OPBRIDGE_REQUIRE(index >= 0 && static_cast<size_t>(index) < context->tensors_size, what, " '", arg_name,
                   "' refers to tensor ", index, ", which does not exist (", context->tensors_size,
                   " tensors)");
  *out = &context->tensors[index];
  return Status::Ok();
}

Status ShapeOf(const TfLiteTensor* tensor, const char* what, const std::string& arg_name, Shape* out) {
  OPBRIDGE_REQUIRE(tensor->dims != nullptr, what, " '", arg_name, "' has no shape");
  const int rank = tensor->dims->size;
  OPBRIDGE_REQUIRE(rank >= 0 && rank <= kMaxRank, what, " '", arg_name, "' has rank ", rank);
  std::vector<int64_t> dims(static_cast<size_t>(rank));
  for (int d = 0; d < rank; ++d) {
    dims[static_cast<size_t>(d)] = tensor->dims->data[d];
    OPBRIDGE_REQUIRE(dims[static_cast<size_t>(d)] >= 0, what, " '", arg_name, "' has negative dim ",
                     dims[static_cast<size_t>(d)]);
  }
  *out = Shape(std::move(dims));
  return Status::Ok();
}

Status Resize(TfLiteContext* context, TfLiteTensor* tensor, const Shape& shape, const std::string& name) {
  OPBRIDGE_REQUIRE(shape.fully_known(), "the shape rule left output '", name, "' as ", shape.ToString());
  OPBRIDGE_REQUIRE(shape.rank() <= kMaxRank, "output '", name, "' would have rank ", shape.rank());
  auto* dims = static_cast<TfLiteIntArray*>(std::malloc(sizeof(int) * (1 + static_cast<size_t>(shape.rank()))));
  OPBRIDGE_REQUIRE(dims != nullptr, "out of memory");
  dims->size = shape.rank();
  for (int d = 0; d < shape.rank(); ++d) {
    if (shape.dim(d) > INT_MAX) {
      std::free(dims);
      return Errorf("output '", name, "' dim ", d, " is ", shape.dim(d), ", beyond TFLite's int32 dims");
    }
    dims->data[d] = static_cast<int>(shape.dim(d));
  }
  // ResizeTensor takes ownership of dims.
  OPBRIDGE_REQUIRE(context->ResizeTensor(context, tensor, dims) == kTfLiteOk, "could not resize output '",
                   name, "' to ", shape.ToString());
  return Status::Ok();
}

Status CheckData(const TfLiteTensor* tensor, DType dtype, const Shape& shape, const char* what,
                 const std::string& name) {
  const int64_t n = shape.num_elements();
  if (n == 0) return Status::Ok();
  const auto size = static_cast<uint64_t>(DTypeSize(dtype));
  OPBRIDGE_REQUIRE(size > 0 && static_cast<uint64_t>(n) <= UINT64_MAX / size, what, " '", name,
                   "' is too large");
  OPBRIDGE_REQUIRE(tensor->data != nullptr, what, " '", name, "' has no data");
  OPBRIDGE_REQUIRE(tensor->bytes >= static_cast<uint64_t>(n) * size, what, " '", name, "' holds ",
                   tensor->bytes, " bytes, its shape ", shape.ToString(), " needs ",
                   static_cast<uint64_t>(n) * size);
  return Status::Ok();
}

// A resource handle tensor holds one int32 id per element (TFLite's
// convention, opbridge/resource.h).
constexpr uint64_t kResourceHandleBytes = 4;

Status CheckResourceData(const TfLiteTensor* tensor, const Shape& shape, const std::string& name) {
  const auto n = static_cast<uint64_t>(shape.num_elements());
  OPBRIDGE_REQUIRE(n == 0 || tensor->data != nullptr, "input '", name, "' has no data");
  OPBRIDGE_REQUIRE(n <= UINT64_MAX / kResourceHandleBytes && tensor->bytes >= n * kResourceHandleBytes, "input '", name, "' holds ", tensor->bytes,
                   " bytes, too few for ", n, " resource handles of ", kResourceHandleBytes, " bytes");
  return Status::Ok();
}

// Gives a resource output the bytes of its handles. The runtime allocates
// nothing for resource tensors (kTfLiteDynamic from model load, data NULL
// until a kernel writes): the buffer is malloc'd and handed over, as TFLite's
// own HASHTABLE kernel does, the runtime freeing it with free().
Status ResourceOutputData(TfLiteTensor* tensor, const Shape& shape, const std::string& name) {
  const auto n = std::max<uint64_t>(static_cast<uint64_t>(shape.num_elements()), 1);
  OPBRIDGE_REQUIRE(n <= (1u << 20), "output '", name, "' would hold ", n, " resource handles");
  const uint64_t needed = n * kResourceHandleBytes;
  if (tensor->data != nullptr && tensor->bytes >= needed) return Status::Ok();
  OPBRIDGE_REQUIRE(tensor->allocation_type == kTfLiteDynamic, "output '", name,
                   "' is a resource tensor the runtime did not make dynamic (allocation type ",
                   static_cast<int>(tensor->allocation_type), ")");
  void* buffer = std::malloc(static_cast<size_t>(needed));
  OPBRIDGE_REQUIRE(buffer != nullptr, "out of memory for output '", name, "'");
  std::memset(buffer, 0, static_cast<size_t>(needed));
  std::free(tensor->data);
  tensor->data = buffer;
  tensor->bytes = static_cast<size_t>(needed);
  return Status::Ok();
}

// A tensor's data where its element type may be loaded from: a model's
// constant buffers are only 4-byte aligned in the flatbuffer, so an int64,
// double or complex constant can sit at an address a typed load of it is
// undefined at (UBSan's finding). Such data is copied into `copies`, which
// the caller keeps for the call (AlignedData); aligned data (every arena tensor) is used
// as is. Prepare offers shape rules only aligned constants.
// Only 8-byte element types can be misaligned in 4-byte-aligned buffers: a
// build without them (a float model's selective build) leaves the copying out.
constexpr bool kMayMisalign =
    IsBuilt(DType::kInt64) || IsBuilt(DType::kUInt64) || IsBuilt(DType::kFloat64) || IsBuilt(DType::kComplex128);

bool IsAligned(const TfLiteTensor* tensor, DType dtype) {
  if (!kMayMisalign) return true;
  const size_t align = dtype == DType::kComplex64    ? alignof(float)
                       : dtype == DType::kComplex128 ? alignof(double)
                                                     : static_cast<size_t>(std::max(DTypeSize(dtype), 1));
  return reinterpret_cast<uintptr_t>(tensor->data) % align == 0;
}

// Aligned copies of an invocation's misaligned inputs (malloc: aligned for
// every element type), freed when the call ends.
struct AlignedCopies {
  std::vector<void*> buffers;
  AlignedCopies() = default;
  AlignedCopies(const AlignedCopies&) = delete;
  AlignedCopies& operator=(const AlignedCopies&) = delete;
  ~AlignedCopies() {
    for (void* b : buffers) std::free(b);
  }
};

Status AlignedData(const TfLiteTensor* tensor, DType dtype, const std::string& name, AlignedCopies* copies,
                   const void** data) {
  *data = tensor->data;
  if (tensor->data == nullptr || tensor->bytes == 0 || IsAligned(tensor, dtype)) return Status::Ok();
  void* copy = std::malloc(std::max<size_t>(tensor->bytes, 1));
  OPBRIDGE_REQUIRE(copy != nullptr, "out of memory aligning input '", name, "' (", tensor->bytes, " bytes)");
  copies->buffers.push_back(copy);
  std::memcpy(copy, tensor->data, tensor->bytes);
  *data = copy;
  return Status::Ok();
}

Status PrepareNode(TfLiteContext* context, TfLiteNode* node, NodeState* state) {
  const OpSpec& spec = *state->spec;
  AttrMap& attrs = state->attrs.map;
  OPBRIDGE_REQUIRE(state->init_error.empty(), state->init_error);
  OPBRIDGE_REQUIRE(node->inputs != nullptr, "the node has no input list");
  OPBRIDGE_RETURN_IF_ERROR(FlattenInputs(spec, node->inputs->size, &attrs, &state->inputs));
  OPBRIDGE_RETURN_IF_ERROR(FlattenOutputs(spec, attrs, node->outputs ? node->outputs->size : 0, &state->outputs));
  const std::vector<const ArgSpec*>& outputs = state->outputs;
  OPBRIDGE_REQUIRE(node->outputs && node->outputs->size == static_cast<int>(outputs.size()), "expects ",
                   outputs.size(), " outputs, the node has ", node->outputs ? node->outputs->size : 0);

  InputShapes inputs;
  // Each list(type) input's tensors' dtypes (one list at most without kInputLists).
  std::vector<std::vector<DType>> list_types(kInputLists ? spec.inputs().size() : 1);
  for (size_t i = 0; i < state->inputs.size(); ++i) {
    const ArgSpec& arg = *state->inputs[i];
    TfLiteTensor* tensor;
    Shape shape;
    OPBRIDGE_RETURN_IF_ERROR(TensorAt(context, node->inputs, static_cast<int>(i), "input", arg.name, &tensor));
    const DType dtype = DTypeFromTfLiteType(tensor->type);
    OPBRIDGE_REQUIRE(dtype != DType::kInvalid, "input '", arg.name, "' has TFLite type ",
                     static_cast<int>(tensor->type), ", which opbridge does not support");
    OPBRIDGE_RETURN_IF_ERROR(RequireBuiltDType(dtype, "input", arg.name));
    if (IsTypeList(spec, arg)) {
      list_types[kInputLists ? static_cast<size_t>(&arg - spec.inputs().data()) : 0].push_back(dtype);
    } else {
      OPBRIDGE_RETURN_IF_ERROR(BindArgDType(spec, arg, dtype, "input", &attrs));
    }
    OPBRIDGE_RETURN_IF_ERROR(ShapeOf(tensor, "input", arg.name, &shape));
    std::optional<ConstTensor> value;
    const bool constant = tensor->allocation_type == kTfLiteMmapRo || tensor->allocation_type == kTfLitePersistentRo;
    // Known string values are not offered: their views would need storage here.
    // Nor misaligned ones (IsAligned): the shape rule sees them as unknown and the kernel gets an aligned copy.
    if (constant && dtype != DType::kString && IsAligned(tensor, dtype) &&
        CheckData(tensor, dtype, shape, "input", arg.name).ok()) {
      value = ConstTensor(&arg.name, dtype, shape, tensor->data);
    }
    inputs.Add(std::move(shape), dtype, std::move(value));
  }
  for (int k : spec.input_lists()) {
    const ArgSpec& list = spec.inputs()[static_cast<size_t>(k)];
    if (IsTypeList(spec, list)) {
      OPBRIDGE_RETURN_IF_ERROR(BindTypeList(spec, list, list_types[kInputLists ? static_cast<size_t>(k) : 0], &attrs));
    }
    if (!kInputLists) break;
  }
  if (kInputLists && spec.input_lists().size() > 1) inputs.input_args = &state->inputs;
  std::vector<DType> output_list_types;  // the list(type) output's tensors' dtypes
  // The declared shapes are recorded at the first prepare (again only if that one failed midway).
  const bool record_declared = kDeclaredOutputs && state->declared_outputs.size() != outputs.size();
  if (record_declared) state->declared_outputs.clear();
  for (size_t i = 0; i < outputs.size(); ++i) {
    const ArgSpec& arg = *outputs[i];
    TfLiteTensor* tensor;
    OPBRIDGE_RETURN_IF_ERROR(TensorAt(context, node->outputs, static_cast<int>(i), "output", arg.name, &tensor));
    const DType actual = DTypeFromTfLiteType(tensor->type);
    if (actual != DType::kInvalid) OPBRIDGE_RETURN_IF_ERROR(RequireBuiltDType(actual, "output", arg.name));
    if (record_declared) {
      // The model's shape for it, kept from the first prepare (before any
      // resize of ours): the shape signature (-1 for unknown dims), else its dims.
      const TfLiteIntArray* declared = tensor->dims_signature != nullptr && tensor->dims_signature->size > 0
                                           ? tensor->dims_signature
                                           : tensor->dims;
      Shape shape = Shape::UnknownRank();
      if (declared != nullptr && declared->size >= 0 && declared->size <= kMaxRank) {
        std::vector<int64_t> dims(declared->data, declared->data + declared->size);
        for (int64_t& d : dims) d = d < 0 ? kUnknownDim : d;
        shape = Shape(std::move(dims));
      }
      state->declared_outputs.push_back(std::move(shape));
    }
    if (kOutputTypeLists && IsTypeList(spec, arg)) {
      OPBRIDGE_REQUIRE(actual != DType::kInvalid, "output '", arg.name, "' has TFLite type ",
                       static_cast<int>(tensor->type), ", which opbridge does not support");
      output_list_types.push_back(actual);
      continue;
    }
    // A type attr only outputs use (out_idx) and the options do not give is
    // read off the output tensor, as TF's type inference would have set it.
    if (!arg.type_attr.empty() && attrs.Find(arg.type_attr) == nullptr && actual != DType::kInvalid) {
      OPBRIDGE_RETURN_IF_ERROR(BindArgDType(spec, arg, actual, "output", &attrs));
    }
    const DType expected = ArgDType(arg, attrs);
    OPBRIDGE_REQUIRE(actual == expected, "output '", arg.name, "' is ", DTypeName(actual), ", expected ",
                     DTypeName(expected));
  }
  if (kOutputTypeLists && spec.output_type_list() >= 0) {
    OPBRIDGE_RETURN_IF_ERROR(BindTypeList(spec, spec.outputs()[static_cast<size_t>(spec.output_type_list())],
                                          output_list_types, &attrs, "output"));
  }
  // IsBuilt: a selective build without string or resource tensors (refused
  // above) leaves their code out (docs/size.md).
  bool uses_resources = false;
  for (DType dtype : inputs.dtypes) uses_resources |= dtype == DType::kResource;
  for (const ArgSpec* arg : outputs) uses_resources |= ArgDType(*arg, attrs) == DType::kResource;
  if (IsBuilt(DType::kResource) && uses_resources && state->resources == nullptr) {
    OPBRIDGE_RETURN_IF_ERROR(AcquireResourceStore(context, &state->resources));
  }
  for (const AttrSpec& attr : spec.attrs()) {
    OPBRIDGE_REQUIRE(attrs.Find(attr.name) != nullptr, "type attr '", attr.name,
                     "' is neither in the custom options nor bound by a tensor");
  }
  OPBRIDGE_RETURN_IF_ERROR(state->attrs.Finish(spec));

  if (kDeclaredOutputs) inputs.declared_outputs = state->declared_outputs;
  OutputShapes shapes;
  OPBRIDGE_RETURN_IF_ERROR(InferShapes(spec, state->attrs, std::move(inputs), outputs.size(), &shapes));
  state->output_dynamic = shapes.dynamic;
  state->forwards_input = spec.may_forward_input() && shapes.forwards_input && !shapes.dynamic.empty() &&
                          !shapes.dynamic[0] && node->inputs->size > 0;
  for (size_t i = 0; i < outputs.size(); ++i) {
    TfLiteTensor* tensor = &context->tensors[node->outputs->data[i]];
    if (shapes.dynamic[i]) {
      if (tensor->allocation_type != kTfLiteDynamic) {
        tensor->allocation_type = kTfLiteDynamic;
        tensor->data = nullptr;
      }
      continue;
    }
    if (i == 0 && spec.may_forward_input() && !state->forwards_input && node->inputs->size > 0 &&
        node->inputs->data[0] >= 0) {
      // The planner shares input 0's buffer with output 0 whenever both are
      // arena tensors of equal bytes; this node's output is not its input's
      // bytes (a reversal keeps the size), so it must not: a heap output
      // takes it out of the arena.
      const TfLiteTensor& input = context->tensors[node->inputs->data[0]];
      const auto bytes = static_cast<uint64_t>(shapes.shapes[0].num_elements()) *
                         static_cast<uint64_t>(DTypeSize(DTypeFromTfLiteType(tensor->type)));
      if (tensor->allocation_type == kTfLiteArenaRw && input.allocation_type == kTfLiteArenaRw &&
          bytes == input.bytes) {
        tensor->allocation_type = kTfLiteDynamic;
        tensor->data = nullptr;
      }
    }
    OPBRIDGE_RETURN_IF_ERROR(Resize(context, tensor, shapes.shapes[i], outputs[i]->name));
  }
  return Status::Ok();
}

// One TFLite invocation, as the binding sees it. String outputs are
// std::strings and views held here for the call (opbridge/tensor.h) and
// written into TFLite's buffers by CommitStrings once the kernel succeeded.
class TfLiteNodeView : public RuntimeNode {
 public:
  TfLiteNodeView(TfLiteContext* context, TfLiteNode* node, NodeState* state)
      : context_(context), node_(node), state_(state),
        parallelism_(context->recommended_num_threads, state->spec->flush_denormals()) {}
  Parallelism* parallelism() override { return &parallelism_; }
  ResourceStore* resources() override { return state_->resources.get(); }
  const std::vector<Shape>* declared_outputs() override { return &state_->declared_outputs; }
  Status AllocateOutput(int i, const Shape& shape, Tensor* out) override {
    const std::string& name = state_->outputs[static_cast<size_t>(i)]->name;
    TfLiteTensor* tensor = &context_->tensors[node_->outputs->data[i]];
    const DType dtype = DTypeFromTfLiteType(tensor->type);
    if (IsBuilt(DType::kString) && dtype == DType::kString) return StringOutput(i, shape, out);
    // An output bound to a caller's buffer (kTfLiteCustom: LiteRT's CompiledModel
    // binds the output buffers it is given, sized before the run) cannot grow
    // here: ResizeTensor would record the new size over the caller's memory.
    if (tensor->allocation_type == kTfLiteCustom && shape.fully_known()) {
      const auto size = static_cast<uint64_t>(DTypeSize(dtype));
      OPBRIDGE_REQUIRE(size == 0 || static_cast<uint64_t>(shape.num_elements()) <= tensor->bytes / size, "output '",
                       name, "' has shape ", shape.ToString(), " (its size depends on input values) but is bound to a ",
                       "caller's buffer of ", tensor->bytes, " bytes, fixed before the run (LiteRT's CompiledModel)");
    }
    OPBRIDGE_RETURN_IF_ERROR(Resize(context_, tensor, shape, name));
    OPBRIDGE_RETURN_IF_ERROR(CheckData(tensor, dtype, shape, "output", name));
    *out = Tensor(&name, dtype, shape, tensor->data);
    return Status::Ok();
  }
  // Storage for string output i of `shape`, for the kernel to fill.
  Status StringOutput(int i, const Shape& shape, Tensor* out) {
    const std::string& name = state_->outputs[static_cast<size_t>(i)]->name;
    OPBRIDGE_REQUIRE(shape.fully_known(), "output '", name, "' allocated with unknown shape ", shape.ToString());
    OPBRIDGE_RETURN_IF_ERROR(CheckStringCount(shape.num_elements(), name));
    NodeState::StringOutputData& entry = state_->string_outputs[i];  // map nodes stay put
    entry.shape = shape;
    // Empty strings for the kernel, each keeping the buffer it had.
    const auto n = static_cast<size_t>(shape.num_elements());
    if (entry.strings.size() > n) entry.strings.resize(n);
    for (std::string& s : entry.strings) s.clear();
    entry.strings.resize(n);
    entry.views.assign(n, std::string_view());
    if (std::find(written_.begin(), written_.end(), i) == written_.end()) written_.push_back(i);
    *out = Tensor(&name, DType::kString, shape, entry.strings.data());
    out->set_string_views(entry.views.data());
    return Status::Ok();
  }
  Status CommitStrings() {
    if constexpr (!IsBuilt(DType::kString)) return Status::Ok();
    for (int i : written_) {
      NodeState::StringOutputData& entry = state_->string_outputs[i];
      TfLiteTensor* tensor = &context_->tensors[node_->outputs->data[i]];
      OPBRIDGE_RETURN_IF_ERROR(WriteStrings(context_, tensor, entry.shape, entry.strings, &entry.views,
                                            state_->outputs[static_cast<size_t>(i)]->name));
    }
    return Status::Ok();
  }

 private:
  TfLiteContext* context_;
  TfLiteNode* node_;
  NodeState* state_;
  TfLiteParallelism parallelism_;
  std::vector<int> written_;  // the string outputs allocated in this invocation
};

Status InvokeNode(TfLiteContext* context, TfLiteNode* node, NodeState* state) {
  const OpSpec& spec = *state->spec;
  OPBRIDGE_REQUIRE(node->inputs != nullptr && node->inputs->size == static_cast<int>(state->inputs.size()),
                   "the node's inputs changed since prepare");
  if (spec.may_forward_input() && node->outputs != nullptr && node->outputs->size > 0 && node->inputs->size > 0 &&
      node->inputs->data[0] >= 0 && node->outputs->data[0] >= 0) {
    const void* in = context->tensors[node->inputs->data[0]].data;
    const TfLiteTensor& output = context->tensors[node->outputs->data[0]];
    // The planner gave output 0 input 0's buffer: the data is there already.
    if (state->forwards_input && in != nullptr && in == output.data) return Status::Ok();
    // It also points an empty output at its input (its planner does not
    // re-check a tensor of 0 bytes), harmlessly: nothing is written.
    OPBRIDGE_REQUIRE(in == nullptr || in != output.data || output.bytes == 0, "output '", state->outputs[0]->name,
                     "' shares input '", state->inputs[0]->name,
                     "''s buffer, but this node does not forward it unchanged");
  }
  std::vector<ConstTensor> inputs;
  AlignedCopies aligned;  // misaligned inputs' copies (AlignedData)
  // A string input reaches the kernel as string_views into TFLite's buffer,
  // held here for the call.
  std::vector<std::vector<std::string_view>> strings;
  strings.reserve(state->inputs.size());
  for (size_t i = 0; i < state->inputs.size(); ++i) {
    const std::string& name = state->inputs[i]->name;
    TfLiteTensor* tensor;
    Shape shape;
    OPBRIDGE_RETURN_IF_ERROR(TensorAt(context, node->inputs, static_cast<int>(i), "input", name, &tensor));
    OPBRIDGE_RETURN_IF_ERROR(ShapeOf(tensor, "input", name, &shape));
    const DType dtype = DTypeFromTfLiteType(tensor->type);
    if (IsBuilt(DType::kString) && dtype == DType::kString) {
      std::vector<std::string_view>& views = strings.emplace_back();
      OPBRIDGE_RETURN_IF_ERROR(StringViews(tensor, shape, name, &views));
      inputs.emplace_back(&name, dtype, std::move(shape), views.data());
      continue;
    }
    if (IsBuilt(DType::kResource) && dtype == DType::kResource) {
      OPBRIDGE_RETURN_IF_ERROR(CheckResourceData(tensor, shape, name));
      inputs.emplace_back(&name, dtype, std::move(shape), tensor->data);
      continue;
    }
    OPBRIDGE_RETURN_IF_ERROR(CheckData(tensor, dtype, shape, "input", name));
    const void* data;
    OPBRIDGE_RETURN_IF_ERROR(AlignedData(tensor, dtype, name, &aligned, &data));
    inputs.emplace_back(&name, dtype, std::move(shape), data);
  }
  TfLiteNodeView view(context, node, state);
  std::vector<Tensor> outputs;
  for (size_t i = 0; i < state->outputs.size(); ++i) {
    const std::string& name = state->outputs[i]->name;
    TfLiteTensor* tensor;
    OPBRIDGE_RETURN_IF_ERROR(TensorAt(context, node->outputs, static_cast<int>(i), "output", name, &tensor));
    const DType dtype = DTypeFromTfLiteType(tensor->type);
    if (i < state->output_dynamic.size() && state->output_dynamic[i]) {
      outputs.emplace_back(&name, dtype, Shape::UnknownRank(), nullptr);
      continue;
    }
    Shape shape;
    OPBRIDGE_RETURN_IF_ERROR(ShapeOf(tensor, "output", name, &shape));
    if (IsBuilt(DType::kString) && dtype == DType::kString) {
      OPBRIDGE_RETURN_IF_ERROR(view.StringOutput(static_cast<int>(i), shape, &outputs.emplace_back()));
      continue;
    }
    if (IsBuilt(DType::kResource) && dtype == DType::kResource) {
      OPBRIDGE_RETURN_IF_ERROR(ResourceOutputData(tensor, shape, name));
      outputs.emplace_back(&name, dtype, std::move(shape), tensor->data);
      continue;
    }
    OPBRIDGE_RETURN_IF_ERROR(CheckData(tensor, dtype, shape, "output", name));
    outputs.emplace_back(&name, dtype, std::move(shape), tensor->data);
  }
  OPBRIDGE_RETURN_IF_ERROR(
      RunKernel(spec, state->attrs, std::move(inputs), std::move(outputs), state->output_dynamic, view));
  return view.CommitStrings();
}

// `select_tf`: the node is "Flex<Op>", its options a NodeDef (select_tf_options.h).
void* InitNode(const OpSpec* spec, bool select_tf, const char* buffer, size_t length) {
  auto state = std::make_unique<NodeState>();
  state->spec = spec;
  const auto* options = reinterpret_cast<const uint8_t*>(buffer);
  const size_t size = buffer ? length : 0;
  const Status status = kSelectTfBuilt && select_tf
                            ? DecodeSelectTfAttrs(*spec, options, size, &state->attrs.map)
                            : DecodeAttrs(*spec, options, size, &state->attrs.map);
  if (!status.ok()) state->init_error = status.message();
  return state.release();
}

void FreeNode(TfLiteContext*, void* buffer) { delete static_cast<NodeState*>(buffer); }

TfLiteStatus Prepare(TfLiteContext* context, TfLiteNode* node) {
  auto* state = static_cast<NodeState*>(node->user_data);
  if (state == nullptr) {
    Report(context, nullptr, "node has no state (init failed)");
    return kTfLiteError;
  }
  Status status;
  try {  // as in Invoke: shape rules size things from constants too
    status = PrepareNode(context, node, state);
  } catch (const std::bad_alloc&) {
    status = Errorf("out of memory while preparing the node");
  }
  if (!status.ok()) {
    Report(context, state->spec, status.message());
    return kTfLiteError;
  }
  return kTfLiteOk;
}

TfLiteStatus Invoke(TfLiteContext* context, TfLiteNode* node) {
  auto* state = static_cast<NodeState*>(node->user_data);
  if (state == nullptr) {
    Report(context, nullptr, "node has no state (init failed)");
    return kTfLiteError;
  }
  Status status;
  // Kernels never throw, but sizes from hostile inputs can pass every check
  // and still exhaust memory (a string output's std::strings, a scratch
  // vector): an allocation failure is this node's error, not the process's.
  try {
    status = InvokeNode(context, node, state);
  } catch (const std::bad_alloc&) {
    status = Errorf("out of memory while running the kernel (the inputs ask for more than this process can allocate)");
  }
  if (!status.ok()) {
    Report(context, state->spec, status.message());
    return kTfLiteError;
  }
  return kTfLiteOk;
}

// init receives neither the node nor the registration, so each op gets its own
// init function: Init<I> knows it serves the I-th op of the table.
// A selective build (cmake/SelectiveOps.cmake) sizes the table to its ops: each
// slot costs about 90 bytes of code, unwind table, pointer and relocation.
#ifndef OPBRIDGE_MAX_TFLITE_OPS
#define OPBRIDGE_MAX_TFLITE_OPS 1024
#endif
// Registrations: each TF op counts twice (its name and Flex<name>) where
// Select TF ops nodes are built (kSelectTfBuilt).
constexpr size_t kMaxOps = OPBRIDGE_MAX_TFLITE_OPS;
struct TableSlot {
  const OpSpec* spec;
  bool select_tf;
};
std::vector<TableSlot>* g_table_slots = nullptr;

template <size_t I>
void* Init(TfLiteContext*, const char* buffer, size_t length) {
  const TableSlot& slot = (*g_table_slots)[I];
  return InitNode(slot.spec, slot.select_tf, buffer, length);
}

template <size_t... I>
constexpr auto MakeInitTable(std::index_sequence<I...>) {
  using InitFn = void* (*)(TfLiteContext*, const char*, size_t);
  return std::array<InitFn, sizeof...(I)>{&Init<I>...};
}

}  // namespace

DType DTypeFromTfLiteType(int type) {
  switch (type) {
    case kTfLiteFloat32: return DType::kFloat32;
    case kTfLiteFloat64: return DType::kFloat64;
    case kTfLiteFloat16: return DType::kFloat16;
    case kTfLiteBFloat16: return DType::kBFloat16;
    case kTfLiteInt8: return DType::kInt8;
    case kTfLiteInt16: return DType::kInt16;
    case kTfLiteInt32: return DType::kInt32;
    case kTfLiteInt64: return DType::kInt64;
    case kTfLiteUInt8: return DType::kUInt8;
    case kTfLiteUInt16: return DType::kUInt16;
    case kTfLiteUInt32: return DType::kUInt32;
    case kTfLiteUInt64: return DType::kUInt64;
    case kTfLiteBool: return DType::kBool;
    case kTfLiteComplex64: return DType::kComplex64;
    case kTfLiteComplex128: return DType::kComplex128;
    case kTfLiteString: return DType::kString;
    case kTfLiteResource: return DType::kResource;
    default: return DType::kInvalid;
  }
}

const std::vector<TfLiteOpEntry>& TfLiteOpTable() {
  static std::once_flag once;
  static std::vector<TfLiteOpEntry>* table = nullptr;
  std::call_once(once, [] {
    static constexpr auto kInits = MakeInitTable(std::make_index_sequence<kMaxOps>{});
    g_table_slots = new std::vector<TableSlot>();
    table = new std::vector<TfLiteOpEntry>();
    const auto add = [&](const OpSpec* spec, bool select_tf) {
      if (g_table_slots->size() == kMaxOps) {
        std::fprintf(stderr, "opbridge: more than %zu TFLite ops in one library; %s left out\n", kMaxOps,
                     spec->name().c_str());
        return;
      }
      auto* padded = new PaddedRegistration();
      std::memset(padded, 0, sizeof(*padded));
      TfLiteRegistration& r = padded->registration;
      r.init = kInits[g_table_slots->size()];
      r.free = &FreeNode;
      r.prepare = &Prepare;
      r.invoke = &Invoke;
      r.builtin_code = kBuiltinOperatorCustom;
      // Names live as long as the library: resolvers keep the pointer.
      r.custom_name = select_tf ? (new std::string(kSelectTfPrefix + spec->name()))->c_str() : spec->name().c_str();
      r.version = spec->tflite_version();
      // Output 0 may take input 0's buffer (OpSpec::MayForwardInput): the
      // planner does so for arena tensors of equal bytes that are not graph
      // inputs or outputs, as for TFLite's own RESHAPE.
      if (spec->may_forward_input()) {
        r.inplace_operator = kTfLiteInplaceOpInput0Shared | kTfLiteInplaceOpDataUnmodified;
      }
      g_table_slots->push_back({spec, select_tf});
      table->push_back({spec, &padded->registration});
    };
    for (const OpSpec* spec : RegisteredOps()) {
      if (!spec->has_tflite_kernel()) continue;
      add(spec, false);
      // A TF op also runs as the Select TF ops node the converter makes of it.
      if (kSelectTfBuilt && spec->origin() == OpOrigin::kTensorFlow) add(spec, true);
    }
  });
  return *table;
}

}  // namespace opbridge
