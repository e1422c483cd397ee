"""Training: the recipe and loop, tf.distribute strategies, the schedule."""
