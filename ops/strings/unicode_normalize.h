// Unicode normalization (NFC, NFD, NFKC, NFKD) and NFKC_Casefold of UTF-8 text
// as tensorflow-text's NormalizeUTF8 / CaseFoldUTF8 get them from ICU's
// Normalizer2::normalizeUTF8 (tensorflow_text/core/kernels/normalize_kernels.cc):
// the whole bytes, NULs included; ill-formed UTF-8 is copied through
// unchanged and acts as an inert starter (nothing reorders across it or
// composes with it), as ICU's UTF-8 normalizer treats it (measured with TF).
// Tables: tensorflow-text's ICU (unicode_tables.cc).
#ifndef OPBRIDGE_OPS_STRINGS_UNICODE_NORMALIZE_H_
#define OPBRIDGE_OPS_STRINGS_UNICODE_NORMALIZE_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace opbridge {
namespace unicode {

enum class NormalForm { kNFC, kNFD, kNFKC, kNFKD, kNFKCCasefold };

// Replaces *out with the normalized text. Returns false, *out unspecified, if
// the text would be longer than max_bytes (normalization can expand text up
// to 18 times: U+FDFA).
bool NormalizeUtf8(NormalForm form, std::string_view in, size_t max_bytes, std::string* out);

}  // namespace unicode
}  // namespace opbridge

#endif  // OPBRIDGE_OPS_STRINGS_UNICODE_NORMALIZE_H_
