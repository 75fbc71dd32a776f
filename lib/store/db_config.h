// How one SQLite database file of the state directory is opened.
#ifndef LLMGATE_LIB_STORE_DB_CONFIG_H_
#define LLMGATE_LIB_STORE_DB_CONFIG_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "llmgate/options.h"
#include "util/logger.h"

namespace llmgate::internal {

struct DbConfig {
  std::string path;                      // the database file
  mode_t file_mode = 0600;               // mode of a newly created file (-wal/-shm copy it)
  SyncMode sync = SyncMode::kNormal;
  std::chrono::milliseconds busy_timeout{5000};
  bool manual_checkpoint = false;        // resolved: true on SQLite < 3.51.3 or when forced
  int64_t checkpoint_pages = 1000;       // WAL size that triggers a manual checkpoint
  int64_t mmap_bytes = 0;                // PRAGMA mmap_size (0 = off)
  int page_size = 0;                     // PRAGMA page_size of a new file (0 = SQLite's 4096)
  int64_t max_page_count = 0;            // tests: a small cap simulates a full disk (0 = none)
  const Logger* logger = nullptr;        // never null once opened
};

// True when this SQLite release has the WAL-reset bug (3.7.0 through 3.51.2).
bool SqliteHasWalResetBug();

// Fills the fields shared by every database of a gate from its options.
DbConfig DbConfigFromOptions(const Options& options, const std::string& path, const Logger* logger);

}  // namespace llmgate::internal

#endif  // LLMGATE_LIB_STORE_DB_CONFIG_H_
