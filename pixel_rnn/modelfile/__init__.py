"""Model files: HDF5 files that say what they model, written whole or not at all.

A file holds the network's weights and, as attributes, its ModelInfo
(saving.py writes them); loading.py reads one back, checking everything,
and builds its network; sets.py reads the files of a set and checks that
they agree; places.py names a set's files and those kept beside them, and
checks that they can be written. All but saving.py and building a network
are free of Keras, so that every refusal of a model file comes before its
start.
"""
import io

# The format attribute of a file this project wrote.
FORMAT = 'pixel-rnn model 1'



class WeightsImage(io.BytesIO):
    """A .weights.h5 file in memory, which Keras's save_weights writes and
    load_weights reads as a file of that name (they go by the name's end).
    A backup's weights go through no file of their own: never through
    TMPDIR, a disk of its own that may be small or full (where HDF5 has
    crashed the process), and on the models' full disk the one failure is
    writing their bytes, a plain OSError."""

    def __str__(self):
        return 'backup.weights.h5'
