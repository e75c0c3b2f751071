"""Writing model files: the network and its ModelInfo in one HDF5 file, whole or not at all."""
import dataclasses
import io
import json

import h5py

from pixel_rnn.files import write_whole
from pixel_rnn.modelfile import FORMAT, WeightsImage


def save(model, path):
    """Write model to path, whole or not at all."""
    write_whole(path, model_image(model))


def model_image(model):
    """The bytes of model's file: the network's weights, layer by layer as
    Keras's .h5 files keep them (model_weights/<layer>/<weight>, each layer
    listing its weights' names), with its ModelInfo as attributes; no model
    description of Keras's, as loading never runs one. Made in memory, as
    are all HDF5 files here: on a full disk HDF5 has been seen to report the
    failure only as it frees objects, go on and crash (signal 11). Bytes
    written afterwards to a full disk are a plain OSError."""
    import keras
    info = dataclasses.replace(model.info, keras_version=keras.__version__)
    image = io.BytesIO()
    with h5py.File(image, 'w') as f:
        weights = f.create_group('model_weights')
        weights.attrs['layer_names'] = [layer.name.encode() for layer in model.network.layers]
        for layer in model.network.layers:
            group = weights.create_group(layer.name)
            group.attrs['weight_names'] = [weight.path.encode() for weight in layer.weights]
            for weight in layer.weights:
                group.create_dataset(weight.path, data=weight.numpy())
        f.attrs['format'] = FORMAT
        for field, value in dataclasses.asdict(info).items():
            if value is not None:
                f.attrs[field] = json.dumps(value) if field == 'params' else value
    return image.getvalue()


def weights_image(network):
    """The bytes of the file network.save_weights writes (its weights and
    its optimizer's state), made in memory."""
    image = WeightsImage()
    network.save_weights(image)
    return image.getvalue()


def install(model, path):
    """Put model at path once it is written whole; an earlier file there is
    kept under old_name(path). Returns that name, or None."""
    return write_whole(path, model_image(model), keep_old_file=True)
