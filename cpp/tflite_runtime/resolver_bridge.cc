#include "tflite_runtime/resolver_bridge.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

namespace opbridge {
namespace {

// tflite::MutableOpResolver::AddCustom(const char*, const TfLiteRegistration*, int)
constexpr char kAddCustomSymbol[] = "_ZN6tflite17MutableOpResolver9AddCustomEPKcPK18TfLiteRegistrationi";

using AddCustomFn = void (*)(void* self, const char* name, const tflite_abi::TfLiteRegistration* reg,
                             int version);

class File {
 public:
  explicit File(const char* path) : fd_(open(path, O_RDONLY | O_CLOEXEC)) {}
  ~File() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  bool Read(uint64_t offset, void* out, size_t size) const {
    return pread(fd_, out, size, static_cast<off_t>(offset)) == static_cast<ssize_t>(size);
  }

 private:
  int fd_;
};

// Value (relative to the load base) of `name` in the file's .symtab or .dynsym.
Status FindSymbol(const std::string& path, const char* name, uint64_t* value) {
  File file(path.c_str());
  OPBRIDGE_REQUIRE(file.ok(), "cannot open ", path);
  Elf64_Ehdr header;
  OPBRIDGE_REQUIRE(file.Read(0, &header, sizeof(header)) && std::memcmp(header.e_ident, ELFMAG, SELFMAG) == 0 &&
                       header.e_ident[EI_CLASS] == ELFCLASS64 && header.e_shentsize == sizeof(Elf64_Shdr),
                   path, " is not a 64-bit ELF file");
  std::vector<Elf64_Shdr> sections(header.e_shnum);
  OPBRIDGE_REQUIRE(header.e_shnum > 0 && file.Read(header.e_shoff, sections.data(),
                                                   sizeof(Elf64_Shdr) * sections.size()),
                   path, ": cannot read section headers");
  const size_t name_len = std::strlen(name);
  for (const Elf64_Shdr& table : sections) {
    if (table.sh_type != SHT_SYMTAB && table.sh_type != SHT_DYNSYM) continue;
    if (table.sh_link >= sections.size() || table.sh_entsize != sizeof(Elf64_Sym)) continue;
    const Elf64_Shdr& strings = sections[table.sh_link];
    std::vector<Elf64_Sym> symbols(table.sh_size / sizeof(Elf64_Sym));
    std::vector<char> names(strings.sh_size + 1, '\0');
    if (!file.Read(table.sh_offset, symbols.data(), symbols.size() * sizeof(Elf64_Sym)) ||
        !file.Read(strings.sh_offset, names.data(), strings.sh_size)) {
      continue;
    }
    for (const Elf64_Sym& symbol : symbols) {
      if (ELF64_ST_TYPE(symbol.st_info) != STT_FUNC || symbol.st_value == 0) continue;
      if (symbol.st_name + name_len >= names.size()) continue;
      if (std::memcmp(&names[symbol.st_name], name, name_len + 1) == 0) {
        *value = symbol.st_value;
        return Status::Ok();
      }
    }
  }
  return Errorf(path, " has no symbol ", name, " (stripped, or not a TFLite runtime)");
}

// The symbol to look for. OPBRIDGE_RESOLVER_SYMBOL overrides it, for a runtime
// whose AddCustom is mangled differently (and to exercise the fallback).
const char* AddCustomSymbol() {
  const char* override_name = std::getenv("OPBRIDGE_RESOLVER_SYMBOL");
  return override_name && *override_name ? override_name : kAddCustomSymbol;
}

// One lookup per runtime library per process (about 1 ms each, docs/design.md).
Status FindAddCustom(void* resolver, AddCustomFn* out) {
  void* vtable = *static_cast<void**>(resolver);
  Dl_info info;
  OPBRIDGE_REQUIRE(dladdr(vtable, &info) != 0 && info.dli_fname != nullptr,
                   "the op resolver's vtable is not inside any loaded library");
  static std::mutex mutex;
  static auto* cache = new std::map<std::string, uintptr_t>();
  std::lock_guard<std::mutex> lock(mutex);
  const std::string path = info.dli_fname;
  auto it = cache->find(path);
  if (it == cache->end()) {
    uint64_t value = 0;
    OPBRIDGE_RETURN_IF_ERROR(FindSymbol(path, AddCustomSymbol(), &value));
    const uintptr_t address = reinterpret_cast<uintptr_t>(info.dli_fbase) + value;
    // The address must land back in the same library, or the symbol table lied.
    Dl_info check;
    OPBRIDGE_REQUIRE(dladdr(reinterpret_cast<void*>(address), &check) != 0 && check.dli_fname &&
                         path == check.dli_fname,
                     "AddCustom found in ", path, " does not map into it");
    it = cache->emplace(path, address).first;
  }
  *out = reinterpret_cast<AddCustomFn>(it->second);
  return Status::Ok();
}

}  // namespace

Status AddOpsToResolver(void* resolver, const std::vector<TfLiteOpEntry>& ops) {
  OPBRIDGE_REQUIRE(resolver != nullptr, "op resolver is NULL");
  AddCustomFn add_custom;
  OPBRIDGE_RETURN_IF_ERROR(FindAddCustom(resolver, &add_custom));
  // The resolver keeps the name pointer: spec names live as long as the library.
  for (const TfLiteOpEntry& op : ops) {
    add_custom(resolver, op.registration->custom_name, op.registration, op.registration->version);
  }
  return Status::Ok();
}

}  // namespace opbridge
