// CTCBeamSearchDecoder: TF's CTC beam search (tf.nn.ctc_beam_search_decoder).
// The converter emits CUSTOM "CTCBeamSearchDecoder" {T, beam_width,
// merge_repeated, top_paths} with 3 * top_paths + 1 outputs: top_paths
// sparse tensors (indices, values, shapes; sized at run time) and the
// log-probabilities [batch, top_paths].
//
// The algorithm of TF's CTCBeamSearchDecoder with its default scorer, step by
// step, so that ties resolve the same way:
// - per step, the logits are normalized with a log-softmax (max, then a
//   sequential sum of exps); the blank is the last class;
// - beams live in a "top N" container with TF 2.21's gtl::TopN behaviour
//   (an unordered vector until full, then a heap; extraction sorts with
//   std::sort or std::sort_heap on the beam's total log-probability), which
//   decides which beams survive and the order children are grown in;
// - probabilities are summed with TF's LogSumExp (log1pf(expf(.)): float
//   precision even for double inputs);
// - the top_paths best beams are read back with merge_repeated applied to
//   their label sequences.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <unordered_map>
#include <vector>

#include "ctc_inputs.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

struct BeamSearchParams {
  int64_t beam_width = 1;
  int64_t top_paths = 1;
  bool merge_repeated = true;

  static void Declare(ParamBinder& b, BeamSearchParams& p) {
    b.Attr("beam_width: int >= 1", &p.beam_width);
    b.Attr("top_paths: int >= 1", &p.top_paths);
    b.Attr("merge_repeated: bool = true", &p.merge_repeated);
  }
};

template <typename T>
constexpr T LogZero() {
  return -std::numeric_limits<T>::infinity();
}

// TF's ctc::LogSumExp, float math functions included.
template <typename T>
T LogSumExp(T a, T b) {
  if (a == LogZero<T>()) return b;
  if (b == LogZero<T>()) return a;
  return a > b ? a + log1pf(expf(static_cast<float>(b - a))) : b + log1pf(expf(static_cast<float>(a - b)));
}

template <typename T>
struct Probability {
  T total = LogZero<T>(), blank = LogZero<T>(), label = LogZero<T>();
  void Reset() { total = blank = label = LogZero<T>(); }
};

template <typename T>
struct Beam {
  Beam* parent;
  int label;
  std::unordered_map<int, Beam*> children;
  Probability<T> oldp, newp;
  bool Active() const { return newp.total != LogZero<T>(); }
};

// Owns every beam of one decode.
template <typename T>
class BeamArena {
 public:
  Beam<T>* Add(Beam<T>* parent, int label) {
    beams_.push_back(std::make_unique<Beam<T>>());
    Beam<T>* beam = beams_.back().get();
    beam->parent = parent;
    beam->label = label;
    return beam;
  }
  Beam<T>* Child(Beam<T>* parent, int label) {
    auto [it, inserted] = parent->children.try_emplace(label, nullptr);
    if (inserted) it->second = Add(parent, label);
    return it->second;
  }

 private:
  std::vector<std::unique_ptr<Beam<T>>> beams_;
};

// TF's beam comparer: higher total log-probability first.
template <typename T>
struct Greater {
  bool operator()(const Beam<T>* a, const Beam<T>* b) const { return a->newp.total > b->newp.total; }
};

// The best `limit` elements pushed so far, with the bookkeeping of TF 2.21's
// gtl::TopN (its state machine decides tie order, so it is reproduced, not
// approximated): unordered until more than `limit` elements have been pushed,
// the smallest kept at the front once peek_bottom() has been asked, then a
// heap of exactly `limit` elements whose smallest is replaced by anything
// better.
template <typename T, typename Cmp>
class TopN {
 public:
  explicit TopN(size_t limit) : limit_(limit) {}

  size_t size() const { return std::min(elements_.size(), limit_); }

