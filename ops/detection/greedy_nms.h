// TF's single-class greedy non-max suppression (DoNonMaxSuppressionOp in
// non_max_suppression_op.cc), which NonMaxSuppressionV2-V5 and
// NonMaxSuppressionWithOverlaps share; only the similarity of two boxes
// differs (IoU of corners, or a given overlap matrix). CombinedNonMaxSuppression
// runs a different loop (no index tie-break, no soft-NMS), so it keeps its own.
//
// Step by step as TF, so ties and NaN resolve the same way:
//  - candidates: boxes whose score > score_threshold, popped by score, ties by
//    lower index (a strict order: NaN scores never enter);
//  - a popped candidate is compared with the selected boxes newest first, but
//    only those selected since it was last compared (suppress_begin);
//  - each comparison multiplies its score by exp(scale * s * s) (scale = -0.5
//    / sigma for soft-NMS, else 0: weight 1 when s <= threshold, else 0; a
//    NaN or -inf similarity gives a NaN weight, as in TF); without soft-NMS
//    s > threshold suppresses it outright; a score that fell to
//    <= score_threshold stops the comparisons;
//  - an unchanged score selects it; a lowered one still above
//    score_threshold goes back into the queue.
#pragma once

#include <cmath>
#include <cstdint>
#include <queue>
#include <vector>

namespace opbridge {
namespace detection {

struct NmsSelection {
  std::vector<int32_t> indices;
  std::vector<float> scores;
};

// similarity(i, j): how much candidate box i overlaps selected box j.
template <typename Similarity>
NmsSelection GreedyNms(const float* scores, int num_boxes, int max_output, float threshold, float score_threshold,
                       float soft_nms_sigma, const Similarity& similarity) {
  struct Candidate {
    int box;
    float score;
    int suppress_begin;
  };
  const auto lower = [](const Candidate& a, const Candidate& b) {
    return (a.score == b.score && a.box > b.box) || a.score < b.score;
  };
  std::vector<Candidate> storage;
  for (int i = 0; i < num_boxes; ++i) {
    if (scores[i] > score_threshold) storage.push_back({i, scores[i], 0});
  }
  std::priority_queue<Candidate, std::vector<Candidate>, decltype(lower)> queue(lower, std::move(storage));
  const bool soft = soft_nms_sigma > 0.0f;
  const float scale = soft ? -0.5f / soft_nms_sigma : 0.0f;
  NmsSelection out;
  while (static_cast<int64_t>(out.indices.size()) < max_output && !queue.empty()) {
    Candidate c = queue.top();
    queue.pop();
    const float original = c.score;
    bool suppressed = false;
    for (int j = static_cast<int>(out.indices.size()) - 1; j >= c.suppress_begin; --j) {
      const float s = similarity(c.box, out.indices[static_cast<size_t>(j)]);
      const float weight = std::exp(scale * s * s);
      c.score *= soft || s <= threshold ? weight : 0.0f;
      if (!soft && s > threshold) {
        suppressed = true;
        break;
      }
      if (c.score <= score_threshold) break;
    }
    c.suppress_begin = static_cast<int>(out.indices.size());
    if (suppressed) continue;
    if (c.score == original) {
      out.indices.push_back(c.box);
      out.scores.push_back(c.score);
    } else if (c.score > score_threshold) {
      queue.push(c);
    }
  }
  return out;
}

}  // namespace detection
}  // namespace opbridge
