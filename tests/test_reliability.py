"""Every op, whatever the runtime, registration route or thread count, computes the
same bits; kernels are reentrant under many threads; interpreters do not leak."""

from __future__ import annotations

import concurrent.futures
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import opbridge
from conftest import load_seeds
from opbridge.running import SignatureSession

pytestmark = pytest.mark.slow  # scheduled first (conftest.py)


@pytest.fixture(scope="module")
def cases(fuzz_seeds):
    """Every benchmark case (each op at least once), converted: the fuzz seeds, made once per run.
    A case that keeps XNNPACK out (default_delegates False) does so to reach opbridge's kernel."""
    return [(seed, seed.model) for seed in load_seeds(fuzz_seeds)]


def run(model, inputs, runtime="litert", route="resolver", threads=1, default_delegates=True):
    session = SignatureSession(
        model, runtime, route=route, num_threads=threads, default_delegates=default_delegates
    )
    session.set_inputs(inputs)
    session.invoke()
    return session.outputs()


def test_same_bits_in_every_runtime_route_and_thread_count(cases):
    assert {case.op for case, _ in cases} >= set(opbridge.list_ops())
    for case, model in cases:
        reference = run(model, case.inputs, default_delegates=case.default_delegates)
        for runtime in ("litert", "tf"):
            for route in ("resolver", "delegate"):
                for threads in (1, 2, 3, 4):
                    got = run(model, case.inputs, runtime, route, threads, case.default_delegates)
                    for name, want in reference.items():
                        np.testing.assert_array_equal(
                            got[name],
                            want,
                            err_msg=f"{case.op} {case.label}: {runtime}/{route}/{threads} threads",
                        )


def test_many_interpreters_in_many_threads(cases):
    """invoke releases the GIL: the same kernels run concurrently in many interpreters."""
    reference = [run(model, case.inputs, default_delegates=case.default_delegates) for case, model in cases]

    def job(k):
        case, model = cases[k % len(cases)]
        route = "delegate" if k % 3 == 0 else "resolver"
        return k, run(model, case.inputs, "litert", route, 1 + k % 3, case.default_delegates)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for k, got in pool.map(job, range(16 * len(cases))):
            case = cases[k % len(cases)][0]
            for name, want in reference[k % len(cases)].items():
                np.testing.assert_array_equal(got[name], want, err_msg=f"{case.op} {case.label}")


def test_tf_kernels_under_concurrent_tf_function_calls(tf):
    """opbridge's own TF kernels (forward and gradient) under concurrent calls."""
    rng = np.random.default_rng(0)
    image = tf.constant(rng.standard_normal((2, 32, 32, 8)).astype(np.float32))
    grid = tf.constant(rng.uniform(-1.1, 1.1, (2, 24, 24, 2)).astype(np.float32))

    @tf.function
    def step(i, g):
        with tf.GradientTape() as tape:
            tape.watch([i, g])
            y = opbridge.ops.grid_sample(i, g, padding_mode="reflection")
            loss = tf.reduce_sum(y * y)
        return (y, *tape.gradient(loss, [i, g]))

    want = [t.numpy() for t in step(image, grid)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for got in pool.map(lambda _: step(image, grid), range(64)):
            for g, w in zip(got, want, strict=True):
                np.testing.assert_array_equal(g.numpy(), w)


def test_thousands_of_interpreter_lifetimes_do_not_grow_rss(fuzz_seeds):
    """Create, run and drop interpreters over every op model (the fuzz seeds: strings stored as
    fixed-width bytes, loaded without pickle), in a TF-free process."""
    script = textwrap.dedent(
        f"""
        import gc, glob, json, numpy as np
        from opbridge.running import SignatureSession
        paths = sorted(glob.glob("seed_*.tflite"))
        models = [(open(p, "rb").read(), np.load(p[:-7] + ".npz")) for p in paths]
        def rss():
            return int(open("/proc/self/statm").read().split()[1]) * 4096
        def cycle(n):
            for k in range(n):
                model, data = models[k % len(models)]
                s = SignatureSession(model, route="delegate" if k % 2 else "resolver")
                s.set_inputs([data[f"arr_{{i}}"] for i in range(len(data.files))])
                s.invoke(); s.outputs()
                del s
            gc.collect()
        # Warm up: every model four times in each route, so the allocator has
        # reached its high-water marks (models with MB-sized tensors, Swin's
        # Roll, fragment the heap once); a leak then still grows linearly.
        warmup = 8 * len(models)
        cycle(warmup)
        before = rss()
        cycle({2000})
        print(json.dumps({{"before": before, "after": rss(), "lifetimes": warmup + 2000}}))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=fuzz_seeds,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    import json

    numbers = json.loads(result.stdout.strip().splitlines()[-1])
    growth = numbers["after"] - numbers["before"]
    print(f"RSS growth over 2000 interpreter lifetimes: {growth / 1024:.0f} KiB")
    assert growth < 4 * 1024 * 1024, numbers
