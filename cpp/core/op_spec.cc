// OpSpec validation, the op registry, and the runtime-independent parts of
// ShapeContext and KernelContext.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <deque>

#include "opbridge/op.h"

namespace opbridge {
namespace {

struct Registry {
  std::deque<OpSpec> specs;  // deque: pointers stay valid as ops are added
  std::vector<const OpSpec*> ops;
  std::vector<std::string> errors;
};

Registry& GlobalRegistry() {
  static Registry* registry = new Registry();  // never destroyed: kernels may outlive static teardown
  return *registry;
}

// TF accepts "Namespace>CamelCase" for op names outside its own set (docs/design.md).
bool IsValidOpName(const std::string& name, OpOrigin origin) {
  const size_t sep = name.find('>');
  const std::string local = sep == std::string::npos ? name : name.substr(sep + 1);
  if (origin == OpOrigin::kOpbridge && sep == std::string::npos) return false;
  if (local.empty() || !std::isupper(static_cast<unsigned char>(local[0]))) return false;
  for (char c : local) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

}  // namespace

OpSpec::OpSpec(std::string_view name) : name_(name) {}
OpSpec::OpSpec(const OpSpec& other) = default;
OpSpec::OpSpec(OpSpec&& other) noexcept = default;
OpSpec& OpSpec::operator=(const OpSpec& other) = default;
OpSpec& OpSpec::operator=(OpSpec&& other) noexcept = default;
OpSpec::~OpSpec() = default;

OpSpec& OpSpec::Doc(std::string_view doc) {
  doc_ = doc;
  return *this;
}
OpSpec& OpSpec::Input(std::string_view decl) {
  input_texts_.emplace_back(decl);
  return *this;
}
OpSpec& OpSpec::Output(std::string_view decl) {
  output_texts_.emplace_back(decl);
  return *this;
}
OpSpec& OpSpec::Attr(std::string_view decl) {
  attr_texts_.emplace_back(decl);
  return *this;
}
OpSpec& OpSpec::DefinedBy(std::string_view source) {
  defined_by_ = source;
  return *this;
}
OpSpec& OpSpec::Replaces(std::string_view tf_op) {
  replaces_ = tf_op;
  return *this;
}

OpSpec& OpSpec::ListLength(std::string_view list_input, std::string_view length_attr) {
  list_lengths_.emplace_back(std::string(list_input), std::string(length_attr));
  return *this;
}

const std::string& OpSpec::list_length_attr(const ArgSpec& arg) const {
  static const std::string* const none = new std::string();
  for (const auto& [input, attr] : list_lengths_) {
    if (input == arg.name) return attr;
  }
  return *none;
}

OpSpec& OpSpec::DeclareParams(const void* tag, ParamsReader reader, void (*declare)(ParamBinder&, void*),
                              void* fields) {
  ParamBinder binder;
  declare(binder, fields);
  if (params_tag_ != nullptr) builder_errors_.push_back("Params declared twice");
  params_tag_ = tag;
  params_reader_ = reader;
  for (const ParamBinder::Declared& d : binder.declared()) {
    attr_texts_.push_back(d.text);
    param_declared_.push_back(d);
  }
  return *this;
}

const char* OpOriginName(OpOrigin origin) {
  switch (origin) {
    case OpOrigin::kTensorFlow: return "tensorflow";
    case OpOrigin::kOpbridge: return "opbridge";
    case OpOrigin::kTfLiteOnly: return "tflite";
  }
  return "?";
}

Status OpSpec::Finalize() {
  if (origin_ != OpOrigin::kTfLiteOnly && !IsValidOpName(name_, origin_)) {
    return Errorf("bad op name '", name_, "': new ops are named 'Namespace>CamelCase'");
  }
  if (origin_ == OpOrigin::kTfLiteOnly && !tflite_) return Errorf("a TFLite-only op must have a TFLite kernel");
  if (!replaces_.empty() && origin_ != OpOrigin::kOpbridge) {
    return Errorf("only an opbridge op (with a TF op) can replace TF op ", replaces_);
  }
  if (!builder_errors_.empty()) return Errorf(builder_errors_.front());
  inputs_.clear();
  outputs_.clear();
  input_list_ = -1;
  input_lists_.clear();
  output_type_list_ = -1;
  attrs_.clear();
  param_names_.clear();
  for (const std::string& text : attr_texts_) {
    AttrSpec spec;
    OPBRIDGE_RETURN_IF_ERROR(ParseAttrSpec(text, &spec));
    if (FindAttr(spec.name)) return Errorf("attr '", spec.name, "' declared twice");
    attrs_.push_back(std::move(spec));
  }
  OPBRIDGE_RETURN_IF_ERROR(CheckParams());
  // Lists (N * T, or T a list(type)) are flattened by the TFLite adapter
  // only; the TF adapter and the shape/kernel contexts index TF ops' args one
  // to one. With one input list a tensor's index names its arg (InputArgAt);
  // with several the TFLite adapter splits the node's inputs by the lists'
  // length attrs (input_lists()).
  const auto parse_args = [&](const std::vector<std::string>& texts, std::vector<ArgSpec>* out) {
    const bool are_inputs = out == &inputs_;
    for (const std::string& text : texts) {
      ArgSpec arg;
      OPBRIDGE_RETURN_IF_ERROR(ParseArgSpec(text, &arg));
      bool is_list = !arg.number_attr.empty();
      if (!arg.type_attr.empty()) {
        const AttrSpec* attr = FindAttr(arg.type_attr);
        const bool type_list = attr && attr->type == AttrType::kListType && arg.number_attr.empty();
        if (!attr || (attr->type != AttrType::kType && !type_list)) {
          return Errorf("arg '", arg.name, "' uses '", arg.type_attr, "', which is not a type attr");
        }
        // A list(type) output takes the node's outputs the others leave (one at most).
        if (type_list && !are_inputs) {
          OPBRIDGE_REQUIRE(output_type_list_ < 0, "list output '", arg.name,
                           "': an op has at most one list(type) output");
          output_type_list_ = static_cast<int>(out->size());
        }
        is_list = is_list || type_list;
      }
      if (!arg.number_attr.empty()) {
        const AttrSpec* attr = FindAttr(arg.number_attr);
        if (!attr || attr->type != AttrType::kInt) {
          return Errorf("list arg '", arg.name, "' has length '", arg.number_attr, "', which is not an int attr");
        }
      }
      if (is_list) {
        OPBRIDGE_REQUIRE(origin_ != OpOrigin::kOpbridge, "list arg '", arg.name,
                         "': lists are supported in TFLite kernels of TF or TFLite-only ops");
        if (are_inputs) {
          if (input_list_ < 0) input_list_ = static_cast<int>(out->size());
          input_lists_.push_back(static_cast<int>(out->size()));
        }
      }
      out->push_back(std::move(arg));
    }
    return Status::Ok();
  };
  OPBRIDGE_RETURN_IF_ERROR(parse_args(input_texts_, &inputs_));
  OPBRIDGE_RETURN_IF_ERROR(parse_args(output_texts_, &outputs_));
#ifndef OPBRIDGE_WITHOUT_INPUT_LISTS  // a selective build without several input lists (CMakeLists.txt)
  for (const auto& [input, attr] : list_lengths_) {
    const auto arg = std::find_if(inputs_.begin(), inputs_.end(), [&](const ArgSpec& a) { return a.name == input; });
    OPBRIDGE_REQUIRE(arg != inputs_.end() && !arg->type_attr.empty() && arg->number_attr.empty() &&
                         FindAttr(arg->type_attr)->type == AttrType::kListType,
                     "ListLength: '", input, "' is not a list(type) input");
    const AttrSpec* length = FindAttr(attr);
    OPBRIDGE_REQUIRE(length != nullptr && length->type == AttrType::kInt, "ListLength: '", attr,
                     "' (length of '", input, "') is not an int attr");
  }
#endif
  // TF ops with no outputs (Save) exist; an op opbridge defines has a result.
  if (outputs_.empty() && origin_ == OpOrigin::kOpbridge) return Errorf("op has no outputs");
  if (!shape_fn_) return Errorf("op has no shape rule");
  if (!compute_fn_) return Errorf("op has no kernel");
  return Status::Ok();
}

// The params struct's fields fit their declarations, and the shape rule and
// kernel take that struct: what lets the adapters hand them a typed reference.
Status OpSpec::CheckParams() {
  for (const ParamBinder::Declared& d : param_declared_) {
    AttrSpec attr;
    OPBRIDGE_RETURN_IF_ERROR(ParseAttrSpec(d.text, &attr));
    OPBRIDGE_REQUIRE(attr.type == d.field_type, "param '", attr.name, "' is declared ", AttrTypeName(attr.type),
                     " but bound to a field for ", AttrTypeName(d.field_type));
    if (!d.enum_values.empty() || attr.type == AttrType::kString) {
      std::vector<std::string> mapped = d.enum_values, allowed = attr.allowed_strings;
      std::sort(mapped.begin(), mapped.end());
      std::sort(allowed.begin(), allowed.end());
      OPBRIDGE_REQUIRE(d.enum_values.empty() || mapped == allowed, "param '", attr.name,
                       "': the enum maps other values than the declaration allows");
    }
    param_names_.push_back(attr.name);
  }
  const auto check_tag = [&](const void* tag, const char* what) {
    OPBRIDGE_REQUIRE(tag == nullptr || tag == params_tag_, "the ", what,
                     " takes a params struct other than the one Params<>() declares");
    return Status::Ok();
  };
  OPBRIDGE_RETURN_IF_ERROR(check_tag(shape_params_tag_, "shape rule"));
  OPBRIDGE_RETURN_IF_ERROR(check_tag(kernel_params_tag_, "kernel"));
  return Status::Ok();
}

Status OpSpec::ReadParams(const AttrMap& attrs, std::shared_ptr<const void>* out) const {
  out->reset();
  if (params_reader_ == nullptr) return Status::Ok();
  return params_reader_(param_names_, attrs, out);
}

const AttrSpec* OpSpec::FindAttr(const std::string& name) const {
  for (const AttrSpec& attr : attrs_) {
    if (attr.name == name) return &attr;
  }
  return nullptr;
}

OpRegistrar::OpRegistrar(OpSpec spec) {
  Registry& registry = GlobalRegistry();
  const Status status = spec.Finalize();
  if (!status.ok()) {
    registry.errors.push_back(spec.name() + ": " + status.message());
    return;
  }
  if (FindOp(spec.name())) {
    registry.errors.push_back(spec.name() + ": registered twice");
    return;
  }
  registry.specs.push_back(std::move(spec));
  registry.ops.push_back(&registry.specs.back());
}

const std::vector<const OpSpec*>& RegisteredOps() { return GlobalRegistry().ops; }

const std::vector<std::string>& RegistrationErrors() { return GlobalRegistry().errors; }

const OpSpec* FindOp(const std::string& name) {
  for (const OpSpec* spec : GlobalRegistry().ops) {
    if (spec->name() == name) return spec;
  }
  return nullptr;
}

bool OpSpec::AttrBoundByTensors(const AttrSpec& attr) const {
  if (attr.type == AttrType::kType || attr.type == AttrType::kListType) return true;
  for (const ArgSpec& arg : inputs_) {
    if (arg.number_attr == attr.name) return true;
  }
  return false;
}

const ArgSpec& OpSpec::InputArgAt(int i, int num_inputs) const {
  const int declared = static_cast<int>(inputs_.size());
  if (input_list_ < 0 || i < input_list_) return inputs_[static_cast<size_t>(std::min(i, declared - 1))];
  // The inputs after the list take the node's last tensors.
  const int after = declared - 1 - input_list_;
  const int first_after = num_inputs - after;
  if (i < first_after) return inputs_[static_cast<size_t>(input_list_)];
  return inputs_[static_cast<size_t>(std::min(input_list_ + 1 + (i - first_after), declared - 1))];
}

const std::string& ShapeContext::input_name(int i) const {
  if (input_args_ != nullptr) return (*input_args_)[static_cast<size_t>(i)]->name;
  return spec_->InputArgAt(i, num_inputs()).name;
}

const ConstTensor* ShapeContext::input_value(int i) const {
  const auto& value = input_values_[static_cast<size_t>(i)];
  return value ? &*value : nullptr;
}

Status ShapeContext::RequireRank(int input, int rank) const {
  const Shape& s = this->input(input);
  OPBRIDGE_REQUIRE(!s.rank_known() || s.rank() == rank, "input '", input_name(input), "' must have rank ",
                   rank, ", got shape ", s.ToString());
  return Status::Ok();
}

Status ShapeContext::RequireRankAtLeast(int input, int rank) const {
  const Shape& s = this->input(input);
  OPBRIDGE_REQUIRE(!s.rank_known() || s.rank() >= rank, "input '", input_name(input),
                   "' must have rank >= ", rank, ", got shape ", s.ToString());
  return Status::Ok();
}

Status ShapeContext::RequireSameDim(int a, int dim_a, int b, int dim_b) const {
  const Shape& sa = input(a);
  const Shape& sb = input(b);
  if (!sa.rank_known() || !sb.rank_known()) return Status::Ok();
  const int64_t da = sa.dim(dim_a);
  const int64_t db = sb.dim(dim_b);
  OPBRIDGE_REQUIRE(da < 0 || db < 0 || da == db, "dim ", dim_a, " of input '", input_name(a), "' ",
                   sa.ToString(), " must equal dim ", dim_b, " of input '", input_name(b), "' ",
                   sb.ToString());
  return Status::Ok();
}

Status ShapeContext::RequireDimEquals(int input, int dim, int64_t value) const {
  const Shape& s = this->input(input);
  if (!s.rank_known()) return Status::Ok();
  const int64_t d = s.dim(dim);
  OPBRIDGE_REQUIRE(d < 0 || d == value, "dim ", dim, " of input '", input_name(input), "' must be ",
                   value, ", got shape ", s.ToString());
  return Status::Ok();
}

namespace {
const Shape& UndeclaredShape() {
  static const Shape* const unknown = new Shape(Shape::UnknownRank());
  return *unknown;
}
}  // namespace

const Shape& ShapeContext::declared_output(int i) const {
  const auto k = static_cast<size_t>(i);
  return i >= 0 && k < declared_outputs_.size() ? declared_outputs_[k] : UndeclaredShape();
}

const Shape& KernelContext::declared_output(int i) const {
  const auto k = static_cast<size_t>(i);
  return declared_outputs_ != nullptr && i >= 0 && k < declared_outputs_->size() ? (*declared_outputs_)[k]
                                                                                  : UndeclaredShape();
}

Status KernelContext::AllocateOutput(int i, const Shape& shape) {
  OPBRIDGE_REQUIRE(i >= 0 && static_cast<size_t>(i) < outputs_.size(), "no output ", i);
  OPBRIDGE_REQUIRE(allocator_ != nullptr, "output ", i, " cannot be allocated here");
  return allocator_(i, shape, &outputs_[static_cast<size_t>(i)]);
}

void KernelContext::ParallelFor(int64_t total, int64_t cost_per_unit,
                                const std::function<void(int64_t, int64_t)>& fn, int64_t grain) const {
  if (total <= 0) return;
  if (parallelism_ == nullptr || parallelism_->num_threads() <= 1) {
    fn(0, total);
    return;
  }
  if (grain <= 1) {
    parallelism_->ParallelFor(total, cost_per_unit, fn);
    return;
  }
  const int64_t blocks = (total + grain - 1) / grain;
  parallelism_->ParallelFor(blocks, cost_per_unit * grain, [&](int64_t begin, int64_t end) {
    fn(begin * grain, std::min(end * grain, total));
  });
}

Status SameShapeAsInput0(ShapeContext& ctx) {
  ctx.set_output(0, ctx.input(0));
  return Status::Ok();
}

}  // namespace opbridge
