"""keras-sasrnet: slimming-assisted deep residual networks for steganalysis.

Sub-packages and modules, in the order data flows through them (layers:
README "Architecture"):
  data        reading images and JPEGs, preparing sets, embedding, pairs.
  models      SRNet and XuNet as functional Keras builders; loading; formats.
  penalty     the gamma L1 penalty (GammaL1) that sparsity training adds.
  graph       the functional graph as nodes, for channel groups and MACs.
  slimming    sparsity methods, channel groups, importance, plans, rebuilds.
  profile     parameters, analytic MACs and CPU latency of any model.
  train       config, training loop, strategies, one run and its stages.
  evaluation  P_E, ROC/AUC, reports, figures, detection of image files.
  export      SavedModel and TFLite, parity, LiteRT latency.
  precision   float32 / TF32 / mixed precision, applied once per process.
  atomic, fingerprint, cli   atomic writes, settings of outputs, binaries.
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
