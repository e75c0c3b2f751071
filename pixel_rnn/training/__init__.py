"""Training: one class's model, resumable (one_class.py), and several classes at once (parallel.py)."""
