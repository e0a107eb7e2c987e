"""Worker processes forked from this one, fed through pipes: a parallel run's pool on Linux.

``concurrent.futures.ProcessPoolExecutor`` imports 12 ms of modules before its first worker
starts (multiprocessing, logging, sockets, tempfile), runs two threads in this process that
need the GIL while this process lints, and its results come back through a 64 KB pipe that
only one of those threads reads: a worker whose results fill it waits for that thread's turn.
Here each worker reads its tasks from a pipe of its own and writes its results to another
(1 MiB where Linux allows), which this process reads whenever it looks for a result; nothing
runs in this process but its own thread.  Where fork is not how workers start (macOS and
Windows, or a start method a program chose), the parallel run uses ProcessPoolExecutor.

A task is one of the functions the pool was made with and its arguments, pickled; its answer
is the function's value, pickled, or the exception it raised, as text.
"""

from __future__ import annotations

import os
import pickle
import select
import sys
from collections import deque
from typing import Any, Callable, Sequence

#: bytes of a message's length, before the message
_HEADER = 8
#: tasks a worker holds at a time (the one it runs and the next): the others wait here, where
#: they can still be cancelled (``Sent.cancel``)
_IN_FLIGHT = 2
#: Linux's fcntl command to size a pipe, and the size asked for
_F_SETPIPE_SZ = 1031
_PIPE_BYTES = 1 << 20
#: bytes read from a results pipe at once
_READ_BYTES = 1 << 18


def can_fork() -> bool:
    """Whether workers are forked here: Linux, and no other start method chosen in this process."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    multiprocessing = sys.modules.get("multiprocessing")
    return multiprocessing is None or multiprocessing.get_start_method(allow_none=True) in (None, "fork")


class WorkerLost(RuntimeError):
    """A worker ended before it answered (killed, out of memory)."""


class Sent:
    """A task given to the pool: the part of ``concurrent.futures.Future`` a parallel run uses.
    Asking about one takes in every worker's answers and sends each its next tasks."""

    __slots__ = ("_pool", "_worker", "_task", "_state", "_value")
    _WAITING, _RUNNING, _ANSWERED, _FAILED, _CANCELLED = range(5)

    def __init__(self, pool: ForkedWorkers, worker: _Worker, task: tuple) -> None:
        self._pool, self._worker, self._task, self._state, self._value = pool, worker, task, self._WAITING, None

    def done(self) -> bool:
        if self._state in (self._WAITING, self._RUNNING):
            self._pool.poll()
        return self._state not in (self._WAITING, self._RUNNING)

    def result(self) -> Any:
        while self._state in (self._WAITING, self._RUNNING):
            self._pool.poll(wait=True)
        if self._state == self._ANSWERED:
            return self._value
        if self._state == self._CANCELLED:
            raise WorkerLost("the task was cancelled")
        raise self._value

    def cancel(self) -> bool:
        """Take the task back if its worker has not got it yet."""
        if self._state == self._WAITING:
            self._worker.waiting.remove(self)
            self._state = self._CANCELLED
        return self._state == self._CANCELLED


class ForkedWorkers:
    """``count`` workers forked now, each running ``start()`` first, then the tasks it is sent:
    ``submit(function, *args)`` with one of ``functions``."""

    def __init__(self, count: int, start: Callable[[], None], functions: Sequence[Callable]) -> None:
        self._functions = list(functions)
        self._workers: list[_Worker] = []
        try:
            for _ in range(count):
                self._workers.append(_fork(start, self._functions, self._workers))
        except BaseException:
            self.shutdown()
            raise

    def submit(self, function: Callable, *args: Any) -> Sent:
        worker = min(self._workers, key=_Worker.load)  # a lost one fails the task at once
        sent = Sent(self, worker, (self._functions.index(function), args))
        worker.waiting.append(sent)
        worker.send()
        return sent

    def poll(self, wait: bool = False) -> None:
        """Take in the answers in every worker's pipe and send each worker its tasks waiting;
        with ``wait``, first wait until a worker answers."""
        if wait:
            busy = [worker.results for worker in self._workers if worker.running]
            if not busy:  # a task waits while no worker runs one: cannot be (``_Worker.send``)
                raise WorkerLost("no worker runs a task")
            select.select(busy, [], [])
        for worker in self._workers:
            while worker.running and worker.take_in():
                pass
            worker.send()

    def shutdown(self, cancel_futures: bool = True) -> None:
        """End every worker (after the task it runs) and wait for it; what was not answered is cancelled."""
        for worker in self._workers:
            worker.close()
        for worker in self._workers:
            worker.reap()
        self._workers = []


