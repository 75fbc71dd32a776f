#include "py_callbacks.h"

#include <string>
#include <string_view>
#include <utility>

#include "py_convert.h"
#include "py_errors.h"

namespace llmgate::python {

bool PythonGone() {
#if PY_VERSION_HEX >= 0x030D0000
  return !Py_IsInitialized() || Py_IsFinalizing();
#else
  return !Py_IsInitialized() || _Py_IsFinalizing();
#endif
}

PyRef::PyRef(py::object object)
    : object_(new py::object(std::move(object)), [](py::object* o) {
        if (PythonGone()) {
          // Too late to run a destructor in Python: let the object go with the interpreter.
          o->release();
        } else {
          py::gil_scoped_acquire gil;
          o->release().dec_ref();
        }
        delete o;
      }) {}

namespace {

// Runs `fn` with the GIL; a Python exception cannot travel back through the library, so it
// is reported the way Python reports errors in callbacks (sys.unraisablehook).
template <typename F>
void CallPython(const char* what, F&& fn) {
  if (PythonGone()) return;
  py::gil_scoped_acquire gil;
  try {
    fn();
  } catch (py::error_already_set& e) {
    e.discard_as_unraisable(what);
  }
}

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "info";
}

class PyTokenizer final : public Tokenizer {
 public:
  explicit PyTokenizer(py::object callable) : fn_(std::move(callable)) {}

  int64_t CountTokens(std::string_view model, std::string_view text) const override {
    // Should the callable fail, the count falls back to about four bytes a token (the
    // reservation is reconciled with the server's usage anyway).
    int64_t count = static_cast<int64_t>((text.size() + 3) / 4);
    CallPython("llmgate tokenizer", [&] { count = fn_.get()(Str(model), Str(text)).cast<int64_t>(); });
    return count;
  }

 private:
  PyRef fn_;
};

}  // namespace

LogSink MakeLogSink(py::object callable) {
  if (callable.is_none()) return nullptr;
  PyRef fn(std::move(callable));
  return [fn](LogLevel level, std::string_view message) {
    CallPython("llmgate log callback", [&] { fn.get()(LevelName(level), Str(message)); });
  };
}

WaitCallback MakeWaitCallback(py::object callable) {
  if (callable.is_none()) return nullptr;
  PyRef fn(std::move(callable));
  return [fn](const WaitEvent& e) {
    CallPython("llmgate on_wait callback", [&] {
      py::dict event;
      event["scope"] = Str(e.scope);
      event["limit_name"] = Str(e.limit_name);
      event["wait"] = Seconds(e.wait);
      fn.get()(event);
    });
  };
}

RetryCallback MakeRetryCallback(py::object callable) {
  if (callable.is_none()) return nullptr;
  PyRef fn(std::move(callable));
  return [fn](const RetryEvent& e) {
    CallPython("llmgate on_retry callback", [&] {
      py::dict event;
      event["attempt"] = e.attempt;
      event["delay"] = Seconds(e.delay);
      event["error"] = MakeError(e.error);
      event["key_label"] = Str(e.key_label);
      fn.get()(event);
    });
  };
}

std::shared_ptr<Tokenizer> MakeTokenizer(py::object callable) {
  if (callable.is_none()) return nullptr;
  return std::make_shared<PyTokenizer>(std::move(callable));
}

}  // namespace llmgate::python
