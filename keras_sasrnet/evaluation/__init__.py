"""Evaluation: error rates of cover/stego detectors."""
