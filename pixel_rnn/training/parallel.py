"""Training several classes at once, each in a process of its own."""
import concurrent.futures
import multiprocessing
import os

from pixel_rnn import startup
from pixel_rnn import files
from pixel_rnn.modelfile import loading, places
from pixel_rnn.training.one_class import train_class


def train_in_parallel(tasks, jobs):
    """Train tasks jobs at a time, each in a process of its own with an even
    share of the cores. Each class trains exactly as it would alone (with its
    own seed); its Keras output goes to a log beside its model file, named
    here and removed once the class is done (kept where it failed). When the
    run stops (Ctrl-C, a class failing), every class under way stops at the
    end of its batch and none queued begins."""
    threads = str(max(1, (os.cpu_count() or 1) // jobs))
    # Read by the workers' TensorFlow as it starts (this process needs none).
    os.environ.update(TF_NUM_INTRAOP_THREADS=threads, TF_NUM_INTEROP_THREADS='1',
                      OMP_NUM_THREADS=threads)
    # On a GPU each backend takes most of its memory at the start, so the
    # second worker would find none: the workers take it as they need it.
    os.environ.setdefault('TF_FORCE_GPU_ALLOW_GROWTH', 'true')
    os.environ.setdefault('XLA_PYTHON_CLIENT_PREALLOCATE', 'false')
    pending = []
    for task in tasks:
        existing = loading.read_info(task.path)
        if existing and existing.same_training(task.info) and not task.restart:
            train_class(*task)  # says so here, where a worker would take a log and seconds
        else:
            pending.append(task)
    tasks = pending
    if not tasks:
        return
    print(f'Training {len(tasks)} classes, {jobs} at a time')
    context = multiprocessing.get_context('spawn')
    stop = context.Event()
    pool = concurrent.futures.ProcessPoolExecutor(jobs, context, initializer=startup.start_worker,
                                                  initargs=(stop,))
    running = {}
    try:
        for task in tasks:
            log = places.log_path(task.path)
            os.makedirs(os.path.dirname(log) or '.', exist_ok=True)
            print(f'{task.info.class_name}: progress in {log}')
            # A Task unpickles in the worker without Keras, before its output goes to the log.
            running[pool.submit(startup.run_logged, log, 'pixel_rnn.training.parallel',
                                'train_class_job', task)] = (task, log)
        for done in concurrent.futures.as_completed(running):
            task, log = running[done]
            done.result()  # a worker's error is raised here, its log kept
            loss = loading.read_info(task.path).loss
            with open(log) as f:
                print(f'{task.info.class_name}: '
                      + (f'loss {loss:.4f} at the end of training; ' if loss is not None else '')
                      + f.read().strip().splitlines()[-1])
            os.remove(log)
    finally:
        stop.set()
        pool.shutdown(cancel_futures=True)
        for future, (_, log) in running.items():
            if not failed(future):
                files.remove_quietly(log)


def failed(future):
    """Whether a finished job ended in an error of its own (its log tells
    what happened), not in the run being stopped."""
    error = None if future.cancelled() else future.exception()
    return error is not None and not isinstance(error, KeyboardInterrupt)


def train_class_job(task):
    """train_class in a worker process, on a Task; a class the pool hands out
    after the run was stopped does not begin."""
    if startup.stop_requested():
        raise KeyboardInterrupt
    train_class(*task)
