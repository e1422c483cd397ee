"""Parameter and MAC counts of SRNet and XuNet derived from their layer
tables (DESIGN.md section 2), written out here apart from the builders and
from ``profile``, so that the golden numbers of the tests have a derivation.
"""


def srnet_convs(side):
    """[(conv name, kernel side, in, out, output side)] of SRNet at side x side.

    3x3 convs, each followed by BN; type-3 blocks pool (AvgPool 3/2, "same")
    after their second conv and carry a 1x1 shortcut at half resolution.
    """
    w = {"l1": 64, "l2": 16, "type2": 16, "type3": (16, 64, 128, 256), "l12": 512}
    convs = [
        ("l1_conv", 3, 1, w["l1"], side),
        ("l2_conv", 3, w["l1"], w["l2"], side),
    ]
    stream = w["l2"]
    for k in range(3, 8):
        convs.append((f"l{k}_conv1", 3, stream, w["type2"], side))
        convs.append((f"l{k}_conv2", 3, w["type2"], stream, side))
    for k, out in zip(range(8, 12), w["type3"], strict=True):
        convs.append((f"l{k}_conv1", 3, stream, out, side))
        convs.append((f"l{k}_conv2", 3, out, out, side))
        side = (side + 1) // 2
        convs.append((f"l{k}_shortcut_conv", 1, stream, out, side))
        stream = out
    convs.append(("l12_conv1", 3, stream, w["l12"], side))
    convs.append(("l12_conv2", 3, w["l12"], w["l12"], side))
    return convs


def xunet_convs(side):
    """[(conv name, kernel side, in, out, output side)] of XuNet: the fixed
    5x5 KV filter, then five groups, each but the last followed by AvgPool 5/2
    ("same")."""
    convs = [("hpf", 5, 1, 1, side)]
    cin = 1
    for k, (kernel, out) in enumerate([(5, 8), (5, 16), (1, 32), (1, 64), (1, 128)]):
        convs.append((f"g{k + 1}_conv", kernel, cin, out, side))
        side, cin = (side + 1) // 2, out
    return convs


def weights(convs):
    """{conv name: kernel weights} (no biases: BN follows every conv)."""
    return {name: k * k * cin * cout for name, k, cin, cout, _ in convs}


def macs(convs, classes=2):
    """{layer name: multiply-accumulates} of the convs and the Dense head."""
    out = {name: s * s * k * k * cin * cout for name, k, cin, cout, s in convs}
    out["fc"] = convs[-1][3] * classes
    return out


def trainable(convs, frozen=(), classes=2):
    """Conv weights + gamma and beta of one BN per conv + Dense weights and
    biases, leaving out the ``frozen`` convs (and their missing BN)."""
    live = [c for c in convs if c[0] not in frozen]
    bn = sum(2 * cout for _, _, _, cout, _ in live)
    return sum(weights(live).values()) + bn + (convs[-1][3] + 1) * classes
