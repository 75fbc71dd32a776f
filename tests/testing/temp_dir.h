// A fresh directory under $TMPDIR (or /tmp), removed with everything in it at scope exit.
#ifndef LLMGATE_TESTING_TEMP_DIR_H_
#define LLMGATE_TESTING_TEMP_DIR_H_

#include <string>

namespace llmgate::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace llmgate::testing

#endif  // LLMGATE_TESTING_TEMP_DIR_H_
