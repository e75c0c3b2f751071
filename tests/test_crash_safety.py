"""Training killed outright, short of disk, or of TMPDIR, loses no finished
epoch, leaves no process behind, and says in one line what to do next."""
import contextlib
import errno
import glob
import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest

import config
from conftest import assert_one_line, run_in_process, start, terminated_after_first_epoch
from pixel_rnn import files, runner
from pixel_rnn.modelfile import loading, places
from pixel_rnn.training import callbacks


def training(models_dir, *extra, epochs=2):
    """A tiny training of digit 0, over in seconds but for Keras's start."""
    return ['train_mnist.py', '--num_images=16', f'--epochs={epochs}', '--batch_size=8',
            '--units=8', '--target_size=6', '--seed=0', '--data=bundled',
            f'--models_dir={models_dir}', *extra]


def wait_for(condition, process, timeout=240):
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline
        time.sleep(0.02)


# ---------------------------------------------------------------- processes, as /proc shows them

def stat_fields(pid):
    """The fields of /proc/<pid>/stat after the process's name (state first), or None."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()
    except OSError:
        return None


def children(pid):
    """The processes whose parent is pid, each as (pid, its start time)."""
    found = []
    for entry in filter(str.isdigit, os.listdir('/proc')):
        fields = stat_fields(entry)
        if fields and fields[1] == str(pid):
            found.append((int(entry), fields[19]))
    return found


def alive(process):
    """Whether the process (pid, start time) runs yet: neither gone nor a zombie."""
    pid, started = process
    fields = stat_fields(pid)
    return bool(fields) and fields[0] != 'Z' and fields[19] == started


def open_files(pid):
    with contextlib.suppress(OSError):
        return {os.readlink(f'/proc/{pid}/fd/{fd}') for fd in os.listdir(f'/proc/{pid}/fd')}
    return set()


needs_proc = pytest.mark.skipif(not os.path.isdir('/proc/self/fd'),
                                reason='finds processes and their files in /proc')


def parallel_training(models_dir, epochs):
    return ['train_mnist.py', '--all_digits', '--jobs=2', '--num_images=16', f'--epochs={epochs}',
            '--batch_size=8', '--units=8', '--target_size=6', '--seed=0', '--data=bundled',
            f'--models_dir={models_dir}']


def trainers(process, models_dir, classes):
    """The worker processes of process training classes, by class, once each has its
    first epoch backed up."""
    logs = {places.log_path(config.model_path(models_dir, name)): name for name in classes}
    found = {}

    def all_begun():
        for worker in children(process.pid):
            for name in logs.keys() & open_files(worker[0]):
                found[logs[name]] = worker
        return len(found) == len(classes) and all(
            glob.glob(f'{glob.escape(models_dir)}/model_{name}.h5.resume/epoch_*.json')
            for name in classes)
    wait_for(all_begun, process)
    return found


@pytest.mark.slow
@needs_proc
def test_a_parallel_run_killed_outright_leaves_no_worker_and_a_rerun_trains_each_class_once(
        tmp_path):
    models_dir = str(tmp_path)
    process = start(parallel_training(models_dir, epochs=3), stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE)
    workers = []
    try:
        training_now = trainers(process, models_dir, ['0', '1'])
        workers = children(process.pid)  # the resource tracker of multiprocessing with them
        # Each worker holds the classes' locks while it lives.
        for worker in training_now.values():
            assert f'{models_dir}/model_5.h5.lock' in open_files(worker[0])
        process.kill()  # kill -9
        process.wait()
        deadline = time.monotonic() + 10
        while any(map(alive, workers)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [worker for worker in workers if alive(worker)], 'a worker trains on'
    finally:
        process.kill()
        for worker in workers:
            if alive(worker):
                os.kill(worker[0], signal.SIGKILL)
    result = run_in_process(*parallel_training(models_dir, epochs=3), '--jobs=1')
    assert result.returncode == 0, result.stderr
    # Each class trained once: no model was replaced (model_0.h5.~1~), no backup or
    # lock left (the logs of the killed run are, until a parallel run takes them).
    assert sorted(name for name in os.listdir(models_dir) if not name.endswith('.log')) == [
        f'model_{digit}.h5' for digit in range(10)]


@pytest.mark.slow
@needs_proc
def test_a_worker_killed_ends_the_run_in_one_line_naming_its_class_and_keeps_the_backups(
        tmp_path):
    models_dir = str(tmp_path)
    process = start(parallel_training(models_dir, epochs=1000), stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE)
    try:
        training_now = trainers(process, models_dir, ['0', '1'])
        os.kill(training_now['1'][0], signal.SIGKILL)  # as the out-of-memory killer does
        _, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    result = subprocess.CompletedProcess(process.args, process.returncode, '', stderr)
    assert_one_line(result, 2, 'the process training class 1 was killed (out of memory?); '
                    'run the same command again to resume')
    for digit in (0, 1):
        assert glob.glob(f'{glob.escape(models_dir)}/model_{digit}.h5.resume/epoch_*.weights.h5')
    assert not glob.glob(f'{glob.escape(models_dir)}/model_[2-9].h5*'), 'no queued class began'
    assert not glob.glob(f'{glob.escape(models_dir)}/*.lock')


# ---------------------------------------------------------------- disks

@pytest.mark.slow
def test_backups_never_use_tmpdir_and_a_full_disk_keeps_the_finished_epochs(tmp_path,
                                                                           monkeypatch):
    # A full TMPDIR: no temporary folder can be made there.
    def no_room(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), tempfile.gettempdir())
    monkeypatch.setattr(tempfile, 'mkdtemp', no_room)
    models_dir = str(tmp_path / 'models')
    resume_dir = config.model_path(models_dir, 0) + '.resume'
    write_whole = files.write_whole

    def full_at_the_second_backup(path, data, **options):
        if path.endswith('epoch_00002.weights.h5'):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)
        return write_whole(path, data, **options)

    with monkeypatch.context() as patch:
        patch.setattr(files, 'write_whole', full_at_the_second_backup)
        result = run_in_process(*training(models_dir))
    assert_one_line(result, 1, 'the disk is full (writing ', 'epoch_00002.weights.h5',
                    'run the same command again: training resumes where it stopped')
    assert sorted(os.listdir(resume_dir)) == ['epoch_00001.json', 'epoch_00001.weights.h5',
                                              'run.json']
    # The rerun resumes from the first epoch, its backup read with no TMPDIR either.
    result = run_in_process(*training(models_dir))
    assert result.returncode == 0, result.stderr
    assert 'Resuming after epoch 1 of 2' in result.stdout
    assert loading.load(config.model_path(models_dir, 0)).info.epochs == 2
    assert os.listdir(models_dir) == ['model_0.h5']


# ---------------------------------------------------------------- the advice of a stopped run

@pytest.mark.slow
def test_a_stopped_restart_run_says_to_resume_without_restart(tmp_path, monkeypatch):
    models_dir = str(tmp_path)
    with monkeypatch.context() as patch:
        patch.setattr(callbacks, 'StopBetweenBatches', terminated_after_first_epoch())
        result = run_in_process(*training(models_dir, '--restart'))
    assert_one_line(result, 128 + signal.SIGTERM)
    assert result.stderr.strip() == ('train_mnist.py: stopped; every file in place is as before '
                                     'or complete (run the command again without --restart to '
                                     'resume training)')
    # As it says: the command without --restart goes on from the first epoch.
    result = run_in_process(*training(models_dir))
    assert result.returncode == 0, result.stderr
    assert 'Resuming after epoch 1 of 2' in result.stdout


def test_a_full_disk_in_a_restart_run_says_to_resume_without_restart(monkeypatch):
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), 'model_0.h5')
    monkeypatch.setattr(sys, 'argv', ['train_mnist.py', '--restart'])
    assert 'run the command again without --restart: training resumes' in runner.system_error(
        full, resumes=True)
    monkeypatch.setattr(sys, 'argv', ['train_mnist.py'])
    assert 'run the same command again: training resumes' in runner.system_error(
        full, resumes=True)
