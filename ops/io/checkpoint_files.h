// File access for the checkpoint ops: reading a whole file, writing one
// atomically (as TF's TensorSliceWriter: a temporary file renamed into
// place, so a reader never sees half a checkpoint), and matching a file
// pattern as Env::GetMatchingPaths does for local files.
#pragma once

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#if __has_include(<glob.h>)
#include <glob.h>
#define OPBRIDGE_HAVE_GLOB 1
#endif
#include <sys/stat.h>
#include <unistd.h>

#include "opbridge/status.h"

namespace opbridge {
namespace checkpoint_files {

inline Status ReadFile(const std::string& path, std::string* bytes) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Errorf(path, "; ", std::strerror(errno));
  bytes->clear();
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) bytes->append(buf, n);
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return Errorf(path, "; read error");
  return Status::Ok();
}

inline Status WriteFileAtomically(const std::string& path, const std::string& bytes) {
  static std::atomic<uint64_t> counter{0};
  const uint64_t salt = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
                        (static_cast<uint64_t>(::getpid()) << 32) ^ counter.fetch_add(1);
  const std::string temp = path + ".tempstate" + std::to_string(salt);
  std::FILE* f = std::fopen(temp.c_str(), "wb");
  if (f == nullptr) return Errorf("Failed to create file ", temp, "; ", std::strerror(errno));
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed) {
    std::remove(temp.c_str());
    return Errorf("Error writing (tmp) checkpoint file: ", temp);
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(temp.c_str());
    return Errorf("Failed to rename file ", temp, " to ", path, "; ", std::strerror(err));
  }
  return Status::Ok();
}

// The files a pattern names, sorted: the file itself when the pattern has no
// wildcard (and it exists), else the glob's matches.
inline Status MatchFiles(const std::string& pattern, std::vector<std::string>* files) {
  files->clear();
  if (pattern.find_first_of("*?[\\") == std::string::npos) {
    struct stat st;
    if (::stat(pattern.c_str(), &st) == 0) files->push_back(pattern);
    return Status::Ok();
  }
#ifdef OPBRIDGE_HAVE_GLOB
  glob_t g;
  const int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
  if (rc == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) files->push_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  if (rc != 0 && rc != GLOB_NOMATCH) return Errorf("glob failed for ", pattern);
  return Status::Ok();
#else
  return Errorf("file patterns with wildcards are not supported on this platform: ", pattern);
#endif
}

}  // namespace checkpoint_files
}  // namespace opbridge
