"""The forked worker pool of a parallel run (``lint.workers``): real processes and pipes."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from pgpool_lint.lint import workers

pytestmark = [
    pytest.mark.skipif(not workers.can_fork(), reason="workers are forked on Linux only"),
    # pytest-xdist runs these in a process with threads of its own (Python 3.12+ warns at fork);
    # the command forks before it starts any thread
    pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning"),
]

STARTED = []


@pytest.fixture(autouse=True)
def bounded():
    """A pool that waits forever (two processes each waiting for the other) fails the test."""
    def stuck(signum, frame):
        raise TimeoutError("the pool waited 60 s")

    previous = signal.signal(signal.SIGALRM, stuck)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def start():
    STARTED.append(os.getpid())


def echo(value, size=0):
    """``value`` and ``size`` bytes, and the worker's pid (whether it ran ``start`` first)."""
    return value, b"x" * size, os.getpid(), STARTED == [os.getpid()]


def fail(message):
    raise ValueError(message)


def die():
    os._exit(3)


def gone(pids) -> bool:
    """Whether every one of ``pids`` ended and was reaped (``kill`` still finds a zombie)."""
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        return False
    return True


def test_answers_come_back_to_each_task_in_any_order_asked():
    pool = workers.ForkedWorkers(2, start, (echo, fail))
    try:
        sent = [pool.submit(echo, n) for n in range(40)]  # more than the workers hold at a time
        answers = [s.result() for s in reversed(sent)][::-1]
        assert [a[0] for a in answers] == list(range(40))
        assert all(a[3] for a in answers) and len({a[2] for a in answers}) == 2  # both ran start() first
        assert os.getpid() not in {a[2] for a in answers}
        assert all(s.done() for s in sent)
    finally:
        pool.shutdown()
    assert gone({a[2] for a in answers})


def test_a_task_not_yet_given_to_its_worker_can_be_taken_back():
    pool = workers.ForkedWorkers(1, start, (echo,))
    try:
        sent = [pool.submit(echo, n) for n in range(6)]
        assert not sent[0].cancel()  # given to the worker at once
        assert sent[5].cancel() and sent[4].cancel() and sent[5].cancel()
        assert [s.result()[0] for s in sent[:4]] == [0, 1, 2, 3]
        with pytest.raises(workers.WorkerLost):
            sent[5].result()
    finally:
        pool.shutdown()


def test_answers_and_tasks_larger_than_the_pipes_pass_both_ways():
    """A worker writes its answer before it reads its next task: this process reads answers
    while it writes a task that fills the pipe, so neither waits for the other forever."""
    pool = workers.ForkedWorkers(1, start, (echo,))
    try:
        big = "y" * (3 << 20)
        sent = [pool.submit(echo, big, 3 << 20) for _ in range(4)]
        assert all(s.result()[0] == big and len(s.result()[1]) == 3 << 20 for s in sent)
    finally:
        pool.shutdown()


def test_an_error_in_a_task_is_raised_here_and_a_lost_worker_is_said():
    pool = workers.ForkedWorkers(1, start, (echo, fail, die))
    try:
        with pytest.raises(RuntimeError, match="ValueError: no such thing"):
            pool.submit(fail, "no such thing").result()
        pid = pool.submit(echo, 1).result()[2]  # the worker goes on
        after = [pool.submit(die), pool.submit(echo, 2)]
        for s in after:
            with pytest.raises(workers.WorkerLost, match=rf"^worker process {pid} ended with status 3$"):
                s.result()
    finally:
        pool.shutdown()
    assert gone([pid])


def test_shutdown_ends_workers_busy_or_idle_and_leaves_no_process():
    pool = workers.ForkedWorkers(2, start, (echo,))
    pids = {sent.result()[2] for sent in [pool.submit(echo, n) for n in range(4)]}
    pool.submit(echo, "x", 1 << 20)  # an answer nobody reads
    pool.shutdown()
    assert len(pids) == 2 and gone(pids)


def test_a_killed_worker_is_said_not_waited_for():
    pool = workers.ForkedWorkers(1, start, (echo,))
    try:
        pid = pool.submit(echo, 0).result()[2]
        os.kill(pid, signal.SIGKILL)
        killed = rf"^worker process {pid} was killed by SIGKILL \(out of memory\?\)$"
        with pytest.raises(workers.WorkerLost, match=killed):
            pool.submit(echo, 1).result()
    finally:
        pool.shutdown()
    assert gone([pid])


def test_once_a_worker_is_lost_the_others_take_the_tasks():
    pool = workers.ForkedWorkers(2, start, (echo,))
    try:
        first = [pool.submit(echo, n) for n in range(2)]
        pids = [s.result()[2] for s in first]
        assert len(set(pids)) == 2
        os.kill(pids[0], signal.SIGKILL)
        outcomes = []
        for n in range(6):
            try:
                outcomes.append(pool.submit(echo, n).result()[2])
            except workers.WorkerLost as exc:
                outcomes.append(str(exc))
        lost = f"worker process {pids[0]} was killed by SIGKILL (out of memory?)"
        assert set(outcomes) <= {lost, pids[1]} and outcomes[-4:] == [pids[1]] * 4
    finally:
        pool.shutdown()
    assert gone(pids)


def test_forked_only_on_linux_without_another_start_method(monkeypatch):
    import multiprocessing

    monkeypatch.setattr(multiprocessing, "get_start_method", lambda allow_none=False: "spawn")
    assert not workers.can_fork()
    monkeypatch.setattr(multiprocessing, "get_start_method", lambda allow_none=False: None)
    assert workers.can_fork() == sys.platform.startswith("linux")