class _Worker:
    """This process's end of one worker: its pipes, and the tasks it was given, in order."""

    def __init__(self, pid: int, tasks: int, results: int) -> None:
        self.pid, self.tasks, self.results = pid, tasks, results
        self.lost: WorkerLost | None = None  # how it ended, once it did
        self.reaped = False
        self.waiting: deque[Sent] = deque()  # not sent yet
        self.running: deque[Sent] = deque()  # sent, not answered, in the order sent
        self.received = bytearray()
        # read into one buffer: ``os.read(fd, n)`` allocates n bytes first, even when the pipe is empty
        self.buffer = bytearray(_READ_BYTES)
        os.set_blocking(tasks, False)
        os.set_blocking(results, False)

    def load(self) -> int:
        """Tasks given and not answered; a lost worker has the most (none go to it while another lives)."""
        return len(self.waiting) + len(self.running) if self.lost is None else sys.maxsize

    def send(self) -> None:
        if self.lost is not None:
            self._end_tasks(Sent._FAILED, self.lost)
        while self.waiting and len(self.running) < _IN_FLIGHT:
            sent = self.waiting.popleft()
            message = _message(sent._task)
            sent._state, sent._task = Sent._RUNNING, None
            self.running.append(sent)
            self._write(message)

    def _write(self, data: bytes) -> None:
        """Write all of ``data`` to the worker, reading its answers meanwhile: it reads its next
        task only once its answer is written, so this process never waits on a full pipe alone."""
        view = memoryview(data)
        while True:
            try:
                view = view[os.write(self.tasks, view):]
            except BlockingIOError:
                pass
            except BrokenPipeError:  # the worker is gone
                self._lost()
                return
            if not view:
                return
            select.select([self.results], [self.tasks], [])
            self.take_in()

    def take_in(self) -> bool:
        """Read what the pipe holds and take in the answers it completes; False when it held nothing."""
        try:
            size = os.readv(self.results, [self.buffer])
        except BlockingIOError:
            return False
        if size == 0:  # the worker is gone: nothing it was given will be answered
            self._lost()
            return False
        received = self.received
        received += memoryview(self.buffer)[:size]
        while len(received) >= _HEADER:
            size = int.from_bytes(received[:_HEADER], "little")
            if len(received) < _HEADER + size:
                break
            ok, value = pickle.loads(received[_HEADER:_HEADER + size])
            del received[:_HEADER + size]
            sent = self.running.popleft()
            sent._state, sent._value = (Sent._ANSWERED, value) if ok else (Sent._FAILED, RuntimeError(value))
        return True

    def _lost(self) -> None:
        if self.lost is None:
            self.lost = WorkerLost(f"worker process {self.pid} {self._how_it_ended()}")
        self._end_tasks(Sent._FAILED, self.lost)

    def _end_tasks(self, state: int, value: Any) -> None:
        """Every task given and not answered ends: failed (the worker is lost) or cancelled."""
        for sent in (*self.running, *self.waiting):
            sent._state, sent._value = state, value
        self.running.clear()
        self.waiting.clear()

    def _how_it_ended(self) -> str:
        """Reaped now (it closed its pipes: it is ending): killed by which signal, or its status."""
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            return "ended"
        self.reaped = True
        if os.WIFSIGNALED(status):
            import signal

            number = os.WTERMSIG(status)
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = f"signal {number}"
            return f"was killed by {name}" + (" (out of memory?)" if name == "SIGKILL" else "")
        return f"ended with status {os.waitstatus_to_exitcode(status)}"

    def close(self) -> None:
        self._end_tasks(Sent._CANCELLED, None)
        for fd in (self.tasks, self.results):
            try:
                os.close(fd)
            except OSError:
                pass

    def reap(self) -> None:
        if not self.reaped:
            self._how_it_ended()


def _fork(start: Callable[[], None], functions: list[Callable], others: list[_Worker]) -> _Worker:
    tasks_read, tasks_write = os.pipe()
    results_read, results_write = os.pipe()
    for fd in (tasks_write, results_write):
        _roomy(fd)
    for stream in (sys.stdout, sys.stderr):  # what this process wrote is not written again by the worker
        try:
            stream.flush()
        except (OSError, ValueError):  # closed: the report says so when it writes
            pass
    pid = os.fork()
    if pid == 0:  # the worker: it never returns into this process's code
        status = 0
        try:
            for fd in (tasks_write, results_read, *(fd for w in others for fd in (w.tasks, w.results))):
                os.close(fd)
            start()
            _serve(functions, tasks_read, results_write)
        except BaseException:  # noqa: BLE001 - the parent sees the pipe close (WorkerLost)
            status = 1
        finally:
            os._exit(status)
    os.close(tasks_read)
    os.close(results_write)
    return _Worker(pid, tasks_write, results_read)


def _serve(functions: list[Callable], tasks: int, results: int) -> None:
    reader = os.fdopen(tasks, "rb")
    while True:
        header = reader.read(_HEADER)
        if len(header) < _HEADER:
            return  # this process closed the pipe: the run is over
        index, args = pickle.loads(reader.read(int.from_bytes(header, "little")))
        try:
            answer: tuple[bool, Any] = (True, functions[index](*args))
        except Exception as exc:  # noqa: BLE001 - said to this process, which raises it
            answer = (False, f"{type(exc).__name__}: {exc}")
        view = memoryview(_message(answer))
        while view:
            view = view[os.write(results, view):]


def _message(value: Any) -> bytes:
    """``value`` pickled, after its length (``_HEADER`` bytes): what goes through a pipe either way."""
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return len(data).to_bytes(_HEADER, "little") + data


def _roomy(fd: int) -> None:
    """Ask Linux for a larger pipe (a batch's results are ~80 KB on a finding-heavy corpus);
    what it refuses (a limit for unprivileged users) leaves the pipe as it is."""
    try:
        import fcntl

        fcntl.fcntl(fd, _F_SETPIPE_SZ, _PIPE_BYTES)
    except (ImportError, OSError):
        pass
