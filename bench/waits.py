"""What a user waits for: whole commands, each a process of its own timed by
/usr/bin/time, this checkout against another (an earlier commit) in the same
run, alternating, the least of --repeats runs of each kept.

    python bench/waits.py --before BEFORE [--repeats 3]

BEFORE: a checkout of the commit to compare with (git worktree add BEFORE 6e2ba3f).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import start  # bench/start.py: the project's root

# Each command: its words, with DAMAGED a copy of the shipped GRU set whose
# model_3.h5 is cut to 1,000 bytes, and OUT an empty folder of each run's own.
COMMANDS = [
    'describe.py trained/mnist_models',
    'describe.py /nonexistent',
    'describe.py',
    'classification.py --models_dir=DAMAGED',
    'generate.py --digit=3 --models_dir=DAMAGED',
    'train_mnist.py --epochs=0',
    'generate.py --digit=0 --seed=0 --out=OUT/grid.png',
    'train_mnist.py --all_digits --jobs=1 --num_images=100 --epochs=1 --seed=0 --data=bundled '
    '--models_dir=OUT',
    'train_mnist.py --all_digits --jobs=2 --num_images=100 --epochs=1 --seed=0 --data=bundled '
    '--models_dir=OUT',
]


def timed(project, command, damaged):
    """Wall seconds of python <command> in project."""
    with tempfile.TemporaryDirectory() as out:
        words = command.replace('DAMAGED', damaged).replace('OUT', out).split()
        result = subprocess.run(['/usr/bin/time', '-f', '%e', sys.executable, *words],
                                cwd=project, capture_output=True, text=True)
    return float(result.stderr.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--before', required=True)
    parser.add_argument('--repeats', type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        damaged = os.path.join(scratch, 'damaged')
        shutil.copytree(os.path.join(start.ROOT, 'trained', 'mnist_models'), damaged)
        with open(os.path.join(damaged, 'model_3.h5'), 'r+b') as f:
            f.truncate(1000)
        print(f'{"command":<48} {"before":>8} {"now":>8}')
        for command in COMMANDS:
            before, now = [], []
            for _ in range(args.repeats):
                before.append(timed(args.before, command, damaged))
                now.append(timed(start.ROOT, command, damaged))
            print(f'{command:<48} {min(before):>7.2f}s {min(now):>7.2f}s', flush=True)


if __name__ == '__main__':
    main()
