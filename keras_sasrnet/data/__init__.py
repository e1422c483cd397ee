"""Data: reading images and JPEGs, preparing sets, embedding, pair batches.

Only ``pairs`` imports TensorFlow; the rest runs in worker processes.
"""
