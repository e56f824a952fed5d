// StringFormat: tf.strings.format, and the text tf.print builds before
// PrintV2 writes it. As TF's kernel (string_format_op.cc): the template is
// split at every `placeholder` (absl::StrSplit: an empty placeholder splits
// between characters), there must be one input per placeholder, and each
// input is replaced by Tensor::SummarizeValue(summarize, print_v2 = true).
// Each template piece is appended as a C string (TF passes c_str()), so a
// piece ends at its first NUL byte.
//
// SummarizeValue's text, as TF 2.21 writes it (tensor.cc, measured):
// - limit = min(summarize, elements) (summarize < 0: every element); a
//   scalar prints itself (or nothing when limit is 0), then "..." when
//   elements exceed limit;
// - otherwise nested brackets, and in each dimension the first `limit` and
//   the last `limit` entries, with "..." between them when the dimension
//   has more than 2 * limit; entries of the last dimension are separated by
//   " ", those of outer dimension d by (rank - d - 1) newlines and d + 1
//   spaces;
// - floats as TF's legacy StrCat: "%.*g" with digits10 (6 or 15), or
//   max_digits10 (9 or 17) when that text does not read back as the value;
//   "nan"/"-nan"; subnormals print as a zero of their sign (TF formats
//   under its float mode, where they are zero); half and bfloat16 through
//   float; bool as 1/0; strings quoted and escaped as absl::Utf8SafeCEscape
//   (\n \r \t \" \' \\, other bytes below 0x20 and 0x7f in octal; bytes from
//   0x80 unchanged);
// - a bool tensor prints nothing at all when limit is 0 (TF's quirk);
// - complex numbers are not printed: "?" per element, in one flat bracket.
#include <Eigen/Core>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "opbridge/op.h"
#include "string_outputs.h"

namespace opbridge {
namespace {

struct StringFormatParams {
  std::string template_text;
  std::string placeholder;
  int64_t summarize = 3;

