"""The authoring contract without a runtime (tests/cpp/binding_test.cc): typed
params are checked when an op registers and read once per node; the binding
allocates what the shape rule sized and refuses the kernel the rest."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from conftest import ROOT

CORE = sorted((ROOT / "cpp" / "core").glob("*.cc"))


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    compiler = shutil.which("g++")
    assert compiler, "g++ is needed to build the opbridge libraries and this test"
    binary = tmp_path_factory.mktemp("binding") / "binding_test"
    flags = ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror", "-O0"]
    includes = ["-I", str(ROOT / "cpp" / "include"), "-I", str(ROOT / "cpp")]
    source = ROOT / "tests" / "cpp" / "binding_test.cc"
    subprocess.run([compiler, *flags, *includes, str(source), *map(str, CORE), "-o", str(binary)], check=True)
    result = subprocess.run([str(binary)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.splitlines()


def errors(lines: list[str]) -> dict[str, str]:
    pairs = (line.removeprefix("ERROR ").split(": ", 1) for line in lines if line.startswith("ERROR "))
    return {op: message for op, message in pairs}


def test_a_field_of_the_wrong_type_keeps_the_op_out(output: list[str]) -> None:
    assert errors(output)["Test>WrongField"] == "param 'alpha' is declared float but bound to a field for int"


def test_an_enum_must_map_exactly_the_declared_values(output: list[str]) -> None:
    assert (
        errors(output)["Test>WrongEnum"]
        == "param 'color': the enum maps other values than the declaration allows"
    )


def test_a_kernel_typed_for_other_params_keeps_the_op_out(output: list[str]) -> None:
    assert errors(output)["Test>OtherParams"] == (
        "the kernel takes a params struct other than the one Params<>() declares"
    )


def test_a_param_also_declared_as_attr_is_declared_twice(output: list[str]) -> None:
    assert errors(output)["Test>Twice"] == "attr 'flag' declared twice"


def test_only_the_bad_ops_are_kept_out(output: list[str]) -> None:
    assert set(errors(output)) == {"Test>WrongField", "Test>WrongEnum", "Test>OtherParams", "Test>Twice"}


@pytest.mark.parametrize(
    "check",
    [
        "good_registers",
        "params_parse",
        "params_reach_kernel",
        "static_output_allocated",
        "dynamic_output_allocated",
        "static_output_not_reallocated",
        "mistyped_attr_refused",
        "unknown_enum_value_refused",
    ],
)
def test_binding(output: list[str], check: str) -> None:
    assert f"CHECK {check} ok" in output, "\n".join(
        line for line in output if line.startswith(f"CHECK {check}")
    )


def test_every_check_is_listed(output: list[str]) -> None:
    ran = {line.split()[1] for line in output if line.startswith("CHECK ")}
    assert len(ran) == 8, ran
