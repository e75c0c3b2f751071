"""Model files: HDF5 files that say what they model, written whole or not at
all (saving.py), read back checking everything (loading.py). All but building
a network and writing are free of Keras, so that every refusal comes before
its start. A model file is also Keras's own .h5 layout: keras.models.load_model
opens it.
"""

# The format attribute of a file this project wrote.
FORMAT = 'pixel-rnn model 1'