  void push(const T& v) {
    if (limit_ == 0) return;
    if (state_ != kHeap) {
      elements_.push_back(v);
      if (elements_.size() == limit_ + 1) {
        std::make_heap(elements_.begin(), elements_.end(), cmp_);
        std::pop_heap(elements_.begin(), elements_.end(), cmp_);
        elements_.pop_back();
        state_ = kHeap;
      } else if (state_ == kBottomKnown && !cmp_(elements_.back(), elements_.front())) {
        // The new element is the smallest: it goes to the front.
        std::swap(elements_.front(), elements_.back());
      }
    } else if (cmp_(v, elements_.front())) {
      std::pop_heap(elements_.begin(), elements_.end(), cmp_);
      elements_.back() = v;
      std::push_heap(elements_.begin(), elements_.end(), cmp_);
    }
  }

  const T& peek_bottom() {
    if (state_ == kUnordered) {
      size_t bottom = 0;
      for (size_t i = 1; i < elements_.size(); ++i) {
        if (cmp_(elements_[bottom], elements_[i])) bottom = i;
      }
      if (bottom != 0) std::swap(elements_[0], elements_[bottom]);
      state_ = kBottomKnown;
    }
    return elements_.front();
  }

  // The elements, best first; leaves the container to be Reset().
  std::vector<T> Extract() {
    std::vector<T> out;
    out.swap(elements_);
    if (state_ != kHeap) {
      std::sort(out.begin(), out.end(), cmp_);
    } else {
      std::sort_heap(out.begin(), out.end(), cmp_);
    }
    return out;
  }

  // The elements in storage order (TF iterates them so to pick the top paths).
  std::vector<T> Unsorted() const { return std::vector<T>(elements_.begin(), elements_.begin() + size()); }

  void Reset() {
    elements_.clear();
    state_ = kUnordered;
  }

 private:
  enum State { kUnordered, kBottomKnown, kHeap };
  std::vector<T> elements_;
  size_t limit_;
  Cmp cmp_;
  State state_ = kUnordered;
};

template <typename T>
class BeamSearch {
 public:
  BeamSearch(int classes, int beam_width) : classes_(classes), beam_width_(beam_width), leaves_(beam_width) {}

  void Reset() {
    leaves_.Reset();
    arena_ = std::make_unique<BeamArena<T>>();
    Beam<T>* root = arena_->Add(nullptr, -1);
    root->newp.total = 0;
    root->newp.blank = 0;
    leaves_.push(root);
  }

  void Step(const T* logits) {
    const int blank = classes_ - 1;
    T max_coeff = logits[0];
    for (int j = 1; j < classes_; ++j) max_coeff = std::max(max_coeff, logits[j]);
    T sum = 0;
    for (int j = 0; j < classes_; ++j) sum += std::exp(logits[j] - max_coeff);
    const T norm = max_coeff + std::log(sum);

    std::vector<Beam<T>*> branches = leaves_.Extract();
    leaves_.Reset();
    for (Beam<T>* b : branches) b->oldp = b->newp;
    for (Beam<T>* b : branches) {
      if (b->parent != nullptr) {
        if (b->parent->Active()) {
          const T previous = b->label == b->parent->label ? b->parent->oldp.blank : b->parent->oldp.total;
          b->newp.label = LogSumExp(b->newp.label, previous);
        }
        b->newp.label += logits[b->label] - norm;
      }
      b->newp.blank = b->oldp.total + logits[blank] - norm;
      b->newp.total = LogSumExp(b->newp.blank, b->newp.label);
      leaves_.push(b);
    }
    const auto candidate = [this](const Probability<T>& p) {
      return p.total > LogZero<T>() &&
             (leaves_.size() < static_cast<size_t>(beam_width_) || p.total > leaves_.peek_bottom()->newp.total);
    };
    for (Beam<T>* b : branches) {
      if (!candidate(b->oldp)) continue;
      for (int label = 0; label < classes_ - 1; ++label) {
        Beam<T>* c = arena_->Child(b, label);
        if (c->Active()) continue;
        c->newp.blank = LogZero<T>();
        const T previous = c->label == b->label ? b->oldp.blank : b->oldp.total;
        c->newp.label = logits[label] - norm + previous;
        c->newp.total = c->newp.label;
        if (candidate(c->newp)) {
          // A full beam drops its bottom entry: reset it, it leaves the search.
          if (leaves_.size() == static_cast<size_t>(beam_width_)) leaves_.peek_bottom()->newp.Reset();
          leaves_.push(c);
        } else {
          c->oldp.Reset();
          c->newp.Reset();
        }
      }
    }
  }

