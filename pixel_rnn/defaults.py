"""What new training uses, and where things live: each fact once, for the whole project.

The MNIST values are the tutorial's (config.py gives its names for them);
each data set's own are in its entry (pixel_rnn/datasets). Trained models
record their own size, levels and architecture.
"""
import os

# MNIST images are shrunk to target_size x target_size and quantized to
# levels intensity levels: level = round(pixel / factor).
target_size = 10
max_intensity = 6
levels = max_intensity + 1
factor = 256 / max_intensity

# Model and training (each architecture's other defaults are in its own file).
units = 256  # the GRU's
batch_size = 32
epochs = 50
# --discriminative: fine-tuning a trained set together (pixel_rnn/training/fine_tuning.py),
# the density term's weight and the epochs, unless given.
fine_tuning_weight = 1.0
fine_tuning_epochs = 4
# --shifts: one-pixel moves of each image trained on besides it (util.MOVES):
# none, up, down, left and right, or also the four diagonals.
SHIFTS = (0, 4, 8)
# classification.py --moves: how many one-pixel moves of each test image a
# class's likelihood is averaged over (util.scored_moves names them).
SCORED_MOVES = (0, 2, 4, 8)
num_images = 100

# Where things live: in the project (the folder above this package), wherever scripts run.
project_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
trained_dir = os.path.join(project_dir, 'trained')
# The sets that ship with the project, in git: a missing one is restored, not retrained.
SHIPPED_MODELS_DIRS = tuple(os.path.join(trained_dir, name) for name in
                            ('mnist_models', 'mnist_pixelcnn_models',
                             'mnist_pixelcnn_mmi_models', 'cifar_models', 'cifar_mmi_models'))
model_file = 'model_{}.h5'
generated_dir = os.path.join(project_dir, 'generated')
# classification.py --report's pictures.
report_dir = os.path.join(generated_dir, 'report')
# Pictures: pixels of white between the cells of a grid of images.
grid_line = 1


def model_path(models_dir, class_name):
    return os.path.join(models_dir, model_file.format(class_name))


def class_name_of(path):
    """The class a model file's name gives (model_7.h5: '7'), or its whole name."""
    name = os.path.basename(path)
    stem, _, suffix = model_file.partition('{}')
    if name.startswith(stem) and name.endswith(suffix) and len(name) > len(stem + suffix):
        return name[len(stem):len(name) - len(suffix)]
    return name
