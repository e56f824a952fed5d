// Resources: state that a model's nodes share and keep between invokes (a
// lookup table, a tokenizer model), for ops whose TF signature passes a
// `resource` handle.
//
// One ResourceStore per interpreter (KernelContext::resources(); null where
// the runtime runs its own kernels for resource ops, as TF does). A creating
// op (HashTableV2) finds or creates its resource by name and writes the id
// into its handle output; a using op (LookupTableFindV2) reads the id from its
// handle input and gets the resource back, type-checked. The handle tensor
// holds TFLite's convention, one 4-byte int32 id per element, so builtin
// control flow that copies tensors by bytes passes it unchanged. Ids index
// this store only: a handle means nothing in another interpreter.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "opbridge/status.h"
#include "opbridge/tensor.h"

namespace opbridge {

class Resource {
 public:
  virtual ~Resource() = default;
  // What it is, for errors: "a HashTable of int64 to float".
  virtual std::string Describe() const = 0;
};

class ResourceStore {
 public:
  ResourceStore() = default;
  ResourceStore(const ResourceStore&) = delete;
  ResourceStore& operator=(const ResourceStore&) = delete;

  // The resource registered under `name`, or the one `make` builds, which
  // must be a T. `make` is `Status(std::unique_ptr<T>*)`, called only when
  // the name is new. A name that holds another kind of resource is an error.
  template <typename T, typename Make>
  Status FindOrCreate(const std::string& name, Make make, int32_t* id, T** out) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_name_.find(name);
    if (it != by_name_.end()) {
      Resource* found = resources_[static_cast<size_t>(it->second - 1)].get();
      T* typed = dynamic_cast<T*>(found);
      OPBRIDGE_REQUIRE(typed != nullptr, "resource '", name, "' is already ", found->Describe());
      *id = it->second;
      *out = typed;
      return Status::Ok();
    }
    OPBRIDGE_REQUIRE(resources_.size() < static_cast<size_t>(INT32_MAX - 1), "too many resources");
    std::unique_ptr<T> made;
    OPBRIDGE_RETURN_IF_ERROR(make(&made));
    OPBRIDGE_REQUIRE(made != nullptr, "resource '", name, "' was not created");
    *out = made.get();
    resources_.push_back(std::move(made));
    *id = static_cast<int32_t>(resources_.size());  // ids start at 1: a zeroed handle is no resource
    by_name_.emplace(name, *id);
    return Status::Ok();
  }

  // The resource whose id the handle tensor `handle` holds, if it is a T.
  // `expected` names the kind for the error ("a lookup table").
  template <typename T>
  Status Find(const ConstTensor& handle, const char* input_name, const char* expected, T** out) const {
    int32_t id = 0;
    OPBRIDGE_RETURN_IF_ERROR(ReadHandle(handle, input_name, &id));
    std::lock_guard<std::mutex> lock(mu_);
    OPBRIDGE_REQUIRE(id >= 1 && static_cast<size_t>(id) <= resources_.size(), "input '", input_name,
                     "' holds resource id ", id, ", which names no resource of this interpreter");
    Resource* found = resources_[static_cast<size_t>(id - 1)].get();
    T* typed = dynamic_cast<T*>(found);
    OPBRIDGE_REQUIRE(typed != nullptr, "input '", input_name, "' is ", found->Describe(), ", not ", expected);
    *out = typed;
    return Status::Ok();
  }

  // A handle tensor has one element (TF's handles are scalars; TFLite's
  // builtin tables use shape [1]); the adapter checked its 4 bytes.
  static Status ReadHandle(const ConstTensor& handle, const char* input_name, int32_t* id) {
    OPBRIDGE_REQUIRE(handle.dtype() == DType::kResource, "input '", input_name, "' must be a resource handle, got ",
                     DTypeName(handle.dtype()));
    OPBRIDGE_REQUIRE(handle.num_elements() == 1, "input '", input_name,
                     "' must be one resource handle, got shape ", handle.shape().ToString());
    std::memcpy(id, handle.data<int32_t>(), sizeof(int32_t));
    return Status::Ok();
  }
  static void WriteHandle(const Tensor& handle, int32_t id) {
    for (int64_t i = 0; i < handle.num_elements(); ++i) {
      std::memcpy(handle.data<int32_t>() + i, &id, sizeof(int32_t));
    }
  }

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, int32_t> by_name_;
  std::vector<std::unique_ptr<Resource>> resources_;  // id i is resources_[i - 1]
};

}  // namespace opbridge