  // After the last step, as TF's op kernel: the best `n` leaves, offered to a
  // TopN in the beam container's storage order.
  Status TopPaths(int n, bool merge_repeated, std::vector<std::vector<int64_t>>* paths, std::vector<T>* log_probs) {
    OPBRIDGE_REQUIRE(n <= beam_width_, "requested more paths than the beam width.");
    OPBRIDGE_REQUIRE(static_cast<size_t>(n) <= leaves_.size(), "Less leaves in the beam search than requested.");
    TopN<Beam<T>*, Greater<T>> best(static_cast<size_t>(n));
    for (Beam<T>* leaf : leaves_.Unsorted()) best.push(leaf);
    std::vector<Beam<T>*> top = best.Extract();
    paths->clear();
    log_probs->clear();
    for (int i = 0; i < n; ++i) {
      std::vector<int64_t> labels;
      int previous = -1;
      for (const Beam<T>* c = top[static_cast<size_t>(i)]; c->parent != nullptr; c = c->parent) {
        if (!merge_repeated || c->label != previous) labels.push_back(c->label);
        previous = c->label;
      }
      std::reverse(labels.begin(), labels.end());
      paths->push_back(std::move(labels));
      log_probs->push_back(top[static_cast<size_t>(i)]->newp.total);
    }
    return Status::Ok();
  }

 private:
  int classes_;
  int beam_width_;
  TopN<Beam<T>*, Greater<T>> leaves_;
  std::unique_ptr<BeamArena<T>> arena_;
};

Status BeamSearchShape(ShapeContext& ctx, const BeamSearchParams& params) {
  int64_t batch = kUnknownDim;
  OPBRIDGE_RETURN_IF_ERROR(ctc::CheckInputShapes(ctx, &batch));
  const int64_t top_paths = params.top_paths;
  for (int64_t p = 0; p < top_paths; ++p) {
    const int i = static_cast<int>(p);
    ctx.set_output(i, Shape({kUnknownDim, 2}));
    ctx.set_output_dynamic(i);
    ctx.set_output(static_cast<int>(top_paths) + i, Shape({kUnknownDim}));
    ctx.set_output_dynamic(static_cast<int>(top_paths) + i);
    ctx.set_output(static_cast<int>(2 * top_paths) + i, Shape({2}));
  }
  ctx.set_output(static_cast<int>(3 * top_paths), Shape({batch, top_paths}));
  return Status::Ok();
}

