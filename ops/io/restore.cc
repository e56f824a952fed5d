// Restore: TF's V1 checkpoint reader op (tf.raw_ops.Restore), as TFLite's
// on-device training recipe calls it from a `restore(checkpoint_path)`
// signature, once per variable: reads tensor `tensor_name` of type `dt` from
// the checkpoint file(s) `file_pattern`. TFLite has no kernel; the converter
// (allow_custom_ops) leaves CUSTOM "Restore" with options {dt, preferred_shard}.
//
// Reads what TF's TensorSliceReader reads (checkpoint_reader.h): every file the
// pattern matches, the tensor's slices from any of them (partitioned
// variables), values from the dtype's *_val field (or tensor_content). Errors
// are TF's: no matching file (NotFound), unknown name (NotFound), another
// dtype (InvalidArgument); a damaged file is an error, never a crash.
// preferred_shard only tells TF which file to open first: all are read here.
#include <map>
#include <string>
#include <vector>

#include "checkpoint_files.h"
#include "checkpoint_reader.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

struct RestoreParams {
  DType dt = DType::kInvalid;
  int64_t preferred_shard = -1;

  static void Declare(ParamBinder& b, RestoreParams& p) {
    b.Attr("dt: type", &p.dt);
    b.Attr("preferred_shard: int = -1", &p.preferred_shard);
  }
};

Status RestoreShape(ShapeContext& ctx, const RestoreParams&) {
  ctx.set_output_dynamic(0);  // the shape is the file's
  return Status::Ok();
}

Status RestoreKernel(KernelContext& ctx, const RestoreParams& p) {
  const ConstTensor& pattern_t = ctx.input(0);
  const ConstTensor& name_t = ctx.input(1);
  OPBRIDGE_REQUIRE(pattern_t.num_elements() == 1,
                   "Input 0 (file_pattern) must be a string scalar; got a tensor of ", pattern_t.num_elements(),
                   " elements");
  OPBRIDGE_REQUIRE(name_t.num_elements() == 1, "Input 1 (tensor_name) must be a string scalar; got a tensor of ",
                   name_t.num_elements(), " elements");
  const std::string pattern(pattern_t.data<std::string_view>()[0]);
  const std::string name(name_t.data<std::string_view>()[0]);

  std::vector<std::string> paths;
  Status s = checkpoint_files::MatchFiles(pattern, &paths);
  if (!s.ok()) {
    return Errorf("Unsuccessful TensorSliceReader constructor: Failed to get matching files on ", pattern, ": ",
                  s.message());
  }
  OPBRIDGE_REQUIRE(!paths.empty(),
                   "Unsuccessful TensorSliceReader constructor: Failed to find any matching files for ", pattern);
  std::vector<checkpoint_v1::CheckpointFile> files(paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    files[i].path = paths[i];
    s = checkpoint_files::ReadFile(paths[i], &files[i].bytes);
    if (!s.ok()) return Errorf("Unable to open table file ", paths[i], ": ", s.message());
    OPBRIDGE_RETURN_IF_ERROR(checkpoint_v1::ParseCheckpointFile(&files[i]));
  }
  std::map<std::string, checkpoint_v1::TensorEntry> index;
  OPBRIDGE_RETURN_IF_ERROR(checkpoint_v1::IndexTensors(files, &index));

  auto it = index.find(name);
  OPBRIDGE_REQUIRE(it != index.end(), "Tensor name \"", name, "\" not found in checkpoint files ", pattern);
  const checkpoint_v1::TensorEntry& entry = it->second;
  const int expected = checkpoint_v1::TfEnumOf(p.dt);
  OPBRIDGE_REQUIRE(entry.tf_type == expected, "Expected to restore a tensor of type ",
                   checkpoint_v1::TfTypeName(expected), ", got a tensor of type ",
                   checkpoint_v1::TfTypeName(entry.tf_type), " instead: tensor_name = ", name);
  if (p.dt == DType::kString) {
    return Errorf("restoring string tensors is not supported by the TFLite kernel: tensor_name = ", name);
  }
  OPBRIDGE_REQUIRE(checkpoint_v1::ValFieldOf(p.dt).field != 0, "Restoring data type ",
                   checkpoint_v1::TfTypeName(expected), " not yet supported");
  // All counts are checked against the file before the output is sized by it.
  OPBRIDGE_RETURN_IF_ERROR(checkpoint_v1::CheckTensorData(name, entry, p.dt));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape(entry.dims)));
  return checkpoint_v1::CopyTensor(name, entry, p.dt, ctx.output(0).data<void>());
}

OPBRIDGE_REGISTER_OP(OpSpec("Restore")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Reads a tensor from TF V1 checkpoint file(s).")
                         .Input("file_pattern: string")
                         .Input("tensor_name: string")
                         .Output("tensor: dt")
                         .Params<RestoreParams>()
                         .ShapeRule(RestoreShape)
                         .Kernel(RestoreKernel));

}  // namespace
}  // namespace opbridge
