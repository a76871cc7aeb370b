"""Concurrency stress for the Python binding (issue 8, part 4): 8 Python threads at once (the C calls release the
GIL), each with its own estimator, fitting, transferring, streaming GNS updates and raising errors. Results must
equal the serial run exactly, and every exception must carry its own thread's message."""
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import scalingkit as sk
from scalingkit import ScalingKitError

I = np.arange(24)
N = 1e7 * 10 ** ((I % 6) * 0.5)
D = N * 10 ** (0.5 + (I // 6) * 0.5)
L = (1.69 + 406.4 / N ** 0.34 + 410.7 / D ** 0.28) * (1 + 0.01 * np.sin(7.0 * I))
GRID = {"alpha": [0.3, 0.6], "beta": [0.3, 0.6], "e": [0.5], "a": [5, 7], "b": [5, 7]}
GROUPS = [("wte", (50304, 256), (50304, 2048), "input"), ("fc", (1024, 256), (8192, 2048)),
          ("head", (50304, 256), (50304, 2048), "readout")]


def work(task: int):
    fit = sk.fit_chinchilla(N, D, L, grid=GRID, threads=2)
    law = sk.fit("kaplan_nd", N=N, D=D, loss=L, threads=1)
    transfer = sk.transfer(GROUPS, proxy={"learning_rate": 6e-3, "batch_tokens": 2.5e5, "tokens": 2e9},
                           target_batch_tokens=1e6, target_tokens=2e10, depth=(1.0, 4, 16), batch_rule="sqrt")
    gns = sk.GradientNoiseScale()
    rng = np.random.default_rng(task)
    for _ in range(500):
        gns.update_ranks(2 + rng.random(4), 1.1 + 0.1 * (task % 3), 32, lr=1e-3)
    messages = []
    for k in range(20):
        name = f"law-of-task-{task}-try-{k}"
        try:
            sk.fit(name, N=N, D=D, loss=L)
        except ScalingKitError as e:
            messages.append(name in str(e))
    return (tuple(fit.params.values()), tuple(law.params.values()),
            tuple((g.learning_rate, g.init_std, g.weight_decay) for g in transfer.groups),
            gns.read().b_simple, all(messages) and len(messages) == 20)


def test_threads_match_serial_and_keep_their_messages():
    tasks = list(range(8)) * 3
    serial = {t: work(t) for t in range(8)}
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, tasks))
    for task, result in zip(tasks, results):
        assert result[4], f"task {task}: an exception without its own message"
        assert result == serial[task], f"task {task}: differs from the serial run"
    assert len({serial[t][3] for t in range(8)}) > 1   # the GNS streams really differ per task
