"""Settings: what the scripts need to know of one data set, its entry in the registry."""
import dataclasses
import os
from typing import Callable

from pixel_rnn import defaults


@dataclasses.dataclass(frozen=True)
class Settings:
    """One data set: what it holds, how training starts on it, where its
    models and pictures go, and its loader."""
    name: str  # as --dataset and model files name it
    title: str  # as people name it
    about: str  # for --dataset's help
    colours: int
    class_names: tuple
    picture_size: int  # side of the data set's own images, before shrinking
    target_size: int  # the default of --target_size
    max_intensity: int  # the default of --max_intensity
    samples_file: str  # in generated_dir, formatted with the class name
    completions_file: str  # as samples_file, for generate.py --complete
    class_flag: str  # the training script's flag of one class: digit or label
    class_noun: str  # what one class is called in messages
    class_help: str  # the help of the class flag
    all_classes: str  # e.g. 'all ten digits'
    train_command: str  # the command that trains its models, without the class flags
    data_help: str  # the help of --data
    load: Callable  # path of --data, or None -> Dataset (checks.Dataset)
    can_deskew: bool = False  # whether --deskew applies: handwriting slants
    # How its grey images frame what they show, and so a person's picture: the
    # side of the box the ink is scaled to fit, in pixels of picture_size, and
    # whether it is then centred by its centre of mass (else the box is).
    ink_box: int = None
    by_centre_of_mass: bool = False
    can_mirror: bool = False  # whether --mirror applies: a mirror image is as likely

    @property
    def picture_mode(self):
        """The PIL mode a picture is read in to be one of the data set's images."""
        return 'RGB' if self.colours > 1 else 'L'

    @property
    def train_all_command(self):
        return f'{self.train_command} --all_{self.class_flag}s'

    @property
    def train_one_command(self):
        """Formatted with the class name."""
        return f'{self.train_command} --{self.class_flag}={{}}'

    def default_models_dir(self, arch='gru'):
        """Where training of arch puts its models without --models_dir: each
        architecture a folder of its own, so that no set mixes them."""
        folder = f'{self.name}_models' if arch == 'gru' else f'{self.name}_{arch}_models'
        return os.path.join(defaults.trained_dir, folder)
