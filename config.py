"""What new training uses, and where things live; the MNIST values are the tutorial's.

Trained models record their own size, levels and architecture, so
generate.py and classification.py take those from the model files.
"""
import dataclasses
import os

# MNIST images are shrunk to target_size x target_size and quantized to
# levels intensity levels: level = round(pixel / factor). (The tutorial
# called the count num_classes; here a class is one of a data set's.)
target_size = 10
max_intensity = 6
levels = max_intensity + 1
factor = 256 / max_intensity

# CIFAR-10: the same per channel, to start with.
cifar_target_size = 10
cifar_max_intensity = 6
cifar_classes = ('airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse',
                 'ship', 'truck')

# Model and training (each architecture's other defaults are in its own file).
units = 256  # the GRU's
batch_size = 32
epochs = 50
# --shifts: one-pixel moves of each image trained on besides it (util.MOVES):
# none, up, down, left and right, or also the four diagonals.
SHIFTS = (0, 4, 8)
# classification.py --moves: how many one-pixel moves of each test image a
# class's likelihood is averaged over (util.scored_moves names them).
SCORED_MOVES = (0, 2, 4, 8)
num_images = 100

# Where things live: in the project, wherever the scripts are run from.
project_dir = os.path.dirname(os.path.abspath(__file__))
trained_dir = os.path.join(project_dir, 'trained')
mnist_models_dir = os.path.join(trained_dir, 'mnist_models')
cifar_models_dir = os.path.join(trained_dir, 'cifar_models')
# The sets that ship with the project, in git: a missing one is restored, not retrained.
SHIPPED_MODELS_DIRS = (mnist_models_dir, os.path.join(trained_dir, 'mnist_pixelcnn_models'),
                       cifar_models_dir)
model_file = 'model_{}.h5'
generated_dir = os.path.join(project_dir, 'generated')
# classification.py --report's pictures.
report_dir = os.path.join(generated_dir, 'report')
# Pictures: pixels of white between the cells of a grid of images.
grid_line = 1


def model_path(models_dir, class_name):
    return os.path.join(models_dir, model_file.format(class_name))


@dataclasses.dataclass(frozen=True)
class Settings:
    """What the scripts need to know of one data set."""
    name: str
    colours: int
    target_size: int
    max_intensity: int
    models_dir: str
    samples_file: str  # in generated_dir, formatted with the class name
    train_all_command: str
    train_one_command: str  # formatted with the class name
    class_names: tuple
    picture_size: int = 28  # side of the data set's own images, before shrinking

    def default_models_dir(self, arch='gru'):
        """Where training of arch puts its models without --models_dir: each
        architecture a folder of its own, so that no set mixes them."""
        if arch == 'gru':
            return self.models_dir
        return os.path.join(trained_dir, f'{self.name}_{arch}_models')


MNIST = Settings('mnist', 1, target_size, max_intensity, mnist_models_dir,
                 'samples_of_{}.png', 'python train_mnist.py --all_digits',
                 'python train_mnist.py --digit={}', tuple(str(digit) for digit in range(10)))
CIFAR = Settings('cifar', 3, cifar_target_size, cifar_max_intensity, cifar_models_dir,
                 'cifar_samples_of_{}.png', 'python train_cifar.py --all_labels',
                 'python train_cifar.py --label={}', cifar_classes, picture_size=32)
DATASETS = {settings.name: settings for settings in (MNIST, CIFAR)}
