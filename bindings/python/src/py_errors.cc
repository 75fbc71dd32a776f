#include "py_errors.h"

#include "py_convert.h"

namespace llmgate::python {
namespace {

// Set once by llmgate/errors.py. Deliberately never released: it lives as long as the
// interpreter, and releasing it at exit would run after Python has gone.
PyObject* g_factory = nullptr;

}  // namespace

py::object MakeError(const Status& status) {
  const std::string text = status.ToString();
  if (g_factory == nullptr) return py::reinterpret_borrow<py::object>(PyExc_RuntimeError)(Str(text));
  py::object retry_after = py::none();
  if (status.retry_after()) retry_after = py::float_(Seconds(*status.retry_after()));
  auto factory = py::reinterpret_borrow<py::object>(g_factory);
  return factory(Str(StatusCodeName(status.code())), Str(status.message()), retry_after, status.http_status(),
                 Str(status.request_id()), Str(status.error_code()), Str(text));
}

void RegisterErrors(py::module_& m) {
  m.def(
      "_set_error_factory",
      [](py::object factory) {
        Py_XDECREF(g_factory);
        g_factory = factory.release().ptr();
      },
      "Called by llmgate.errors: factory(code, message, retry_after, http_status, request_id, error_code, "
      "text) -> Error.");

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusError& e) {
      try {
        py::object error = MakeError(e.status());
        PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
      } catch (py::error_already_set& failed) {
        failed.restore();  // the factory itself failed: raise what it raised
      }
    }
  });
}

}  // namespace llmgate::python
