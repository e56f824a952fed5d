// The authoring contract without a runtime: typed params checked at
// registration and read once per node, and the binding run against the
// smallest runtime there is (plain vectors). It is also the proof that a new
// runtime adapter is a RuntimeNode and a few lines, not a copy of the others.
//
// Prints each registration error on its own line ("ERROR <op>: <message>"),
// then "CHECK <name> ok|FAIL <why>" per check; tests/test_binding.py holds
// the expectations.
#include <cstdio>
#include <string>
#include <vector>

#include "core/binding.h"
#include "opbridge/op.h"

namespace {

using namespace opbridge;  // NOLINT

enum class Color { kRed, kGreen };

struct GoodParams {
  bool flag = false;
  int64_t count = 0;
  double scale = 0;
  Color color = Color::kRed;
  std::vector<int64_t> sizes;

  static void Declare(ParamBinder& b, GoodParams& p) {
    b.Attr("flag: bool = false", &p.flag);
    b.Attr("count: int >= 0 = 3", &p.count);
    b.Attr("scale: float = 0.5", &p.scale);
    b.Enum("color: {'red', 'green'} = 'red'", &p.color, {{"red", Color::kRed}, {"green", Color::kGreen}});
    b.Attr("sizes: list(int) = [1, 2]", &p.sizes);
  }
};

GoodParams g_seen;  // what the kernel last received

Status GoodShape(ShapeContext& ctx, const GoodParams& p) {
  ctx.set_output(0, Shape({p.count}));
  ctx.set_output_dynamic(1);
  return Status::Ok();
}

Status GoodKernel(KernelContext& ctx, const GoodParams& p) {
  g_seen = p;
  float* out = ctx.output(0).data<float>();
  for (int64_t i = 0; i < p.count; ++i) out[i] = static_cast<float>(p.scale * static_cast<double>(i));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(1, Shape({2})));
  // Output 0 was allocated by the binding: the kernel may not allocate it again.
  return ctx.AllocateOutput(0, Shape({1}));
}

OPBRIDGE_REGISTER_OP(OpSpec("Test>Good")
                         .Input("x: float")
                         .Output("y: float")
                         .Output("z: float")
                         .Attr("T: {float}")
                         .Params<GoodParams>()
                         .ShapeRule(GoodShape)
                         .Kernel(GoodKernel));

// A field of the wrong C++ type for its declaration.
struct WrongFieldParams {
  int64_t alpha = 0;
  static void Declare(ParamBinder& b, WrongFieldParams& p) { b.Attr("alpha: float = 1.0", &p.alpha); }
};
Status WrongFieldKernel(KernelContext&, const WrongFieldParams&) { return Status::Ok(); }
OPBRIDGE_REGISTER_OP(OpSpec("Test>WrongField")
                         .Output("y: float")
                         .Params<WrongFieldParams>()
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(WrongFieldKernel));

// An enum that maps other strings than the declaration allows.
struct WrongEnumParams {
  Color color = Color::kRed;
  static void Declare(ParamBinder& b, WrongEnumParams& p) {
    b.Enum("color: {'red', 'blue'} = 'red'", &p.color, {{"red", Color::kRed}, {"green", Color::kGreen}});
  }
};
Status WrongEnumKernel(KernelContext&, const WrongEnumParams&) { return Status::Ok(); }
OPBRIDGE_REGISTER_OP(OpSpec("Test>WrongEnum")
                         .Output("y: float")
                         .Params<WrongEnumParams>()
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(WrongEnumKernel));

// A kernel typed for params the op does not declare.
struct OtherParams {
  bool flag = false;
  static void Declare(ParamBinder& b, OtherParams& p) { b.Attr("flag: bool = false", &p.flag); }
};
OPBRIDGE_REGISTER_OP(OpSpec("Test>OtherParams")
                         .Output("y: float")
                         .Params<OtherParams>()
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(GoodKernel));

// Params read as attrs too: declared twice.
OPBRIDGE_REGISTER_OP(OpSpec("Test>Twice")
                         .Output("y: float")
                         .Attr("flag: bool = false")
                         .Params<GoodParams>()
                         .ShapeRule(GoodShape)
                         .Kernel(GoodKernel));

// The smallest runtime: outputs are vectors it owns.
class VectorNode : public RuntimeNode {
 public:
  Parallelism* parallelism() override { return nullptr; }
  Status AllocateOutput(int i, const Shape& shape, Tensor* out) override {
    buffers[static_cast<size_t>(i)].assign(static_cast<size_t>(shape.num_elements()), 0.0f);
    *out = Tensor(&names[static_cast<size_t>(i)], DType::kFloat32, shape, buffers[static_cast<size_t>(i)].data());
    return Status::Ok();
  }
  std::vector<std::string> names{"y", "z"};
  std::vector<std::vector<float>> buffers{2};
};

int g_failures = 0;
void Check(const char* name, bool ok, const std::string& why) {
  std::printf("CHECK %s %s\n", name, ok ? "ok" : ("FAIL " + why).c_str());
  if (!ok) ++g_failures;
}

}  // namespace

int main() {
  for (const std::string& error : RegistrationErrors()) std::printf("ERROR %s\n", error.c_str());
  const OpSpec* spec = FindOp("Test>Good");
  Check("good_registers", spec != nullptr, "Test>Good is not registered");
  if (spec == nullptr) return 1;

  // A node as a runtime would decode it: declared attrs with defaults filled
  // in, one set explicitly.
  NodeAttrs attrs;
  attrs.map.Set("T", DType::kFloat32);
  attrs.map.Set("flag", true);
  attrs.map.Set("count", int64_t{3});
  attrs.map.Set("scale", 0.5);
  attrs.map.Set("color", std::string("green"));
  attrs.map.Set("sizes", std::vector<int64_t>{1, 2});
  const Status parsed = attrs.Finish(*spec);
  Check("params_parse", parsed.ok(), parsed.message());

  const float x = 1.0f;
  const std::string x_name = "x";
  VectorNode node;
  const Status run = InferAndRun(*spec, attrs, {ConstTensor(&x_name, DType::kFloat32, Shape({1}), &x)}, 2, node);
  Check("params_reach_kernel",
        g_seen.flag && g_seen.count == 3 && g_seen.scale == 0.5 && g_seen.color == Color::kGreen &&
            g_seen.sizes == std::vector<int64_t>{1, 2},
        "the kernel saw other values");
  Check("static_output_allocated", node.buffers[0] == std::vector<float>{0.0f, 0.5f, 1.0f}, "y is wrong");
  Check("dynamic_output_allocated", node.buffers[1].size() == 2, "z was not allocated");
  Check("static_output_not_reallocated",
        run.message() == "output 'y' was not declared dynamic by the shape rule", "got: " + run.message());

  NodeAttrs wrong;
  wrong.map = attrs.map;
  wrong.map.Set("count", std::string("three"));
  const Status mistyped = wrong.Finish(*spec);
  Check("mistyped_attr_refused", mistyped.message() == "attr 'count' is 'three', not of type int", mistyped.message());

  NodeAttrs bad_enum;
  bad_enum.map = attrs.map;
  bad_enum.map.Set("color", std::string("blue"));
  const Status unknown = bad_enum.Finish(*spec);
  Check("unknown_enum_value_refused",
        unknown.message() == "attr 'color' has value 'blue', which is not one of its values", unknown.message());
  return g_failures == 0 ? 0 : 1;
}
