"""Model files: HDF5 files that say what they model, written whole or not at all.

A file holds the network's weights and, as attributes, its ModelInfo
(saving.py); loading.py reads one back, checking everything, and builds its
network; sets.py reads and checks the files of a set; places.py names the
files kept beside them; backups.py writes and reads a training's backup;
tutorial.py reads the tutorial's networks. All but building a network and
writing are free of Keras, so that every refusal comes before its start. A
model file is also Keras's own .h5 layout: keras.models.load_model opens it.
"""

# The format attribute of a file this project wrote.
FORMAT = 'pixel-rnn model 1'
