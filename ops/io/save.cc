// Save: TF's V1 checkpoint writer op (tf.raw_ops.Save), as TFLite's on-device
// training recipe calls it from a `save(checkpoint_path)` signature: writes the
// tensors `data` under the names `tensor_names` to the file `filename`. TFLite
// has no kernel; the converter (allow_custom_ops) leaves CUSTOM "Save" with
// inputs (filename, tensor_names, data...).
//
// The file is the one TF's SaveTensors writes, byte for byte
// (checkpoint_writer.h): tensors in name order, one full slice each, values in
// the dtype's TensorProto *_val field, in an uncompressed LevelDB table
// written to a temporary file and renamed into place. TF's own Restore reads it.
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint_files.h"
#include "checkpoint_writer.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

Status SaveShape(ShapeContext&) { return Status::Ok(); }  // no outputs

Status SaveKernel(KernelContext& ctx) {
  const ConstTensor& filename = ctx.input(0);
  const ConstTensor& names = ctx.input(1);
  OPBRIDGE_REQUIRE(filename.num_elements() == 1, "Input 0 (filename) must be a string scalar; got a tensor of ",
                   filename.num_elements(), " elements");
  const int64_t n = names.num_elements();
  constexpr int kFixedInputs = 2;
  OPBRIDGE_REQUIRE(n + kFixedInputs == ctx.num_inputs(), "Expected totally ", n + kFixedInputs,
                   " inputs as input #1 (which is a string tensor of saved names) contains ", n,
                   " names, but received ", ctx.num_inputs(), " inputs");
  const std::string_view* name_views = names.data<std::string_view>();
  std::vector<checkpoint_v1::SaveItem> items;
  items.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const ConstTensor& t = ctx.input(static_cast<int>(i) + kFixedInputs);
    checkpoint_v1::SaveItem item;
    item.name = name_views[i];
    item.dtype = t.dtype();
    item.dims = t.shape().dims();
    if (t.dtype() == DType::kString) item.strings = t.data<std::string_view>();
    else item.data = t.data<void>();
    items.push_back(std::move(item));
  }
  std::string file;
  OPBRIDGE_RETURN_IF_ERROR(checkpoint_v1::BuildCheckpoint(std::move(items), &file));
  return checkpoint_files::WriteFileAtomically(std::string(filename.data<std::string_view>()[0]), file);
}

OPBRIDGE_REGISTER_OP(OpSpec("Save")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Writes tensors to a TF V1 checkpoint file (a LevelDB table of SavedTensorSlices).")
                         .Input("filename: string")
                         .Input("tensor_names: string")
                         .Input("data: T")
                         .Attr("T: list(type)")
                         .ShapeRule(SaveShape)
                         .Kernel(SaveKernel));

}  // namespace
}  // namespace opbridge
