"""Tasks: what a population is evaluated on. Each returns fitness ``[P]`` for a batched policy.

Example::

    import neuroevo as ne
    task = ne.tasks.XOR()
"""

from __future__ import annotations

from neuroevo._lazy import lazy_getattr

_NAMES = {
    "Task": "neuroevo.tasks.base:Task",
    # supervised (neuroevo/tasks/supervised.py)
    "Supervised": "neuroevo.tasks.supervised:Supervised",
    "XOR": "neuroevo.tasks.supervised:XOR",
    "Parity": "neuroevo.tasks.supervised:Parity",
    # more supervised problems for the comparison (neuroevo/tasks/datasets.py)
    "Spirals": "neuroevo.tasks.datasets:Spirals",
    "Regression": "neuroevo.tasks.datasets:Regression",
    "Classification": "neuroevo.tasks.datasets:Classification",
    # control (neuroevo/tasks/control.py)
    "Control": "neuroevo.tasks.control:Control",
    # aliases of the run layer's registry (neuroevo/run/registry.py), resolved on use
    "make": "neuroevo.run.registry:make_task",
    "register": "neuroevo.run.registry:register_task",
}

__getattr__ = lazy_getattr(__name__, _NAMES, globals())
__all__ = sorted(_NAMES)
