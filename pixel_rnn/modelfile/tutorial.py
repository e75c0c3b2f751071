"""The tutorial's network where it has no description of this project's:
its own Keras 2 files, a Keras 3 .h5 file or .keras archive of
util.create_model's network, or such a network itself. Each is read by its
Keras config or its layers (checked before anything is built) into a GRU
ClassModel of this project."""
import json
import os

from pixel_rnn import defaults
from pixel_rnn.description import ModelInfo
from pixel_rnn.errors import UsageError
from pixel_rnn.modelfile import loading


def configured_info(model_config, version, path, class_name):
    """The ModelInfo of the tutorial's network of class_name that a Keras
    model config (of Keras version) describes: 10x10 grey MNIST, its GRU's."""
    layers = model_config['config']
    layers = layers['layers'] if isinstance(layers, dict) else layers
    configs = {layer['class_name']: layer['config'] for layer in layers}
    gru_config = configs.get('GRU')
    if gru_config is None:
        raise UsageError(f'{path}: its Keras model has no GRU layer; only the tutorial\'s '
                         'GRU models are read')
    if gru_config.get('activation') != 'tanh':
        raise UsageError(f"{path}: GRU activation {gru_config.get('activation')!r} is not "
                         "supported")
    activation = gru_config['recurrent_activation']
    if isinstance(activation, dict):  # a registered function, as Keras 3 names it
        activation = str(activation.get('config')).rpartition('>')[2]
    elif version.startswith('2.') and activation == 'hard_sigmoid':
        # Keras 2's hard_sigmoid is not Keras 3's: see layers.keras2_hard_sigmoid.
        activation = 'keras2_hard_sigmoid'
    shape = (gru_config.get('batch_input_shape')
             or configs.get('InputLayer', {}).get('batch_shape'))
    return ModelInfo(
        dataset='mnist', class_name=class_name, image_size=10,
        levels=shape[-1], colours=1, arch='gru',
        params={'units': gru_config['units'], 'reset_after': gru_config.get('reset_after', False),
                'recurrent_activation': activation},
        keras_version=version)


# A .keras archive's config.json and metadata.json, of a network the size of
# the tutorial's: kilobytes.
MAX_ARCHIVE_CONFIG = 2**20


def archived(path):
    """The ClassModel of the tutorial's network saved by Keras 3 as a .keras
    archive. Its config is read first, bounded, and checked as a .h5 file's
    (no network that asks for absurd memory is built); then Keras reads the
    archive in its safe mode (no code of the file's runs), and adopted."""
    import zipfile
    if not os.path.isfile(path):  # a FIFO or a device would block or never end
        raise UsageError(f'no model file {path}' if not os.path.exists(path) else
                         f'{path} is not a regular file; refusing it')
    try:
        with zipfile.ZipFile(path) as archive:
            members = [archive.getinfo(name) for name in ('config.json', 'metadata.json')]
            # zipfile reads no more than the size a member declares.
            large = [member for member in members if member.file_size > MAX_ARCHIVE_CONFIG]
            if large:
                raise ValueError(f'{large[0].filename} of {large[0].file_size:,} bytes')
            config, metadata = (json.loads(archive.read(member)) for member in members)
        version = str(metadata.get('keras_version', '3.'))
        # model_7.keras models 7, as model_7.h5 does.
        class_name = defaults.class_name_of(os.path.splitext(path)[0] + '.h5')
        info = configured_info(config, version, path, class_name)
    except (zipfile.BadZipFile, KeyError, TypeError, AttributeError, ValueError,
            RecursionError, OSError) as error:
        raise UsageError(f'{path} is not a readable Keras archive of the tutorial\'s network '
                         f'({error}); train it again') from None
    info.checked(f'{path}: ', '; train it again')
    import keras
    network = keras.saving.load_model(path, compile=False, safe_mode=True)
    model = adopted(network, info.image_size)
    model.info = info
    return model


def adopted(network, image_size):
    """A GRU ClassModel of a Keras network of the tutorial's shape (a GRU
    over one-hot levels, a Dense layer, or TimeDistributed Dense, to the
    levels and a softmax) of image_size x image_size grey images: its
    settings read off its layers, its weights copied."""
    import keras
    recurrent = [layer for layer in network.layers if isinstance(layer, keras.layers.GRU)]
    dense = [getattr(layer, 'layer', layer) for layer in network.layers
             if isinstance(getattr(layer, 'layer', layer), keras.layers.Dense)]
    if len(recurrent) != 1 or len(dense) != 1:
        raise UsageError('the network is not the tutorial\'s (one GRU layer, one Dense layer): '
                         'give a model of util.load_model')
    settings = recurrent[0].get_config()
    if settings['activation'] != 'tanh':
        raise UsageError(f"GRU activation {settings['activation']!r} is not supported")
    activation = getattr(recurrent[0].cell.recurrent_activation, '__name__', None)
    info = ModelInfo(dataset='mnist', class_name='', image_size=image_size,
                     levels=dense[0].units, colours=1, arch='gru',
                     params={'units': recurrent[0].units, 'reset_after': recurrent[0].reset_after,
                             'recurrent_activation': activation})
    info.checked('the network does not fit a model of this project: ')
    return loading.build('the network', info, recurrent[0].get_weights() + dense[0].get_weights())
