"""SRNet slimmed against HUGO on BOSSbase 256x256 (spatial domain).

  sasrnet_slim --config=configs/srnet_hugo.py:payload=0.4,qf=75 \
      --workdir=work/srnet_hugo

Payload in bpp, as the argument (paper: 0.1-0.4); data made as in the
README (sasrnet_prepare, sasrnet_embed). Cost: the paper's budget is days on one GPU.
"""

from keras_sasrnet.train.config import paper_experiment


def get_config(arg=None):
    return paper_experiment("srnet", "hugo", arg)
