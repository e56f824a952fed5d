// Tensor views: what a kernel sees of a runtime's tensor.
//
// A view does not own memory; the runtime does. Data is dense, row-major.
#pragma once

#include <cstdint>
#include <string>

#include "opbridge/dtype.h"
#include "opbridge/shape.h"

namespace opbridge {

class ConstTensor {
 public:
  ConstTensor() = default;
  ConstTensor(const std::string* name, DType dtype, Shape shape, const void* data)
      : name_(name), dtype_(dtype), shape_(std::move(shape)), data_(data) {}

  const std::string& name() const { return *name_; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return shape_.rank(); }
  int64_t dim(int i) const { return shape_.dim(i); }
  int64_t num_elements() const { return shape_.num_elements(); }
  // Typed pointer; the caller has dispatched on dtype() already. A string
  // tensor (DType::kString) is read as data<std::string_view>(): one view per
  // element, valid for the kernel call (each runtime stores strings its own
  // way; the adapter makes the views).
  template <typename T>
  const T* data() const {
    return static_cast<const T*>(data_);
  }

 private:
  const std::string* name_ = nullptr;
  DType dtype_ = DType::kInvalid;
  Shape shape_;
  const void* data_ = nullptr;
};

class Tensor {
 public:
  Tensor() = default;
  Tensor(const std::string* name, DType dtype, Shape shape, void* data)
      : name_(name), dtype_(dtype), shape_(std::move(shape)), data_(data) {}

  const std::string& name() const { return *name_; }
  bool has_name() const { return name_ != nullptr; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return shape_.rank(); }
  int64_t dim(int i) const { return shape_.dim(i); }
  int64_t num_elements() const { return shape_.num_elements(); }
  // Typed pointer, as ConstTensor's. A string output is written as
  // data<std::string>(): num_elements() strings, empty at first, owned by the
  // adapter for the kernel call; after the kernel returns Ok the adapter
  // copies them into its runtime's string tensor (TFLite's buffer, TF's
  // tstrings), refusing totals TFLite's int32 offsets cannot address.
  template <typename T>
  T* data() const {
    return static_cast<T*>(data_);
  }

 private:
  const std::string* name_ = nullptr;
  DType dtype_ = DType::kInvalid;
  Shape shape_;
  void* data_ = nullptr;
};

}  // namespace opbridge
