"""Names of the observations and actions of gymnasium environments run through the adapter.

The torch environments carry their labels as class attributes (``observation_labels``,
``action_labels`` in :mod:`neuroevo.envs.base`); an environment named ``"gym:<id>"`` is
gymnasium's own, so its labels are kept here, per gymnasium id, for the environments the
repository ships experiment files for, from gymnasium 1.x's documentation and source:

* ``LunarLander-v3`` (gymnasium/envs/box2d/lunar_lander.py, "Observation Space" and
  "Action Space", https://gymnasium.farama.org/environments/box2d/lunar_lander/): "the
  coordinates of the lander in x & y, its linear velocities in x & y, its angle, its
  angular velocity, and two booleans that represent whether each leg is in contact with the
  ground"; actions "0: do nothing, 1: fire left orientation engine, 2: fire main engine,
  3: fire right orientation engine"; with ``continuous=True``, two columns: the main
  engine's throttle and the lateral boosters'. The docs say "each leg"; the source builds
  ``legs[0]`` (observation 6) to the right of the lander (+x) and ``legs[1]`` (observation
  7) to its left, so they are named so (tests/envs/test_gym_labels.py checks it on
  gymnasium's own bodies).
* ``BipedalWalker-v3`` and ``BipedalWalkerHardcore-v3``
  (gymnasium/envs/box2d/bipedal_walker.py, https://gymnasium.farama.org/environments/box2d/bipedal_walker/):
  "hull angle speed, angular velocity, horizontal speed, vertical speed, position of joints
  and joints angular speed, legs contact with ground, and 10 lidar rangefinder
  measurements", in the order of its ``step``: hull angle, hull angular velocity, x and y
  velocity, then for leg 1 and leg 2 the hip angle and speed, the knee angle (plus 1 rad)
  and speed and the ground contact, then the lidar rays ``i = 0 .. 9``, ray ``i`` pointing ``1.5 i / 10``
  rad (``i`` x 8.6 degrees) forward of straight down; actions "motor speed values in the
  [-1, 1] range for each of the 4 joints at both hips and knees": hip 1, knee 1, hip 2,
  knee 2. The two legs hang from the same point, so they are leg 1 and leg 2, not left and
  right.
* a gymnasium id that is also a torch environment here (``"gym:CartPole-v1"``): that
  class's labels (the same environment).

Example::

    gym_labels("gym:LunarLander-v3")   # (("x", "y", ...), ("noop", "fire left engine", ...))
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

Labels = tuple[str, ...]

_LANDER_OBSERVATIONS: Labels = (
    "x",
    "y",
    "vx",
    "vy",
    "angle",
    "angular velocity",
    "right leg contact",
    "left leg contact",
)
_LANDER_ACTIONS: Labels = ("noop", "fire left engine", "fire main engine", "fire right engine")
_LANDER_CONTINUOUS: Labels = ("main engine throttle", "lateral booster throttle")

_WALKER_OBSERVATIONS: Labels = (
    "hull angle",
    "hull angular velocity",
    "vx",
    "vy",
    *(
        f"{joint} {leg} {what}"
        for leg in (1, 2)
        for joint, what in (
            ("hip", "angle"),
            ("hip", "speed"),
            ("knee", "angle"),
            ("knee", "speed"),
            ("leg", "contact"),
        )
    ),
    *(f"lidar {i} ({round(math.degrees(1.5 * i / 10))}°)" for i in range(10)),
)
_WALKER_ACTIONS: Labels = ("hip 1 motor", "knee 1 motor", "hip 2 motor", "knee 2 motor")

#: gymnasium id -> (observation labels, action labels)
GYM_LABELS: dict[str, tuple[Labels, Labels]] = {
    "LunarLander-v3": (_LANDER_OBSERVATIONS, _LANDER_ACTIONS),
    "BipedalWalker-v3": (_WALKER_OBSERVATIONS, _WALKER_ACTIONS),
    "BipedalWalkerHardcore-v3": (_WALKER_OBSERVATIONS, _WALKER_ACTIONS),
}


def gym_labels(
    env_name: str | None,
    env_kwargs: Mapping[str, Any] | None = None,
) -> tuple[Labels | None, Labels | None]:
    """``(observation labels, action labels)`` of ``"gym:<id>"`` with ``env_kwargs`` (the
    environment's keyword arguments: LunarLander's ``continuous``), ``None`` where unknown.

    Example::

        gym_labels("gym:LunarLander-v3", {"continuous": True})[1]
        # ('main engine throttle', 'lateral booster throttle')
    """
    from neuroevo.envs import GYM_PREFIX, env_class
    from neuroevo.errors import NeuroevoError

    if not isinstance(env_name, str) or not env_name.startswith(GYM_PREFIX):
        return None, None
    env_id = env_name[len(GYM_PREFIX) :]
    if env_id == "LunarLander-v3" and (env_kwargs or {}).get("continuous"):
        return _LANDER_OBSERVATIONS, _LANDER_CONTINUOUS
    if env_id in GYM_LABELS:
        return GYM_LABELS[env_id]
    try:
        cls = env_class(env_id)
    except NeuroevoError:
        return None, None
    return cls.observation_labels, cls.action_labels


__all__ = ["GYM_LABELS", "gym_labels"]
