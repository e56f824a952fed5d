"""The built libraries: the TFLite half links no TensorFlow, exports only its C
interface, and that interface works from a C++ program with no Python or TF."""

from __future__ import annotations

import shutil
import subprocess
import textwrap

import pytest

import opbridge
from conftest import ROOT
from opbridge.catalog import custom_codes

LIB = opbridge._library.builtin_library().path


def readelf(*args):
    return subprocess.run(["readelf", *args], capture_output=True, text=True, check=True).stdout


def test_kernel_library_does_not_need_tensorflow():
    needed = [line for line in readelf("-d", str(LIB)).splitlines() if "NEEDED" in line]
    assert needed and not any("tensorflow" in line for line in needed), needed


def test_kernel_library_exports_only_its_c_interface():
    # Defined dynamic symbols that another object can bind to: not LOCAL (gold
    # lists the library's own thread-locals in .dynsym as LOCAL, for their TLS
    # relocations; nothing outside can bind to those).
    names = set()
    for line in readelf("--dyn-syms", "-W", str(LIB)).splitlines():
        fields = line.split()
        if len(fields) >= 8 and fields[0][:-1].isdigit() and fields[6] != "UND" and fields[4] != "LOCAL":
            names.add(fields[7])
    assert names == {
        "opbridge_tflite_ops",
        "opbridge_register_ops",
        "opbridge_register_ops_checked",
        "opbridge_last_error",
        "opbridge_catalog",
        "opbridge_decode_options",
        "opbridge_decode_flexbuffer",
        "opbridge_abi_probe_record",
        "opbridge_litert_register",
        "tflite_plugin_create_delegate",
        "tflite_plugin_destroy_delegate",
    }


def test_tf_library_links_tensorflow_framework():
    tf_lib = LIB.parent / "libopbridge_tf.so"
    assert "libtensorflow_framework.so.2" in readelf("-d", str(tf_lib))


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs a C++ compiler")
def test_c_interface_from_a_cpp_program(tmp_path):
    source = tmp_path / "list_ops.cc"
    source.write_text(
        textwrap.dedent(
            """
            #include <cstdint>
            #include <cstdio>
            #include <cstring>
            #include <string>
            #include "opbridge/app/tflite_c_api.h"

            // The first fields of TfLiteRegistration, enough to check the table.
            struct RegistrationHead {
              void* init; void* free; void* prepare; void* invoke; void* profiling_string;
              int builtin_code; const char* custom_name; int version;
            };

            // A value sink that writes what it is given as text.
            void Put(void* c, const std::string& v) { *static_cast<std::string*>(c) += v; }
            OpbridgeValueSink TextSink(std::string* out) {
              OpbridgeValueSink s;
              s.context = out;
              s.null_value = [](void* c) { Put(c, "null "); };
              s.bool_value = [](void* c, int v) { Put(c, v ? "true " : "false "); };
              s.int_value = [](void* c, int64_t v) { Put(c, std::to_string(v) + " "); };
              s.uint_value = [](void* c, uint64_t v) { Put(c, std::to_string(v) + " "); };
              s.double_value = [](void* c, double v) { Put(c, std::to_string(v) + " "); };
              s.string_value = [](void* c, const char* d, size_t n) { Put(c, std::string(d, n) + " "); };
              s.bytes_value = [](void* c, const void*, size_t n) { Put(c, std::to_string(n) + " bytes "); };
              s.begin_list = [](void* c) { Put(c, "[ "); };
              s.end_list = [](void* c) { Put(c, "] "); };
              s.begin_map = [](void* c) { Put(c, "{ "); };
              s.key = [](void* c, const char* d, size_t n) { Put(c, std::string(d, n) + "="); };
              s.end_map = [](void* c) { Put(c, "}"); };
              s.error = [](void* c, const char* d, size_t n) { Put(c, "error: " + std::string(d, n)); };
              return s;
            }

            int main() {
              const OpbridgeTfLiteOp* ops = nullptr;
              const int count = opbridge_tflite_ops(&ops);
              for (int i = 0; i < count; ++i) {
                const auto* r = static_cast<const RegistrationHead*>(ops[i].registration);
                if (!r->init || !r->prepare || !r->invoke || r->builtin_code != 32 ||
                    std::strcmp(r->custom_name, ops[i].name) != 0) {
                  std::printf("bad registration for %s\\n", ops[i].name);
                  return 1;
                }
                std::printf("%s\\n", ops[i].name);
              }
              opbridge_register_ops_checked(nullptr);
              std::printf("error: %s\\n", opbridge_last_error());
              std::string options, unknown;
              const OpbridgeValueSink to_options = TextSink(&options), to_unknown = TextSink(&unknown);
              const int ok = opbridge_decode_options("MatrixInverse", nullptr, 0, &to_options);
              const int failed = opbridge_decode_options("NoSuchOp", nullptr, 0, &to_unknown);
              std::printf("%d %s\\n%d %s\\n", ok, options.c_str(), failed, unknown.c_str());
              return 0;
            }
            """
        )
    )
    exe = tmp_path / "list_ops"
    include = ROOT / "cpp" / "include"
    subprocess.run(
        [
            "g++",
            "-std=c++17",
            "-I",
            str(include),
            str(source),
            "-L",
            str(LIB.parent),
            "-l:" + LIB.name,
            f"-Wl,-rpath,{LIB.parent}",
            "-o",
            str(exe),
        ],
        check=True,
    )
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.splitlines()
    *names, register_error, options, unknown = out
    # Each op by its name, and each TF op also as the Select TF ops node Flex<Op>.
    assert sorted(names) == sorted(custom_codes())
    assert register_error == "error: op resolver is NULL"
    assert options == "0 { adjoint=false }"  # T has no default: absent, it comes from the tensors
    assert unknown == "1 error: no op named NoSuchOp"
