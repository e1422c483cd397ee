"""SRNet slimmed against JUNIWARD on BOSSbase 256x256 (QF 75, or qf=95).

  sasrnet_slim --config=configs/srnet_juniward.py:payload=0.4,qf=75 \
      --workdir=work/srnet_juniward

Payload in bpnzAC, as the argument (paper: 0.1-0.4); data made as in the
README (sasrnet_prepare, sasrnet_embed). Cost: the paper's budget is days on one GPU.
"""

from keras_sasrnet.train.config import paper_experiment


def get_config(arg=None):
    return paper_experiment("srnet", "juniward", arg)
