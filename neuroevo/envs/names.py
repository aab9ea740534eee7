"""Environment names that modules outside ``envs`` read without building an environment.

:data:`GYM_PREFIX` marks a gymnasium id run through the adapter (``"gym:LunarLander-v3"``):
:func:`neuroevo.envs.make` reads it, and so do the experiment files' task names
(:mod:`neuroevo.run.registry`) and the replay of a run's episode. It imports nothing
itself; importing it runs ``neuroevo.envs``'s ``__init__`` (torch and ``envs.base``), never
an environment's module.
"""

from __future__ import annotations

#: the prefix of a gymnasium id run through :class:`~neuroevo.envs.gym_adapter.GymVectorEnv`
GYM_PREFIX = "gym:"

__all__ = ["GYM_PREFIX"]
