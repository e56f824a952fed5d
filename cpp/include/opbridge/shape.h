// Shape: dims of a tensor, possibly partly unknown.
//
// The same shape rule runs in TF's graph-time shape inference (where a dim or
// even the rank may be unknown) and in TFLite's prepare (everything known), so
// a Shape can say "unknown". kUnknownDim is TF's and TFLite's -1.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace opbridge {

constexpr int64_t kUnknownDim = -1;

class Shape {
 public:
  Shape() = default;  // rank 0, a scalar
  Shape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit Shape(std::vector<int64_t> dims) : dims_(std::move(dims)) {}
  static Shape UnknownRank() {
    Shape s;
    s.rank_known_ = false;
    return s;
  }

  bool rank_known() const { return rank_known_; }
  int rank() const { return static_cast<int>(dims_.size()); }
  int64_t dim(int i) const { return dims_[static_cast<size_t>(i < 0 ? i + rank() : i)]; }
  void set_dim(int i, int64_t value) { dims_[static_cast<size_t>(i < 0 ? i + rank() : i)] = value; }
  const std::vector<int64_t>& dims() const { return dims_; }
  bool fully_known() const;
  // Product of dims; kUnknownDim when any dim is unknown.
  int64_t num_elements() const;
  // Dims [begin, end) as a new shape (negative indices count from the end).
  Shape Slice(int begin, int end) const;
  Shape Concat(const Shape& tail) const;
  void Append(int64_t dim) { dims_.push_back(dim); }

  // "[2, 3, ?]" or "<unknown rank>".
  std::string ToString() const;

 private:
  std::vector<int64_t> dims_;
  bool rank_known_ = true;
};

}  // namespace opbridge
