"""The progress of a parallel training, a line per class (epoch, loss, time
left) from what its workers report (callbacks.Reported): redrawn in place
where standard output is a terminal, else (a log, a pipe) a plain line
printed per class per epoch."""
import os
import sys
import time


class Progress:
    def __init__(self, names):
        self.live = sys.stdout.isatty() and os.environ.get('TERM') != 'dumb'
        self.width = max(map(len, names))
        self.lines = dict.fromkeys(names, 'waiting for a worker')
        self.began = {}  # class: (its first epoch in this run, when it began)
        self.drawn = 0  # lines drawn so far, to go back up over

    def report(self, name, epoch, epochs, loss):
        """A worker's word: class name has done epoch of epochs, its loss
        then (None as it begins, epoch the one it resumes after)."""
        first, began = self.began.setdefault(name, (epoch, time.monotonic()))
        if loss is None:
            self.say(name, f'epoch {epoch + 1}/{epochs} under way')
            return
        left = (time.monotonic() - began) / (epoch - first) * (epochs - epoch)
        self.say(name, f'epoch {epoch}/{epochs}, loss {loss:.4f}, '
                       f'{int(left // 60)} min {int(left % 60):02d} s left')

    def say(self, name, text):
        """text on class name's line."""
        self.lines[name] = text
        if not self.live:
            print(f'{name}: {text}', flush=True)
            return
        # Back up over the lines drawn (CSI F), each cleared (CSI 2K) as it is written again.
        sys.stdout.write((f'\x1b[{self.drawn}F' if self.drawn else '') + ''.join(
            f'\x1b[2K{other:>{self.width}}: {line}\n' for other, line in self.lines.items()))
        sys.stdout.flush()
        self.drawn = len(self.lines)
