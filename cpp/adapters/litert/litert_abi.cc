#include "adapters/litert/litert_abi.h"

#include <dlfcn.h>

namespace opbridge::litert_abi {

bool LoadAcceleratorApi(const char* library, AcceleratorApi* api, std::string* error) {
  void* handle = RTLD_DEFAULT;
  if (library != nullptr) {
    // Never closed: the registered accelerator's callbacks live in this library
    // and LiteRT's environment may outlive any handle we could keep.
    handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* why = dlerror();
      *error = std::string("cannot open ") + library + ": " + (why ? why : "unknown error");
      return false;
    }
  }
  const std::string where = library ? library : "this process (no libLiteRt given)";
  AcceleratorApi loaded;
#define OPBRIDGE_LITERT_LOOKUP(name, ret, params)                                                  \
  loaded.name = reinterpret_cast<ret(*) params>(dlsym(handle, #name));                             \
  if (loaded.name == nullptr) {                                                                    \
    *error = where + " does not export " #name ": not a LiteRT C API (2.3.0) opbridge can use";   \
    return false;                                                                                  \
  }
  OPBRIDGE_LITERT_ACCELERATOR_FUNCTIONS(OPBRIDGE_LITERT_LOOKUP)
#undef OPBRIDGE_LITERT_LOOKUP
  *api = loaded;
  return true;
}

}  // namespace opbridge::litert_abi
