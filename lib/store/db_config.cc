#include "store/db_config.h"

#include <sqlite3.h>

namespace llmgate::internal {

bool SqliteHasWalResetBug() { return sqlite3_libversion_number() < 3051003; }

DbConfig DbConfigFromOptions(const Options& options, const std::string& path, const Logger* logger) {
  DbConfig c;
  c.path = path;
  c.file_mode = options.share_with_group ? 0660 : 0600;
  c.sync = options.sync;
  c.busy_timeout = options.busy_timeout;
  c.manual_checkpoint = options.force_manual_checkpoint || SqliteHasWalResetBug();
  c.checkpoint_pages = options.wal_checkpoint_pages > 0 ? options.wal_checkpoint_pages : 1000;
  c.logger = logger;
  return c;
}

}  // namespace llmgate::internal
