#include "opbridge/shape.h"

#include <algorithm>

namespace opbridge {

bool Shape::fully_known() const {
  return rank_known_ && std::none_of(dims_.begin(), dims_.end(), [](int64_t d) { return d < 0; });
}

int64_t Shape::num_elements() const {
  if (!fully_known()) return kUnknownDim;
  int64_t n = 1;
  for (int64_t d : dims_) n *= d;
  return n;
}

Shape Shape::Slice(int begin, int end) const {
  if (!rank_known_) return UnknownRank();
  const int r = rank();
  if (begin < 0) begin += r;
  if (end < 0) end += r;
  begin = std::clamp(begin, 0, r);
  end = std::clamp(end, begin, r);
  return Shape(std::vector<int64_t>(dims_.begin() + begin, dims_.begin() + end));
}

Shape Shape::Concat(const Shape& tail) const {
  if (!rank_known_ || !tail.rank_known_) return UnknownRank();
  std::vector<int64_t> dims = dims_;
  dims.insert(dims.end(), tail.dims_.begin(), tail.dims_.end());
  return Shape(std::move(dims));
}

std::string Shape::ToString() const {
  if (!rank_known_) return "<unknown rank>";
  std::string out = "[";
  for (size_t i = 0; i < dims_.size(); ++i) {
    if (i) out += ", ";
    out += dims_[i] < 0 ? std::string("?") : std::to_string(dims_[i]);
  }
  return out + "]";
}

}  // namespace opbridge
