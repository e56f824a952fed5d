// A byte trie over a model's pieces, for unigram's common-prefix search
// (sentencepiece walks a double-array trie there): from one position it
// yields every piece that starts there, shortest first, and stops as soon as
// no piece continues, instead of hashing every substring up to the longest
// piece's length.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace opbridge {
namespace text {
namespace sp {

class PieceTrie {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  void Build(const std::unordered_map<std::string_view, int>& pieces) {
    std::vector<std::pair<std::string_view, int>> sorted(pieces.begin(), pieces.end());
    std::sort(sorted.begin(), sorted.end());
    nodes_.assign(1, Node{});
    bytes_.clear();
    children_.clear();
    Fill(0, sorted, 0, sorted.size(), 0);
  }

  // The child of `node` by `byte`, or kNone. The root is node 0.
  uint32_t Child(uint32_t node, uint8_t byte) const {
    const Node& n = nodes_[node];
    const uint8_t* first = bytes_.data() + n.first_edge;
    const uint8_t* last = first + n.edges;
    const uint8_t* it = std::lower_bound(first, last, byte);
    return it != last && *it == byte ? children_[n.first_edge + static_cast<size_t>(it - first)] : kNone;
  }

  // The id of the piece that ends at `node`, or -1.
  int Id(uint32_t node) const { return nodes_[node].id; }

 private:
  struct Node {
    int id = -1;
    uint32_t first_edge = 0;  // edges are bytes_/children_[first_edge, first_edge + edges), by byte
    uint32_t edges = 0;
  };

  // Node `node` holds sorted[lo, hi), which share their first `depth` bytes.
  void Fill(uint32_t node, const std::vector<std::pair<std::string_view, int>>& sorted, size_t lo, size_t hi,
            size_t depth) {
    if (lo < hi && sorted[lo].first.size() == depth) nodes_[node].id = sorted[lo++].second;
    // The children's ranges, one per distinct next byte (sorted, so contiguous).
    std::vector<std::pair<size_t, size_t>> groups;
    for (size_t i = lo; i < hi;) {
      size_t j = i + 1;
      while (j < hi && sorted[j].first[depth] == sorted[i].first[depth]) ++j;
      groups.emplace_back(i, j);
      i = j;
    }
    const auto first_edge = static_cast<uint32_t>(bytes_.size());
    nodes_[node].first_edge = first_edge;
    nodes_[node].edges = static_cast<uint32_t>(groups.size());
    for (const auto& g : groups) {
      bytes_.push_back(static_cast<uint8_t>(sorted[g.first].first[depth]));
      children_.push_back(static_cast<uint32_t>(nodes_.size()));
      nodes_.emplace_back();
    }
    for (size_t k = 0; k < groups.size(); ++k) {
      Fill(children_[first_edge + k], sorted, groups[k].first, groups[k].second, depth + 1);
    }
  }

  std::vector<Node> nodes_;
  std::vector<uint8_t> bytes_;
  std::vector<uint32_t> children_;
};

}  // namespace sp
}  // namespace text
}  // namespace opbridge