  static void Declare(ParamBinder& b, StringFormatParams& p) {
    b.Attr("template: string = '%s'", &p.template_text);
    b.Attr("placeholder: string = '%s'", &p.placeholder);
    b.Attr("summarize: int = 3", &p.summarize);
  }
};

// absl::StrSplit(template, placeholder): an empty placeholder splits into
// single characters (an empty template stays one empty piece).
std::vector<std::string_view> SplitTemplate(const StringFormatParams& p) {
  std::vector<std::string_view> pieces;
  const std::string_view t = p.template_text;
  if (p.placeholder.empty()) {
    if (t.empty()) pieces.push_back(t);
    for (size_t i = 0; i < t.size(); ++i) pieces.push_back(t.substr(i, 1));
    return pieces;
  }
  size_t start = 0;
  for (size_t at = t.find(p.placeholder); at != std::string_view::npos; at = t.find(p.placeholder, start)) {
    pieces.push_back(t.substr(start, at - start));
    start = at + p.placeholder.size();
  }
  pieces.push_back(t.substr(start));
  return pieces;
}

Status CheckPlaceholders(int inputs, size_t pieces) {
  const int64_t placeholders = static_cast<int64_t>(pieces) - 1;
  OPBRIDGE_REQUIRE(inputs == placeholders, "num placeholders in template and num inputs must match: ",
                   placeholders, " vs. ", inputs);
  return Status::Ok();
}

// A subnormal by its bits (comparisons may see it as zero in this float mode).
bool IsSubnormal(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  return (bits & 0x7f800000u) == 0 && (bits & 0x007fffffu) != 0;
}

bool IsSubnormal(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  return (bits & 0x7ff0000000000000u) == 0 && (bits & 0x000fffffffffffffu) != 0;
}

template <typename F>
void AppendFloat(F v, std::string* out) {
  if (std::isnan(v)) {
    out->append(std::signbit(v) ? "-nan" : "nan");
    return;
  }
  if (IsSubnormal(v)) v = std::signbit(v) ? F(-0.0) : F(0.0);
  // std::to_chars with a precision in general format writes printf's %.*g,
  // several times faster than snprintf.
  char buffer[64];
  const double d = static_cast<double>(v);
  char* end = std::to_chars(buffer, buffer + sizeof(buffer), d, std::chars_format::general,
                            std::numeric_limits<F>::digits10)
                  .ptr;
  F back{};
  const auto parsed = std::from_chars(buffer, end, back);
  if (std::isfinite(v) && (parsed.ec != std::errc() || back != v)) {
    end = std::to_chars(buffer, buffer + sizeof(buffer), d, std::chars_format::general,
                        std::numeric_limits<F>::max_digits10)
              .ptr;
  }
  out->append(buffer, static_cast<size_t>(end - buffer));
}

void AppendEscaped(std::string_view s, std::string* out) {
  out->push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '"': out->append("\\\""); break;
      case '\'': out->append("\\'"); break;
      case '\\': out->append("\\\\"); break;
      default:
        if (c < 0x20 || c == 0x7f) {
          const char octal[4] = {'\\', static_cast<char>('0' + (c >> 6)), static_cast<char>('0' + ((c >> 3) & 7)),
                                 static_cast<char>('0' + (c & 7))};
          out->append(octal, 4);
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

void AppendElement(const ConstTensor& t, int64_t i, std::string* out) {
  char digits[24];
  auto integer = [&](auto v) {
    const auto r = std::to_chars(digits, digits + sizeof(digits), v);
    out->append(digits, static_cast<size_t>(r.ptr - digits));
  };
  switch (t.dtype()) {
    case DType::kFloat32: return AppendFloat(t.data<float>()[i], out);
    case DType::kFloat64: return AppendFloat(t.data<double>()[i], out);
    case DType::kFloat16: return AppendFloat(static_cast<float>(t.data<Eigen::half>()[i]), out);
    case DType::kBFloat16: return AppendFloat(static_cast<float>(t.data<Eigen::bfloat16>()[i]), out);
    case DType::kInt8: return integer(static_cast<int>(t.data<int8_t>()[i]));
    case DType::kInt16: return integer(static_cast<int>(t.data<int16_t>()[i]));
    case DType::kInt32: return integer(t.data<int32_t>()[i]);
    case DType::kInt64: return integer(t.data<int64_t>()[i]);
    case DType::kUInt8: return integer(static_cast<unsigned>(t.data<uint8_t>()[i]));
    case DType::kUInt16: return integer(static_cast<unsigned>(t.data<uint16_t>()[i]));
    case DType::kUInt32: return integer(t.data<uint32_t>()[i]);
    case DType::kUInt64: return integer(t.data<uint64_t>()[i]);
    case DType::kBool: return out->push_back(t.data<bool>()[i] ? '1' : '0');
    case DType::kString: return AppendEscaped(t.data<std::string_view>()[i], out);
    default: return out->push_back('?');
  }
}

// The separator before an entry of dimension `dim` (TF's PrintDimSpacing).
void AppendSpacing(int dim, int rank, std::string* out) {
  if (dim == rank - 1) {
    out->push_back(' ');
    return;
  }
  out->append(static_cast<size_t>(rank - dim - 1), '\n');
  out->append(static_cast<size_t>(dim + 1), ' ');
}

// TF's PrintOneDimV2: `ends` entries from each end of every dimension.
void AppendDim(const ConstTensor& t, int dim, int64_t ends, int64_t offset, std::string* out) {
  const int rank = t.rank();
  if (dim == rank) return AppendElement(t, offset, out);
  out->push_back('[');
  const int64_t count = t.dim(dim);
  int64_t stride = 1;
  for (int d = dim + 1; d < rank; ++d) stride *= t.dim(d);
  for (int64_t i = 0; i < ends && i < count; ++i) {
    if (i > 0) AppendSpacing(dim, rank, out);
    AppendDim(t, dim + 1, ends, offset + stride * i, out);
  }
  if (count > 2 * ends) {
    AppendSpacing(dim, rank, out);
    out->append("...");
  }
  for (int64_t i = std::max(ends, count - ends); i < count; ++i) {
    AppendSpacing(dim, rank, out);
    AppendDim(t, dim + 1, ends, offset + stride * i, out);
  }
  out->push_back(']');
}

void AppendSummary(const ConstTensor& t, int64_t summarize, std::string* out) {
  const int64_t n = t.num_elements();
  const int64_t limit = summarize < 0 ? n : std::min(summarize, n);
  const bool complex = t.dtype() == DType::kComplex64 || t.dtype() == DType::kComplex128;
  if (complex) {  // TF's "irregular" types: flat, unprinted
    if (t.rank() > 0) out->push_back('[');
    for (int64_t i = 0; i < limit; ++i) out->append(i > 0 ? " ?" : "?");
    if (summarize >= 0 && summarize < n) out->append("...");
    if (t.rank() > 0) out->push_back(']');
    return;
  }
  // TF passes no data when limit is 0, and its bool printer returns "" then.
  if (t.dtype() == DType::kBool && limit == 0) return;
  if (t.rank() == 0) {
    for (int64_t i = 0; i < limit; ++i) AppendElement(t, i, out);
    if (n > limit) out->append("...");
    return;
  }
  AppendDim(t, 0, limit, 0, out);
}

Status StringFormatShape(ShapeContext& ctx, const StringFormatParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(CheckPlaceholders(ctx.num_inputs(), SplitTemplate(p).size()));
  ctx.set_output(0, Shape());
  return Status::Ok();
}

Status StringFormatKernel(KernelContext& ctx, const StringFormatParams& p) {
  const std::vector<std::string_view> pieces = SplitTemplate(p);
  OPBRIDGE_RETURN_IF_ERROR(CheckPlaceholders(ctx.num_inputs(), pieces.size()));
  std::string text;
  // TF appends each piece through c_str(): up to its first NUL.
  auto piece = [&](size_t i) { text.append(pieces[i].substr(0, pieces[i].find('\0'))); };
  piece(0);
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    AppendSummary(ctx.input(i), p.summarize, &text);
    piece(static_cast<size_t>(i) + 1);
  }
  OPBRIDGE_RETURN_IF_ERROR(strings::CheckStringOutput("output", 1, text.size()));
  ctx.output(0).data<std::string>()[0] = std::move(text);
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("StringFormat")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Formats tensors into a template, as tf.strings.format and tf.print do "
                              "(TF's summarized tensor text).")
                         .Input("inputs: T")
                         .Output("output: string")
                         .Attr("T: list(type)")
                         .Params<StringFormatParams>()
                         .ShapeRule(StringFormatShape)
                         .Kernel(StringFormatKernel));

}  // namespace opbridge
