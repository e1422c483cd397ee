"""XuNet slimmed against HILL on BOSSbase 256x256 (spatial domain).

  sasrnet_slim --config=configs/xunet_hill.py:payload=0.4,qf=75 \
      --workdir=work/xunet_hill

Payload in bpp, as the argument (paper: 0.1-0.4); data made as in the
README (sasrnet_prepare, sasrnet_embed). Cost: the paper's budget is days on one GPU.
"""

from keras_sasrnet.train.config import paper_experiment


def get_config(arg=None):
    return paper_experiment("xunet", "hill", arg)
