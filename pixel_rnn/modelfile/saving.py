"""Writing model files: the network and its ModelInfo in one HDF5 file, whole or not at all."""
import dataclasses
import io
import json

import h5py

from pixel_rnn.files import write_whole
from pixel_rnn.modelfile import FORMAT


def save(model, path):
    """Write model to path, whole or not at all."""
    write_whole(path, model_image(model))


def install(model, path):
    """Put model at path once it is written whole; an earlier file there is
    kept under old_name(path). Returns that name, or None."""
    return write_whole(path, model_image(model), keep_old_file=True)


def model_image(model):
    """The bytes of model's file: Keras's own .h5 layout (its model config,
    weights under model_weights/<layer>/<weight>), so that
    keras.models.load_model opens it, with its ModelInfo as attributes; this
    project's reader never runs that config. Made in memory, as are all HDF5
    files here: on a full disk HDF5 has been seen to report the failure only
    as it frees objects, go on and crash (signal 11), where bytes written
    afterwards are a plain OSError."""
    import keras
    network = model.network
    info = dataclasses.replace(model.info, keras_version=keras.__version__)
    image = io.BytesIO()
    with h5py.File(image, 'w') as f:
        f.attrs['model_config'] = json.dumps({'class_name': network.__class__.__name__,
                                              'config': network.get_config()})
        f.attrs['backend'] = keras.backend.backend()
        write_weights(f.create_group('model_weights'), network)
        f.attrs['format'] = FORMAT
        for field, value in dataclasses.asdict(info).items():
            if value is not None:
                f.attrs[field] = json.dumps(value) if field == 'params' else value
    return image.getvalue()


def write_weights(group, network):
    """network's weights into group, as Keras's .h5 files keep them
    (<layer>/<weight>, each layer listing its weights' names)."""
    import keras
    group.attrs['layer_names'] = [layer.name.encode() for layer in network.layers]
    group.attrs['keras_version'] = keras.__version__
    group.attrs['backend'] = keras.backend.backend()
    for layer in network.layers:
        layer_group = group.create_group(layer.name)
        layer_group.attrs['weight_names'] = [weight.path.encode() for weight in layer.weights]
        for weight in layer.weights:
            layer_group.create_dataset(weight.path, data=weight.numpy())
