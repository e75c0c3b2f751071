"""Before and after a refactor, in one run: the GRU set classifying the first
2,000 MNIST test images by Bayes' rule (pruned), and one 5x5 grid sampled
from class 0 of the shipped PixelCNN and GRU sets, each call timed in a
process of each checkout that has loaded its models and made one untimed
call first (compiles excluded). The calls alternate, before and after, the
order flipped each repeat; the medians, after/before, and whether both sides
gave the same decisions and samples (digests) are printed.

    python bench/before_after.py --before BEFORE --after AFTER --data mnist.npz [--repeats 5]

BEFORE, AFTER: checkouts (git worktree add BEFORE 5e4b3b6); each side runs
in its own checkout with its own modules. Classification takes 3 repeats
where its untimed call took over a minute. --data: the full MNIST's
mnist.npz. Compare ratios, not seconds, on a busy machine.
"""
import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time

import start  # bench/start.py: the project's root

TASKS = ['gru_classify', 'pixelcnn_sample', 'gru_sample']
CLASSIFIED = 2000


def digest(array):
    import numpy as np
    array = np.ascontiguousarray(array)
    text = f'{array.dtype}{array.shape}'.encode() + array.tobytes()
    return hashlib.sha256(text).hexdigest()[:16]


def preparer(side, data):
    """task name -> a call of no arguments returning the array to digest,
    made with this side's modules (Keras started)."""
    import numpy as np
    from pixel_rnn.datasets import DATASETS
    from pixel_rnn.modelfile import sets
    settings = DATASETS['mnist']

    def gru_classify():
        images = np.load(data)['x_test'][:CLASSIFIED]
        try:
            from pixel_rnn.classifier import BayesClassifier
        except ImportError:  # a checkout from before BayesClassifier
            import util
            models = util.load_models('trained/mnist_models', settings.class_names, settings)
            return lambda: util.bayes_classify(models, images)
        classifier = BayesClassifier.from_folder('trained/mnist_models', settings)
        return lambda: classifier.predict(images)

    def sampler(models_dir):
        model = sets.load_models(models_dir, ['0'], settings)[0]
        return lambda: model.sample(25, seed=0)

    return {'gru_classify': gru_classify,
            'pixelcnn_sample': lambda: sampler('trained/mnist_pixelcnn_models'),
            'gru_sample': lambda: sampler('trained/mnist_models')}


def worker(side, project, data):
    """Answer each task name read from stdin with one JSON line: the seconds
    of one call and its output's digest; a task's first name loads its models
    and makes the untimed call (its seconds are those of that call)."""
    start.keras(project)
    prepare, calls = preparer(side, data), {}
    for line in sys.stdin:
        task = line.strip()
        if task not in calls:
            calls[task] = prepare[task]()
        began = time.perf_counter()
        output = calls[task]()
        seconds = time.perf_counter() - began
        print('RESULT ' + json.dumps({'seconds': seconds, 'digest': digest(output)}), flush=True)


class Side:
    """A worker process in one checkout."""

    def __init__(self, side, project, data):
        env = dict(os.environ, PYTHONPATH=project, TF_CPP_MIN_LOG_LEVEL='3')
        self.process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), '--worker', side, '--before', project,
             '--data', data], cwd=project, env=env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True)

    def call(self, task):
        self.process.stdin.write(task + '\n')
        self.process.stdin.flush()
        for line in self.process.stdout:
            if line.startswith('RESULT '):
                return json.loads(line[len('RESULT '):])
        raise RuntimeError(f'the worker stopped, status {self.process.wait()}')

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--before', required=True)
    parser.add_argument('--after', default=start.ROOT)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--data', required=True, help="the full MNIST's mnist.npz")
    parser.add_argument('--worker', choices=['before', 'after'], help=argparse.SUPPRESS)
    args = parser.parse_args()
    data = os.path.abspath(args.data)
    if args.worker:
        return worker(args.worker, os.path.abspath(args.before), data)
    sides = {'before': Side('before', os.path.abspath(args.before), data),
             'after': Side('after', os.path.abspath(args.after), data)}
    print(f'{"task":<16} {"before":>8} {"after":>8} {"ratio":>6}  repeats  same output', flush=True)
    try:
        for task in TASKS:
            warm = {name: side.call(task) for name, side in sides.items()}
            repeats = args.repeats
            if task == 'gru_classify' and max(w['seconds'] for w in warm.values()) > 60:
                repeats = min(repeats, 3)
            seconds = {'before': [], 'after': []}
            digests = {name: {warm[name]['digest']} for name in sides}
            for repeat in range(repeats):
                for name in (['before', 'after'] if repeat % 2 == 0 else ['after', 'before']):
                    result = sides[name].call(task)
                    seconds[name].append(result['seconds'])
                    digests[name].add(result['digest'])
            before, after = (statistics.median(seconds[name]) for name in ('before', 'after'))
            same = len(digests['before'] | digests['after']) == 1
            digest = ', '.join(sorted(digests['before'] | digests['after']))
            print(f'{task:<16} {before:>7.2f}s {after:>7.2f}s {after / before:>6.2f}  '
                  f'{repeats:>7}  {"yes" if same else "NO"} ({digest})', flush=True)
    finally:
        for side in sides.values():
            side.close()


if __name__ == '__main__':
    main()
