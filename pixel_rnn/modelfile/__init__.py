"""Model files: HDF5 files that say what they model, written whole or not at all.

A file holds the network's weights and, as attributes, its ModelInfo
(saving.py writes them); loading.py reads one back, checking everything.
"""
