// Status: how an op reports failure without exceptions crossing a runtime.
//
// Both runtimes call kernels through C function pointers (TFLite) or across a
// library boundary (TF), so nothing may throw out of an op. Ops return Status;
// the adapters turn a failed Status into the runtime's error, prefixed with the
// op's name.
#pragma once

#include <sstream>
#include <string>
#include <utility>

namespace opbridge {

class Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message), true); }

  bool ok() const { return !failed_; }
  const std::string& message() const { return message_; }

 private:
  Status(std::string message, bool failed) : message_(std::move(message)), failed_(failed) {}
  std::string message_;
  bool failed_ = false;
};

// Concatenates anything that streams into one string: StrCat("rank ", 3).
template <typename... Args>
std::string StrCat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

template <typename... Args>
Status Errorf(const Args&... args) {
  return Status::Error(StrCat(args...));
}

}  // namespace opbridge

// Error paths stay one line each in op code.
#define OPBRIDGE_RETURN_IF_ERROR(expr)              \
  do {                                              \
    ::opbridge::Status _opbridge_status = (expr);   \
    if (!_opbridge_status.ok()) return _opbridge_status; \
  } while (0)

#define OPBRIDGE_REQUIRE(cond, ...)                              \
  do {                                                           \
    if (!(cond)) return ::opbridge::Errorf(__VA_ARGS__);         \
  } while (0)
