import pytest

from keras_sasrnet.slimming import cumulative_rates, round_rates


def test_linear_and_geometric():
    assert cumulative_rates(0.6, 3) == pytest.approx([0.2, 0.4, 0.6])
    assert cumulative_rates(0.75, 2, "geometric") == pytest.approx([0.5, 0.75])
    assert cumulative_rates(0.4, 1) == pytest.approx([0.4])


def test_round_rates_compose_to_the_target():
    cumulative = cumulative_rates(0.8, 4)
    left = 1.0
    for rate in round_rates(cumulative):
        left *= 1 - rate
    assert left == pytest.approx(0.2)
    assert round_rates([0.5, 0.75]) == pytest.approx([0.5, 0.5])


def test_errors():
    with pytest.raises(ValueError, match="rounds must be an integer >= 1"):
        cumulative_rates(0.5, 0)
    with pytest.raises(ValueError, match="received 'cubic'"):
        cumulative_rates(0.5, 2, "cubic")
    with pytest.raises(ValueError, match="must not decrease"):
        round_rates([0.5, 0.4])
    with pytest.raises(ValueError, match=r"\[0, 1\); received 1.0"):
        cumulative_rates(1.0, 2)
