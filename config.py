"""The tutorial's config: its names for the defaults that pixel_rnn/defaults.py sets.

The tutorial's scripts, and this project's scripts, util.py, tests and
bench, read config.target_size, config.max_intensity, config.num_classes,
config.factor and the rest here; each is pixel_rnn.defaults' own (see there
for what it is), and no value is set here. num_classes is the tutorial's
name for levels, which util's tutorial functions take; everywhere else a
class is one of a data set's, and this is levels.
"""
from pixel_rnn.defaults import (  # noqa: F401
    SCORED_MOVES, SHIFTS, SHIPPED_MODELS_DIRS, batch_size, class_name_of, epochs, factor,
    fine_tuning_epochs, fine_tuning_weight, generated_dir, grid_line, levels, max_intensity,
    model_file, model_path, num_images, project_dir, report_dir, target_size, trained_dir, units)

num_classes = levels
