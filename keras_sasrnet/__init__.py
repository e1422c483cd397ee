"""keras-sasrnet: slimming-assisted deep residual networks for steganalysis.

Sub-packages, in the order data flows through them:
  models     SRNet and XuNet as functional Keras builders.
  slimming   gamma-L1 sparsity, channel groups, pruning plans, rebuilds.
  profile    parameters, analytic MACs and CPU latency of any model.
"""

__version__ = "0.1.0"
