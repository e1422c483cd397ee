"""keras-sasrnet: slimming-assisted deep residual networks for steganalysis.

Sub-packages, in the order data flows through them:
  models     SRNet and XuNet as functional Keras builders.
  slimming   gamma-L1 sparsity, channel groups, pruning plans, rebuilds.
  profile    parameters, analytic MACs and CPU latency of any model.
"""

__version__ = "0.1.0"

# Register every custom object the package saves (layers, initializers, the
# gamma penalty, the proximal optimizers), so that keras.models.load_model
# reads a saved detector after a plain ``import keras_sasrnet``. Importing
# Keras does not start the TensorFlow runtime: logical devices can still be
# configured afterwards (train.distribute).
from keras_sasrnet import _quiet  # noqa: E402

_quiet.import_tensorflow()
from keras_sasrnet import penalty as _penalty  # noqa: E402, F401
from keras_sasrnet.models import layers as _layers  # noqa: E402, F401
from keras_sasrnet.slimming import proximal as _proximal  # noqa: E402, F401
