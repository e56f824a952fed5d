// UTF-8 lower/upper case as TF's StringLower/StringUpper with encoding "utf-8"
// (TF: tensorflow/core/kernels/string_lower_op.cc, string_upper_op.cc), which
// build icu::UnicodeString(input.c_str(), "UTF-8") and call toLower()/toUpper():
// - the string ends at its first NUL byte (c_str);
// - each ill-formed UTF-8 subpart becomes one U+FFFD (ICU's converter);
// - full case mappings of the root locale (ß -> SS, İ -> i + U+0307, ligatures),
//   with Final_Sigma for capital sigma in toLower; TF's ICU (69, Unicode 13)
//   decides which code points map (tables: unicode_tables.cc).
#ifndef OPBRIDGE_OPS_STRINGS_UNICODE_CASE_H_
#define OPBRIDGE_OPS_STRINGS_UNICODE_CASE_H_

#include <string>
#include <string_view>

#include "opbridge/status.h"

namespace opbridge {
namespace unicode {

// Replace *out with the converted text. Never fails today; Status keeps room
// for limits a caller may want to report.
Status Utf8ToLower(std::string_view in, std::string* out);
Status Utf8ToUpper(std::string_view in, std::string* out);

}  // namespace unicode
}  // namespace opbridge

#endif  // OPBRIDGE_OPS_STRINGS_UNICODE_CASE_H_
