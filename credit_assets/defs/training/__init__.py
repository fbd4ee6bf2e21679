"""Training data: the train / holdout split and the balanced training set."""