template <typename T>
Status Decode(KernelContext& ctx, const BeamSearchParams& params) {
  const ConstTensor& inputs = ctx.input(0);
  ctc::Inputs in;
  OPBRIDGE_RETURN_IF_ERROR(ctc::ReadInputs(ctx, &in));
  const int64_t max_time = in.max_time, batch = in.batch, classes = in.classes;
  const int32_t* seq_len = in.seq_len;
  const int64_t top_paths = params.top_paths;
  const int64_t beam_width = params.beam_width;
  OPBRIDGE_REQUIRE(beam_width <= INT32_MAX && top_paths <= INT32_MAX, "beam_width and top_paths must fit an int");
  const bool merge = params.merge_repeated;

  const T* logits = inputs.data<T>();
  T* log_prob = ctx.output(static_cast<int>(3 * top_paths)).data<T>();
  // sequences[b][p]: path p of batch entry b.
  std::vector<std::vector<std::vector<int64_t>>> sequences(static_cast<size_t>(batch));
  std::vector<Status> errors(static_cast<size_t>(batch));
  ctx.ParallelFor(batch, max_time * classes * beam_width * 20 + 100, [&](int64_t begin, int64_t end) {
    BeamSearch<T> search(static_cast<int>(classes), static_cast<int>(beam_width));
    std::vector<T> row(static_cast<size_t>(classes));
    std::vector<T> probs;
    for (int64_t b = begin; b < end; ++b) {
      // The beams (beam_width * classes per step, kept until the entry is
      // done) are the one allocation a model can make arbitrarily large:
      // running out of memory is an error, not an exception across the runtime.
      try {
        search.Reset();
        for (int64_t t = 0; t < seq_len[b]; ++t) search.Step(logits + (t * batch + b) * classes);
        errors[static_cast<size_t>(b)] =
            search.TopPaths(static_cast<int>(top_paths), merge, &sequences[static_cast<size_t>(b)], &probs);
      } catch (const std::bad_alloc&) {
        errors[static_cast<size_t>(b)] =
            Errorf("out of memory decoding batch entry ", b, " with beam_width ", beam_width);
        search.Reset();
      }
      if (!errors[static_cast<size_t>(b)].ok()) continue;
      std::copy(probs.begin(), probs.end(), log_prob + b * top_paths);
    }
  });
  for (const Status& status : errors) OPBRIDGE_RETURN_IF_ERROR(status);

  for (int64_t p = 0; p < top_paths; ++p) {
    int64_t total = 0, longest = 0;
    for (const auto& paths : sequences) {
      const auto size = static_cast<int64_t>(paths[static_cast<size_t>(p)].size());
      total += size;
      longest = std::max(longest, size);
    }
    const int indices_out = static_cast<int>(p), values_out = static_cast<int>(top_paths + p);
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(indices_out, Shape({total, 2})));
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(values_out, Shape({total})));
    int64_t* indices = ctx.output(indices_out).data<int64_t>();
    int64_t* values = ctx.output(values_out).data<int64_t>();
    int64_t k = 0;
    for (int64_t b = 0; b < batch; ++b) {
      const auto& path = sequences[static_cast<size_t>(b)][static_cast<size_t>(p)];
      for (size_t t = 0; t < path.size(); ++t, ++k) {
        indices[2 * k] = b;
        indices[2 * k + 1] = static_cast<int64_t>(t);
        values[k] = path[t];
      }
    }
    int64_t* dense_shape = ctx.output(static_cast<int>(2 * top_paths + p)).data<int64_t>();
    dense_shape[0] = batch;
    dense_shape[1] = longest;
  }
  return Status::Ok();
}

Status BeamSearchKernel(KernelContext& ctx, const BeamSearchParams& params) {
  return Dispatch<float, double>(ctx.input(0).dtype(),
                                 [&](auto tag) { return Decode<typename decltype(tag)::type>(ctx, params); });
}

OPBRIDGE_REGISTER_OP(OpSpec("CTCBeamSearchDecoder")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("CTC beam search decoding of logits [max_time, batch, classes] "
                              "(tf.nn.ctc_beam_search_decoder): the top_paths best paths as sparse tensors and "
                              "their log-probabilities; the blank is the last class.")
                         .Input("inputs: T")
                         .Input("sequence_length: int32")
                         .Output("decoded_indices: top_paths * int64")
                         .Output("decoded_values: top_paths * int64")
                         .Output("decoded_shape: top_paths * int64")
                         .Output("log_probability: T")
                         .Params<BeamSearchParams>()
                         .Attr("T: {float, double} = DT_FLOAT")
                         .ShapeRule(BeamSearchShape)
                         .Kernel(BeamSearchKernel));

}  // namespace
}  // namespace opbridge
