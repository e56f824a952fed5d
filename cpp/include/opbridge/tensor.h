// Tensor views: what a kernel sees of a runtime's tensor.
//
// A view does not own memory; the runtime does. Data is dense, row-major.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

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
  //
  // Or, for a kernel that only moves strings it was given (an input's views,
  // an attr's bytes: anything alive until the kernel returns), as
  // data<std::string_view>(): num_elements() views, null at first. An element
  // whose view was set (data() != nullptr) is taken from the view, any other
  // from its std::string. A view costs one store where a std::string costs a
  // copy of the bytes that the adapter then copies again (GatherV2 of
  // [4096,16] short strings: 1.5-1.8 ms through std::strings, 0.55-0.65 ms
  // through views).
  template <typename T>
  T* data() const {
    if constexpr (std::is_same_v<T, std::string_view>) {
      return string_views_;
    } else {
      return static_cast<T*>(data_);
    }
  }
  // The adapter's views of a string output (see data()).
  void set_string_views(std::string_view* views) { string_views_ = views; }

 private:
  const std::string* name_ = nullptr;
  DType dtype_ = DType::kInvalid;
  Shape shape_;
  // The shape never changes in a view, so its element count is computed once:
  // kernels loop `i < t.num_elements()`, and an out-of-line product over the
  // dims in the loop condition cost Fill float64 three quarters of its time.
  int64_t num_elements_ = 1;
  void* data_ = nullptr;
  std::string_view* string_views_ = nullptr;
};

}  // namespace opbridge
