"""Where an AUC on this problem stops being skill and starts being a leak."""

LEAKAGE_AUC = 0.82
"""No honest model of Home Credit defaults reaches this AUC (the Kaggle competition was won at
about 0.806), and no honest single feature comes near it (the best, EXT_SOURCE_3, about 0.68).
A feature or a model above it knows TARGET: the feature and training-set checks block training,
the champion's gate blocks its scores and its packaging."""
