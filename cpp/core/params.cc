// ParamBinder: collects an op's param declarations, then fills params
// structs from a node's attrs.
#include "opbridge/params.h"

#include <variant>

#include "core/attr_traits.h"

namespace opbridge {
namespace {

// Copies the variant's alternative for `type` into the field it was bound to.
bool Assign(AttrType type, const AttrValue& value, void* field) {
  return VisitAttrType(type, [&](auto traits) {
    using Value = typename decltype(traits)::Value;
    const Value* typed = std::get_if<Value>(&value);
    if (typed == nullptr) return false;
    *static_cast<Value*>(field) = *typed;
    return true;
  });
}

}  // namespace

void ParamBinder::Bind(const char* decl, AttrType type, void* field) {
  if (mode_ == Mode::kDeclare) {
    declared_.push_back({decl, type, {}});
    return;
  }
  if (!status_.ok()) return;
  if (index_ >= names_->size()) {
    status_ = Errorf("params declare more attrs than at registration");
    return;
  }
  const std::string& name = (*names_)[index_++];
  const AttrValue* value = attrs_->Find(name);
  if (value == nullptr) {
    status_ = Errorf("attr '", name, "' is missing");
  } else if (!Assign(type, *value, field)) {
    status_ = Errorf("attr '", name, "' is ", AttrValueToString(*value), ", not of type ", AttrTypeName(type));
  }
}

namespace params_detail {

Status ReadFields(const std::vector<std::string>& names, const AttrMap& attrs,
                  void (*declare)(ParamBinder&, void*), void* fields) {
  ParamBinder binder(&names, &attrs);
  declare(binder, fields);
  return binder.status();
}

}  // namespace params_detail
}  // namespace opbridge
