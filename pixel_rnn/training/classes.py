"""Training the classes a command names: one after another, or several at once."""
import dataclasses
import os

from pixel_rnn import defaults, files, startup
from pixel_rnn.images import to_levels, training_levels
from pixel_rnn.training import Task, class_images, held_out_images, one_class, parallel


def train_classes(dataset, template, labels, models_dir, num_images, restart=False,
                  logdir=None, jobs=None, distribute=False):
    """Train a model per label (of dataset.class_names; None: all) on up to
    num_images of its training images after template.skip, as the ModelInfo
    template says: jobs at a time, each in a process of its own (None: one a
    core), or distribute each batch over the local devices. A class trained
    so already is skipped, an interrupted one resumes (unless restart), and
    one that another run trains into models_dir is refused before any begins."""
    template.checked('cannot train that: ')
    tasks = []
    for label in range(len(dataset.class_names)) if labels is None else labels:
        images = class_images(dataset, label, template.skip, num_images)
        name = dataset.class_names[label]
        info = dataclasses.replace(template, class_name=name, num_images=len(images),
                                   prior=float((dataset.y_train == label).mean()),
                                   data_source=dataset.source)
        held_out = held_out_images(dataset, label, template.skip, len(images))
        tasks.append(Task(training_levels(images, info), info,
                          defaults.model_path(models_dir, name), restart,
                          logdir and os.path.join(logdir, name), distribute,
                          to_levels(held_out, info)))
    jobs = 1 if distribute else min(len(tasks), jobs or os.cpu_count() or 1)
    with files.locked([task.path for task in tasks]) as locks:
        if jobs > 1:
            parallel.train_in_parallel(tasks, jobs, locks)  # Keras starts in the workers alone
        else:
            startup.start_keras()
            for task in tasks:
                one_class.train_class(*task)
