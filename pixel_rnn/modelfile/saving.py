"""Writing model files: the network and its ModelInfo in one HDF5 file, whole or not at all."""
import dataclasses
import io
import json
import logging

import h5py
import keras
# Keras's own writers, given a file in memory (its public savers take only paths).
from keras.src.legacy.saving import legacy_h5_format
from keras.src.saving import saving_lib

from pixel_rnn.files import write_whole
from pixel_rnn.modelfile import FORMAT

# Keras logs a warning on every .h5 save; .h5 is the format this project keeps.
logging.getLogger('absl').setLevel(logging.ERROR)



def save(model, path):
    """Write model to path, whole or not at all."""
    write_whole(path, model_image(model))


def model_image(model):
    """The bytes of model's file: Keras's .h5 file of the network, with its
    ModelInfo as attributes. Made in memory, as are all HDF5 files here: on
    a full disk HDF5 has been seen to report the failure only as it frees
    objects, go on and crash (signal 11). Bytes written afterwards to a full
    disk are a plain OSError."""
    info = dataclasses.replace(model.info, keras_version=keras.__version__)
    image = io.BytesIO()
    with h5py.File(image, 'w') as f:
        legacy_h5_format.save_model_to_hdf5(model.network, f, include_optimizer=False)
        f.attrs['format'] = FORMAT
        for field, value in dataclasses.asdict(info).items():
            if value is not None:
                f.attrs[field] = json.dumps(value) if field == 'params' else value
    return image.getvalue()


def weights_image(network):
    """The bytes of the file network.save_weights writes (its weights and
    its optimizer's state), made in memory."""
    image = io.BytesIO()
    store = saving_lib.H5IOStore(image, mode='w')
    saving_lib._save_state(network, weights_store=store, assets_store=None, inner_path='',
                           visited_saveables=set())
    store.close()
    return image.getvalue()


def install(model, path):
    """Put model at path once it is written whole; an earlier file there is
    kept under old_name(path). Returns that name, or None."""
    return write_whole(path, model_image(model), keep_old_file=True)
