"""Training several classes at once, each in a process of its own, and the
progress of each shown as a line of its own."""
import concurrent.futures
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from multiprocessing import reduction

from pixel_rnn import files, runner, startup
from pixel_rnn.errors import UsageError
from pixel_rnn.modelfile import loading, places
from pixel_rnn.training.one_class import already_trained, train_class

# A task's mark, by its place, in an array (marks) the workers share with the
# parent: begun, then ended however it ended; one begun and never ended was killed.
BEGUN, ENDED = 1, 2
# In a worker: the parent's Event, set when the run is to stop, the marks and
# the parent's queue of each class's progress (report).
stop = marks = reports = None
# Linux's prctl option (linux/prctl.h): the signal this process gets as its parent dies.
PR_SET_PDEATHSIG = 1


def train_in_parallel(tasks, jobs, locks=()):
    """Train tasks jobs at a time, each in a process of its own with an even
    share of the cores, exactly as it would alone, its Keras output in a log
    beside its model file (kept where it failed). A stop (Ctrl-C, a class
    failing, a worker killed, named in one line) ends every class under way
    at the end of its batch and begins none queued. Every worker holds locks
    (files.locked's) too: no class is trained again while any process of the run
    lives."""
    threads = str(max(1, (os.cpu_count() or 1) // jobs))
    # Read by the workers' TensorFlow as it starts (this process needs none).
    os.environ.update(TF_NUM_INTRAOP_THREADS=threads, TF_NUM_INTEROP_THREADS='1',
                      OMP_NUM_THREADS=threads)
    # On a GPU each backend takes most of its memory at the start, so the
    # second worker would find none: the workers take it as they need it.
    os.environ.setdefault('TF_FORCE_GPU_ALLOW_GROWTH', 'true')
    os.environ.setdefault('XLA_PYTHON_CLIENT_PREALLOCATE', 'false')
    # A class trained so already is said so here, where a worker would take a log and seconds.
    tasks = [task for task in tasks if not already_trained(task.path, task.info, task.restart)]
    if not tasks:
        return
    print(f'Training {len(tasks)} classes, {jobs} at a time; the output of each in its log '
          f'({places.log_path(tasks[0].path)} and so on) until it is done')
    context = multiprocessing.get_context('spawn')
    stop, marks, reports = context.Event(), context.RawArray('b', len(tasks)), context.SimpleQueue()
    pool = concurrent.futures.ProcessPoolExecutor(
        jobs, context, initializer=start_worker,
        initargs=(stop, os.getpid(), marks, reports, [Inherited(lock) for lock in locks]))
    running = {}
    try:
        for index, task in enumerate(tasks):
            log = places.log_path(task.path)
            os.makedirs(os.path.dirname(log) or '.', exist_ok=True)
            # A Task unpickles in the worker without Keras, before its output goes to the log.
            running[pool.submit(run_logged, log, task, index)] = (task, log)
        show_until_done(running, reports, Progress([task.info.class_name for task in tasks]))
    except concurrent.futures.process.BrokenProcessPool:
        stop.set()
        pool.shutdown()  # once the other classes under way have stopped, all are marked
        killed = [task.info.class_name for task, mark in zip(tasks, marks) if mark == BEGUN]
        who = (f'the process training class {killed[0]} was' if len(killed) == 1 else
               f"the processes training classes {', '.join(killed)} were" if killed else
               'a worker process was')
        raise UsageError(f'{who} killed (out of memory?); run {runner.resuming_command()} '
                         'to resume') from None
    finally:
        stop.set()
        pool.shutdown(cancel_futures=True)
        for future, (_, log) in running.items():
            # Kept where the job failed of itself, not where the run was stopped.
            error = None if future.cancelled() else future.exception()
            if error is None or isinstance(error, (KeyboardInterrupt,
                                                   concurrent.futures.process.BrokenProcessPool)):
                files.remove_quietly(log)


def show_until_done(running, reports, display):
    """Show the workers' reports on display until every job of running has
    ended, then the end of each; a worker's error is raised here."""
    waiting = set(running)
    while waiting:
        done, waiting = concurrent.futures.wait(
            waiting, timeout=0.5, return_when=concurrent.futures.FIRST_COMPLETED)
        while not reports.empty():
            display.report(*reports.get())
        for future in done:
            task, log = running[future]
            future.result()
            loss = loading.read_info(task.path).loss
            with open(log) as f:
                display.say(task.info.class_name, (f'loss {loss:.4f} at the end of training; '
                                                   if loss is not None else '')
                            + f.read().strip().splitlines()[-1])
            os.remove(log)


class Progress:
    """A line per class: redrawn in place where standard output is a
    terminal, else (a log, a pipe) printed anew at each report."""

    def __init__(self, names):
        self.live = sys.stdout.isatty() and os.environ.get('TERM') != 'dumb'
        self.width = max(map(len, names))
        self.lines = dict.fromkeys(names, 'waiting for a worker')
        self.began = {}  # class: (its first epoch in this run, when it began)
        self.drawn = 0  # lines drawn so far, to go back up over

    def report(self, name, epoch, epochs, loss):
        """Class name has done epoch of epochs, at loss (None: it begins after epoch)."""
        first, began = self.began.setdefault(name, (epoch, time.monotonic()))
        if loss is None:
            self.say(name, f'epoch {epoch + 1}/{epochs} under way')
            return
        left = (time.monotonic() - began) / (epoch - first) * (epochs - epoch)
        self.say(name, f'epoch {epoch}/{epochs}, loss {loss:.4f}, '
                       f'{int(left // 60)} min {int(left % 60):02d} s left')

    def say(self, name, text):
        self.lines[name] = text
        if not self.live:
            print(f'{name}: {text}', flush=True)
            return
        # Back up over the lines drawn (CSI F), each cleared (CSI 2K) as it is written again.
        sys.stdout.write((f'\x1b[{self.drawn}F' if self.drawn else '') + ''.join(
            f'\x1b[2K{other:>{self.width}}: {line}\n' for other, line in self.lines.items()))
        sys.stdout.flush()
        self.drawn = len(self.lines)


class Inherited:
    """An open file (a lock's) that a worker process gets as it starts: its
    descriptor, copied there, is of the same open file, with the lock held."""

    def __init__(self, descriptor):
        self.descriptor = descriptor

    def __reduce__(self):
        return reduction.DupFd(self.descriptor).detach, ()


def start_worker(stop_event, parent, run_marks, report_queue, locks):
    """Set up a worker process, keeping locks open while it lives. Ctrl-C
    reaches every process of the group, a worker wherever it is (between two
    classes, where nothing would stop the next): the parent alone acts on
    it, and tells the workers through stop_event. A worker dies with its
    parent: else, its run killed outright (kill -9), it would train on
    unseen and wait for ever."""
    global stop, marks, reports
    stop, marks, reports = stop_event, run_marks, report_queue
    startup.handle(signal.SIG_IGN)
    if sys.platform == 'linux':
        # SIGKILL as the parent's thread that started this one ends (its main one).
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, ctypes.c_ulong(signal.SIGKILL))
    else:
        threading.Thread(target=watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # it died before this process was tied to it
        os.kill(os.getpid(), signal.SIGKILL)


def watch_parent(parent):
    """Where the kernel has no such signal: end once parent has (this
    process is then another's child)."""
    while os.getppid() == parent:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGKILL)


def stop_requested():
    return stop is not None and stop.is_set()


def report(*progress):
    """In a worker: progress (Progress.report's arguments) told to the parent."""
    if reports is not None:
        reports.put(progress)


def run_logged(log_path, task, index):
    """In a worker, the run's index-th Task, its output (with Keras's start-up
    lines held back) to log_path, marked begun and then ended; a class handed
    out after the run was stopped does not begin."""
    # Not through a link: the log is a file of the run's own.
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o666)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    sys.stdout.reconfigure(line_buffering=True)
    startup.start_keras()
    if stop_requested():
        raise KeyboardInterrupt
    marks[index] = BEGUN
    try:
        train_class(*task)
    finally:
        marks[index] = ENDED
