#include "flags.h"

#include <cstdlib>
#include <string_view>

namespace llmgate::mock {
namespace {

bool ToInt(const std::string& text, int min, int max, int* out) {
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < min || v > max) return false;
  *out = static_cast<int>(v);
  return true;
}

}  // namespace

const char* Usage() {
  return "Usage: mock_openai [flags]\n"
         "A mock of the OpenAI API for tests and benchmarks (see README.md next to its sources).\n"
         "\n"
         "  --host ADDR              address to listen on (default 127.0.0.1)\n"
         "  --port N                 port to listen on; 0 picks a free one (default 0)\n"
         "  --port-file PATH         once listening, write the port there (atomically)\n"
         "  --tls-cert FILE          serve HTTPS with this certificate (PEM) ...\n"
         "  --tls-key FILE           ... and this private key (PEM)\n"
         "  --config FILE            JSON: keys, organizations and their limits, faults\n"
         "  --threads N              worker threads = concurrent connections (default 64)\n"
         "  --keep-alive-timeout S   idle seconds before a kept-alive connection closes (default 5)\n"
         "  --keep-alive-max N       requests per connection before it closes (default 10000)\n"
         "  --watch-parent           exit when the parent process exits\n"
         "  --log                    log one line per request to stderr\n"
         "  --help                   show this text\n"
         "\n"
         "The first line on stdout is \"listening on HOST:PORT\". SIGTERM or SIGINT stops the server.\n";
}

bool ParseFlags(int argc, char** argv, Options* options, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_value = false;
    // Both "--flag value" and "--flag=value".
    if (size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
      has_value = true;
    }
    auto next = [&](std::string* out) {
      if (has_value) {
        *out = value;
        return true;
      }
      if (i + 1 >= argc) {
        *error = arg + " needs a value";
        return false;
      }
      *out = argv[++i];
      return true;
    };
    auto next_int = [&](int min, int max, int* out) {
      std::string text;
      if (!next(&text)) return false;
      if (!ToInt(text, min, max, out)) {
        *error = arg + ": expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
        return false;
      }
      return true;
    };
    bool ok = true;
    if (arg == "--help" || arg == "-h") {
      options->help = true;
    } else if (arg == "--host") {
      ok = next(&options->host);
    } else if (arg == "--port") {
      ok = next_int(0, 65535, &options->port);
    } else if (arg == "--port-file") {
      ok = next(&options->port_file);
    } else if (arg == "--tls-cert") {
      ok = next(&options->tls_cert);
    } else if (arg == "--tls-key") {
      ok = next(&options->tls_key);
    } else if (arg == "--config") {
      ok = next(&options->config_file);
    } else if (arg == "--threads") {
      ok = next_int(1, 4096, &options->threads);
    } else if (arg == "--keep-alive-timeout") {
      ok = next_int(0, 3600, &options->keep_alive_timeout_s);
    } else if (arg == "--keep-alive-max") {
      ok = next_int(1, 1 << 30, &options->keep_alive_max);
    } else if (arg == "--watch-parent") {
      options->watch_parent = true;
    } else if (arg == "--log") {
      options->log_requests = true;
    } else {
      *error = "unknown flag " + arg;
      return false;
    }
    if (!ok) return false;
  }
  if (options->tls_cert.empty() != options->tls_key.empty()) {
    *error = "--tls-cert and --tls-key go together";
    return false;
  }
  return true;
}

}  // namespace llmgate::mock
