// Typed params: an op declares each attr it reads once, bound to a field.
//
//   struct ResizeParams {
//     bool align_corners = false;
//     Method method = Method::kBilinear;
//     static void Declare(ParamBinder& b, ResizeParams& p) {
//       b.Attr("align_corners: bool = false", &p.align_corners);
//       b.Enum("method: {'bilinear', 'nearest'} = 'bilinear'", &p.method,
//              {{"bilinear", Method::kBilinear}, {"nearest", Method::kNearest}});
//     }
//     // Optional: checks TF's declaration language cannot say, run once per node.
//     Status Validate() const;
//   };
//
//   OpSpec("Ns>Resize").Params<ResizeParams>() ... .Kernel(ResizeKernel)
//   Status ResizeKernel(KernelContext& ctx, const ResizeParams& p);
//
// The declaration text is the TF op-definition text, handed to TF and to the
// TFLite options decoder as before. The struct is filled once per node (TF:
// kernel construction and each shape inference; TFLite: prepare) and the
// kernel gets it by reference, so no attr is looked up by name at invoke.
// A field whose C++ type does not fit its declared attr type, an enum whose
// values differ from the declared ones, or a kernel typed for other params
// keeps the op from registering, with the reason (RegistrationErrors()).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "opbridge/attr.h"
#include "opbridge/status.h"

namespace opbridge {

class ParamBinder {
 public:
  // kDeclare collects the declarations (registration); kRead fills the fields
  // from a node's attrs, in the same order.
  enum class Mode { kDeclare, kRead };

  struct Declared {
    std::string text;
    AttrType field_type;
    std::vector<std::string> enum_values;  // Enum(): the strings the field maps
  };

  // Declare mode.
  ParamBinder() : mode_(Mode::kDeclare) {}
  // Read mode over a node's attrs (every declared attr present).
  ParamBinder(const std::vector<std::string>* names, const AttrMap* attrs)
      : mode_(Mode::kRead), names_(names), attrs_(attrs) {}

  void Attr(const char* decl, DType* field) { Bind(decl, AttrType::kType, field); }
  void Attr(const char* decl, bool* field) { Bind(decl, AttrType::kBool, field); }
  void Attr(const char* decl, int64_t* field) { Bind(decl, AttrType::kInt, field); }
  void Attr(const char* decl, double* field) { Bind(decl, AttrType::kFloat, field); }
  void Attr(const char* decl, std::string* field) { Bind(decl, AttrType::kString, field); }
  void Attr(const char* decl, std::vector<int64_t>* field) { Bind(decl, AttrType::kListInt, field); }
  void Attr(const char* decl, std::vector<double>* field) { Bind(decl, AttrType::kListFloat, field); }
  void Attr(const char* decl, std::vector<DType>* field) { Bind(decl, AttrType::kListType, field); }
  void Attr(const char* decl, std::vector<std::string>* field) { Bind(decl, AttrType::kListString, field); }

  // A string attr with a fixed set of values, read into an enum. `values`
  // must map exactly the strings the declaration allows.
  template <typename E>
  void Enum(const char* decl, E* field, std::initializer_list<std::pair<const char*, E>> values) {
    static_assert(std::is_enum<E>::value, "Enum() binds an enum field");
    if (mode_ == Mode::kDeclare) {
      Declared d{decl, AttrType::kString, {}};
      for (const auto& v : values) d.enum_values.emplace_back(v.first);
      declared_.push_back(std::move(d));
      return;
    }
    std::string text;
    Bind(decl, AttrType::kString, &text);
    if (!status_.ok()) return;
    for (const auto& v : values) {
      if (text == v.first) {
        *field = v.second;
        return;
      }
    }
    status_ = Errorf("attr '", (*names_)[index_ - 1], "' has value '", text, "', which is not one of its values");
  }

  const std::vector<Declared>& declared() const { return declared_; }
  const Status& status() const { return status_; }

 private:
  void Bind(const char* decl, AttrType type, void* field);

  Mode mode_;
  const std::vector<std::string>* names_ = nullptr;
  const AttrMap* attrs_ = nullptr;
  size_t index_ = 0;
  std::vector<Declared> declared_;
  Status status_;
};

namespace params_detail {

template <typename P, typename = void>
struct HasValidate : std::false_type {};
template <typename P>
struct HasValidate<P, std::void_t<decltype(std::declval<const P&>().Validate())>> : std::true_type {};

// One address per params type: what OpSpec compares to tell them apart.
template <typename P>
const void* Tag() {
  static const char tag = 0;
  return &tag;
}

// P::Declare on `fields` (a P), in the binder's mode. One copy per P serves
// both the registration (declare mode) and Read: inlined into each, it was
// half of Read's 1.1 KB per params type.
template <typename P>
__attribute__((noinline)) void DeclareFields(ParamBinder& binder, void* fields) {
  P::Declare(binder, *static_cast<P*>(fields));
}

// Runs `declare` on `fields` with a binder in read mode; its status. Out of
// line (params.cc): the binder's construction and teardown inlined into each
// Read<P> made it 1 KB per params type.
Status ReadFields(const std::vector<std::string>& names, const AttrMap& attrs,
                  void (*declare)(ParamBinder&, void*), void* fields);

// Fills a P from a node's attrs; `names` are the op's param attr names in declaration order.
template <typename P>
Status Read(const std::vector<std::string>& names, const AttrMap& attrs, std::shared_ptr<const void>* out) {
  auto params = std::make_shared<P>();
  OPBRIDGE_RETURN_IF_ERROR(ReadFields(names, attrs, &DeclareFields<P>, params.get()));
  if constexpr (HasValidate<P>::value) OPBRIDGE_RETURN_IF_ERROR(params->Validate());
  *out = std::move(params);
  return Status::Ok();
}

}  // namespace params_detail
}  // namespace opbridge
