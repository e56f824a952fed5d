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
      : name_(name), dtype_(dtype), shape_(std::move(shape)), num_elements_(shape_.num_elements()), data_(data) {}

  const std::string& name() const { return *name_; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return shape_.rank(); }
  int64_t dim(int i) const { return shape_.dim(i); }
  int64_t num_elements() const { return num_elements_; }
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
  int64_t num_elements_ = 1;  // shape_'s, counted once (see Tensor)
  const void* data_ = nullptr;
};

class Tensor {
 public:
  Tensor() = default;
  Tensor(const std::string* name, DType dtype, Shape shape, void* data)
      : name_(name), dtype_(dtype), shape_(std::move(shape)), num_elements_(shape_.num_elements()), data_(data) {}

  const std::string& name() const { return *name_; }
  bool has_name() const { return name_ != nullptr; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return shape_.rank(); }
  int64_t dim(int i) const { return shape_.dim(i); }
  int64_t num_elements() const { return num_elements_; }
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
  // The shape never changes in a view, so its element count is computed once:
  // kernels loop `i < t.num_elements()`, and an out-of-line product over the
  // dims in the loop condition cost Fill float64 three quarters of its time.
  int64_t num_elements_ = 1;
  void* data_ = nullptr;
};

}  // namespace opbridge
