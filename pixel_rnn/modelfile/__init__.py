"""Model files: HDF5 files that say what they model, written whole or not at all.

A file holds the network's weights and, as attributes, its ModelInfo
(saving.py writes them); loading.py reads one back, checking everything,
and builds its network; sets.py reads the files of a set and checks that
they agree; places.py names a set's files and those kept beside them, and
checks that they can be written; backups.py writes and reads a training's
backup of its weights and optimizer state, with the checks a model file
gets; tutorial.py reads the tutorial's network from files and networks
that do not describe themselves. All but saving.py and building a network are free of Keras, so that
every refusal of a model file comes before its start. A model file is also
Keras's own .h5 layout: keras.models.load_model opens it.
"""

# The format attribute of a file this project wrote.
FORMAT = 'pixel-rnn model 1'
