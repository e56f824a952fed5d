// PrintV2: what tf.print runs (after StringFormat builds the text). As TF's
// kernel (logging_ops.cc): the input must be a string scalar; the text plus
// `end` goes to output_stream: "stdout" or "stderr" (written and flushed),
// "file://<path>" (appended to that file), or "log(info)", "log(warning)",
// "log(error)", which TF hands to its logger; here they go to stderr as one
// line with a glog-style severity letter ("I", "W", "E"), without TF's
// timestamp and source location. Any other stream is TF's error at prepare.
// The op has no outputs: the converter keeps it for its side effect.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <mutex>
#include <string>
#include <string_view>

#include "opbridge/op.h"

namespace opbridge {
namespace {

constexpr std::string_view kFilePrefix = "file://";
constexpr const char* kStreams[] = {"stdout", "stderr", "log(info)", "log(warning)", "log(error)"};

struct PrintV2Params {
  std::string output_stream;
  std::string end;

  static void Declare(ParamBinder& b, PrintV2Params& p) {
    b.Attr("output_stream: string = 'stderr'", &p.output_stream);
    b.Attr("end: string = '\\n'", &p.end);
  }

  bool ToFile() const { return std::string_view(output_stream).substr(0, kFilePrefix.size()) == kFilePrefix; }
};

Status CheckStream(const PrintV2Params& p) {
  if (p.ToFile()) return Status::Ok();
  std::string valid;
  for (const char* s : kStreams) {
    if (p.output_stream == s) return Status::Ok();
    valid.append(" ").append(s);
  }
  return Errorf("Unknown output stream: ", p.output_stream, ", Valid streams are:", valid);
}

Status PrintV2Shape(ShapeContext& ctx, const PrintV2Params& p) {
  OPBRIDGE_RETURN_IF_ERROR(CheckStream(p));
  const Shape& s = ctx.input(0);
  OPBRIDGE_REQUIRE(!s.rank_known() || s.rank() == 0, "Input is expected to be scalar, but got ", s.ToString());
  return Status::Ok();
}

Status AppendToFile(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "ab");
  if (f == nullptr) return Errorf("cannot open '", path, "' to append the printed text: ", std::strerror(errno));
  const size_t written = std::fwrite(text.data(), 1, text.size(), f);
  const bool closed = std::fclose(f) == 0;
  OPBRIDGE_REQUIRE(written == text.size() && closed, "cannot write the printed text to '", path, "'");
  return Status::Ok();
}

Status PrintV2Kernel(KernelContext& ctx, const PrintV2Params& p) {
  const ConstTensor& input = ctx.input(0);
  OPBRIDGE_REQUIRE(input.rank() == 0, "Input is expected to be scalar, but got ", input.shape().ToString());
  std::string text(input.data<std::string_view>()[0]);
  text.append(p.end);
  if (p.ToFile()) return AppendToFile(p.output_stream.substr(kFilePrefix.size()), text);
  // One print at a time: two nodes (or two interpreters) printing at once
  // must not interleave their texts.
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  if (p.output_stream == "stdout") {
    std::cout << text << std::flush;
  } else if (p.output_stream == "stderr") {
    std::cerr << text << std::flush;
  } else {
    const char severity = p.output_stream == "log(info)" ? 'I' : p.output_stream == "log(warning)" ? 'W' : 'E';
    std::cerr << severity << " PrintV2] " << text << std::flush;
  }
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("PrintV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Writes a string scalar to stdout, stderr, a log stream or a file (tf.print).")
                         .Input("input: string")
                         .Params<PrintV2Params>()
                         .ShapeRule(PrintV2Shape)
                         .Kernel(PrintV2Kernel));

}  // namespace opbridge
