"""Shared work of the strategies that search flat parameter vectors (GA, PSO, SA, gradient).

The evosax pattern (Lange 2023, "evosax: JAX-based evolution strategies", GECCO companion):
a strategy's search state is a frozen dataclass of tensors, and a subclass writes only

* ``_init(x0) -> State``: the state for the first candidates ``x0`` (a draw of the initial
  distribution, evaluated first);
* ``_tell(state, x, fitness) -> State``: learn from the fitness ``[P]`` of candidates ``x``;
* ``_ask(state) -> (candidates, State)``: draw the next candidates ``[P, n]``.

This base keeps the best-so-far, the generation counter, the seeded ``torch.Generator``,
bounds, the initial distribution, checkpoints (the state's fields, found with
``dataclasses.fields``) and the experiment-file constructor. :meth:`VectorStrategy.tell`
calls ``_tell`` and then ``_ask`` at once, so :meth:`VectorStrategy.ask` draws nothing (it
may be called any number of times) and a checkpoint holds the candidates to evaluate next.
Two ways to drive a strategy:

* over a torch module: ``ask()`` returns a :class:`ParameterPolicy` for any task;
* over a raw objective: ``initialize(seed=...)``, then ``ask_params()`` -> ``[P, n]`` and
  ``tell(fitness)``, or simply :meth:`VectorStrategy.optimize`.

Fitness is maximised; to minimise ``f`` pass ``-f``.

Example::

    import neuroevo as ne
    from neuroevo.testfunctions import sphere
    pso = ne.PSO(num_params=5, pop_size=30, bounds=(-5.0, 5.0))
    x, fx = pso.optimize(lambda X: -sphere(X), generations=100, seed=0)
"""

from __future__ import annotations

import copy
import dataclasses
import math
import pathlib
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar, cast

import torch
from torch import nn

from neuroevo.compile.params import (
    ParameterPolicy,
    flatten_parameters,
    load_flat_parameters,
    reset_parameters,
)
from neuroevo.errors import CheckpointError, ConfigError, StrategyError
from neuroevo.io import state_checks as sc
from neuroevo.policy import BatchedPolicy
from neuroevo.strategies.base import Adoption, MigrantLayout, Strategy
from neuroevo.strategies.candidates import Candidates
from neuroevo.strategies.hyperparams import Allowed, check
from neuroevo.strategies.parameter_rows import parameter_candidates, parameter_network
from neuroevo.strategies.state_tag import TAG, checked_tag

#: experiment-file keys that describe the network (an ``neuroevo.MLP``) rather than the search
NETWORK_KEYS = ("hidden", "activation", "output_activation")
#: experiment-file keys every flat-vector evolution strategy takes besides its hyperparameters
COMMON_KEYS = ("pop_size", "init_std", "bounds")

State = TypeVar("State")


def seeded_generator(seed: int | None, device: torch.device) -> torch.Generator:
    """A private generator on ``device`` seeded with ``seed``, or, when ``seed`` is None, with
    fresh entropy (``Generator.seed()``: ``std::random_device`` or the time), leaving torch's
    global generator untouched (``torch.seed()`` would reseed it)."""
    generator = torch.Generator(device=device)
    if seed is None:
        generator.seed()
    else:
        generator.manual_seed(seed)
    return generator


class VectorStrategy(Strategy, Generic[State]):
    """Base of strategies whose population is a tensor ``[pop_size, num_params]``.

    Give either ``module`` (its parameters are searched; the initial population is the
    module's own parameters plus ``init_std`` Gaussian noise) or ``num_params`` (a raw
    objective; the initial population is ``init_std * N(0, 1)``). ``reset_module=True``
    first re-draws the module's parameters from the seed (PyTorch's default initialisers), so
    that the run depends on the seed alone. With ``bounds=(lo, hi)``
    the initial population is uniform in the box and candidates stay inside it.
    Hyperparameters are a frozen dataclass ``params`` (``Params``); keyword overrides
    such as ``GA(net, mutation_sigma=0.5)`` replace single fields.
    """

    Params: ClassVar[type]
    default_pop_size: ClassVar[int] = 64
    #: smallest population; the key and word for it in checkpoints and error messages
    min_pop_size: ClassVar[int] = 2
    pop_size_key: ClassVar[str] = "pop_size"
    #: experiment-file keys besides the network's and the hyperparameters
    experiment_keys: ClassVar[tuple[str, ...]] = COMMON_KEYS

    def __init__(
        self,
        module: nn.Module | None = None,
        *,
        num_params: int | None = None,
        pop_size: int | None = None,
        params: Any = None,
        bounds: tuple[float, float] | None = None,
        init_std: float = 1.0,
        reset_module: bool = False,
        **overrides: Any,
    ) -> None:
        if (module is None) == (num_params is None):
            raise StrategyError(
                f"{type(self).__name__} needs exactly one of a module (e.g. neuroevo.MLP(2, [8], 1)) "
                "or num_params=N for a raw objective"
            )
        if module is not None and not isinstance(module, nn.Module):
            hint = (
                " (that is a neat-python config: evolve its genomes with neuroevo.NEAT(config))"
                if hasattr(module, "genome_config")
                or hasattr(module, "num_inputs")
                or isinstance(module, str)
                else ""
            )
            raise StrategyError(
                f"{type(self).__name__}: expected a torch.nn.Module whose parameters it searches "
                f"(e.g. neuroevo.MLP(2, [8], 1)) or num_params=N, got "
                f"{type(module).__name__}{hint}"
            )
        if num_params is not None:
            check(num_params, Allowed(integer=True, ge=1), "num_params")
        pop_size = self.default_pop_size if pop_size is None else pop_size
        check(pop_size, Allowed(integer=True, ge=self.min_pop_size), self.pop_size_key)
        check(init_std, Allowed(gt=0), "init_std")
        if bounds is not None:
            if len(bounds) != 2 or not float(bounds[0]) < float(bounds[1]):
                raise StrategyError(f"bounds must be (low, high) with low < high, got {bounds!r}")
            bounds = (float(bounds[0]), float(bounds[1]))
        params = self.Params() if params is None else params
        if not isinstance(params, self.Params):
            raise StrategyError(
                f"params must be a {self.Params.__name__}, got {type(params).__name__}"
            )
        fields = {f.name for f in dataclasses.fields(self.Params)}
        unknown = sorted(set(overrides) - fields)
        if unknown:
            raise StrategyError(
                f"{type(self).__name__} got unknown hyperparameters {unknown}; "
                f"valid ones are {sorted(fields)}"
            )
        # an instance of self.Params, a dataclass (checked above)
        self.params: Any = dataclasses.replace(cast(Any, params), **overrides)
        self.module = module
        if module is not None:
            self._num_params = sum(p.numel() for p in module.parameters())
        else:
            assert num_params is not None  # exactly one of the two (checked above)
            self._num_params = num_params
        self._pop_size = pop_size
        self.bounds = bounds
        self.init_std = float(init_std)
        self.reset_module = bool(reset_module)
        self.best = None
        self.best_fitness = float("-inf")
        self.generation = 0
        #: the strategy's own search state (set up by ``initialize``)
        self.state: State | None = None
        #: the candidates ``ask`` returns, ``[pop_size, num_params]``
        self.candidates: torch.Tensor | None = None

    # --- subclass hooks -------------------------------------------------------------------
    def _init(self, x0: torch.Tensor) -> State:
        """The state for the first candidates ``x0``, ``[P, n]``."""
        raise NotImplementedError

    def _tell(self, state: State, x: torch.Tensor, fitness: torch.Tensor) -> State:
        """The state after candidates ``x`` scored ``fitness`` ``[P]``."""
        raise NotImplementedError

    def _ask(self, state: State) -> tuple[torch.Tensor, State]:
        """The next candidates ``[P, n]`` and the state that goes with them."""
        raise NotImplementedError

    def _initial_population(self) -> torch.Tensor:
        """The first candidates: the module's parameters (re-drawn with ``reset_module``) or
        zeros as the centre of :meth:`sample_initial`."""
        if self.module is not None:
            if self.reset_module:
                reset_parameters(self.module, self.draw_seed())
            self.center = flatten_parameters(self.module)
        else:
            self.center = torch.zeros(self._num_params, device=self.device, dtype=self.dtype)
        if self.bounds is not None:
            self.low = torch.full_like(self.center, self.bounds[0])
            self.high = torch.full_like(self.center, self.bounds[1])
        return self.sample_initial(self._pop_size)

    # --- set-up ---------------------------------------------------------------------------
    @property
    def population_size(self) -> int:
        return self._pop_size

    @property
    def num_params(self) -> int:
        return self._num_params

    def setup(
        self,
        *,
        num_inputs: int,
        num_outputs: int,
        seed: int | None,
        device: torch.device,
        dtype: torch.dtype,
    ) -> None:
        if self.module is None:
            raise StrategyError(
                f"{type(self).__name__}(num_params=...) searches a raw objective and cannot run on "
                "a task; give it a module, e.g. neuroevo.MLP(num_inputs, [8], num_outputs)"
            )
        for attr, want in (("num_inputs", num_inputs), ("num_outputs", num_outputs)):
            have = getattr(self.module, attr, want)
            if have != want:
                raise StrategyError(
                    f"the module has {attr}={have} but the task needs {want}; build it to match, "
                    f"e.g. neuroevo.MLP({num_inputs}, [8], {num_outputs})"
                )
        self._io = (num_inputs, num_outputs)
        self.initialize(seed=seed, device=device, dtype=dtype)

    def initialize(
        self,
        *,
        seed: int | None = None,
        device: str | torch.device | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        """Draw the initial population (``setup`` calls this; call it yourself on a raw objective)."""
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        self.dtype = dtype
        self.generator = seeded_generator(seed, self.device)
        if self.module is not None:
            self.module = copy.deepcopy(self.module).to(device=self.device, dtype=dtype).eval()
        x0 = self._initial_population()
        self.best, self.best_fitness, self.generation = None, float("-inf"), 0
        self.state = self._init(x0)
        self.candidates = x0

    # --- helpers for subclasses -----------------------------------------------------------
    def randn(self, *shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=self.generator, device=self.device, dtype=self.dtype)

    def rand(self, *shape: int) -> torch.Tensor:
        return torch.rand(*shape, generator=self.generator, device=self.device, dtype=self.dtype)

    def draw_seed(self) -> int:
        """A seed for a random stream outside the generator (torch's initialisers, dropout)."""
        return int(torch.randint(2**62, (1,), generator=self.generator, device=self.device))

    def sample_initial(self, k: int) -> torch.Tensor:
        """``k`` draws of the initial distribution (uniform in bounds, else Gaussian around the centre)."""
        n = self._num_params
        if self.bounds is not None:
            return self.low + (self.high - self.low) * self.rand(k, n)
        return self.center + self.init_std * self.randn(k, n)

    def clip(self, x: torch.Tensor) -> torch.Tensor:
        """Clamp into the bounds (no-op without bounds)."""
        return x if self.bounds is None else torch.maximum(torch.minimum(x, self.high), self.low)

    # --- ask / tell -----------------------------------------------------------------------
    def _require_setup(self) -> torch.Tensor:
        if self.candidates is None:
            raise StrategyError(
                f"{type(self).__name__} is not set up: call setup(...) (neuroevo.evolve does) "
                "or initialize(seed=...) first"
            )
        return self.candidates

    def ask_params(self) -> torch.Tensor:
        """The candidates to evaluate next, ``[pop_size, num_params]`` (do not modify in place)."""
        return self._require_setup()

    def ask(self) -> ParameterPolicy:
        x = self._require_setup()
        if self.module is None:
            raise StrategyError("ask() needs a module; on a raw objective use ask_params()")
        return ParameterPolicy(self.module, x, num_inputs=self._io[0], num_outputs=self._io[1])

    def tell(self, fitness: torch.Tensor) -> None:
        x = self._require_setup()
        if not isinstance(fitness, torch.Tensor) or fitness.shape != (self._pop_size,):
            shape = (
                tuple(fitness.shape)
                if isinstance(fitness, torch.Tensor)
                else type(fitness).__name__
            )
            raise StrategyError(f"tell() expects fitness of shape ({self._pop_size},), got {shape}")
        fitness = fitness.detach().to(device=self.device, dtype=self.dtype)
        i = int(torch.argmax(fitness))
        if float(fitness[i]) > self.best_fitness:
            self.best_fitness = float(fitness[i])
            self.best = x[i].clone()
        assert self.state is not None  # set up with the candidates (_require_setup)
        state = self._tell(self.state, x, fitness)
        self.candidates, self.state = self._ask(state)
        self.generation += 1

    # --- the candidates' path to a network (Strategy's interface) --------------------------
    candidate_noun = "parameters"

    def candidate_data(self, policy: BatchedPolicy, *, purpose: str) -> Candidates:
        """Parameter rows and the module template (:mod:`neuroevo.strategies.parameter_rows`)."""
        if not isinstance(policy, ParameterPolicy):
            return super().candidate_data(policy, purpose=purpose)
        return parameter_candidates(policy)

    def network_of(self, candidate: Any = None) -> ParameterPolicy:
        """The module with ``candidate`` (a flat parameter vector; default: the best) in
        float64 on the CPU."""
        params = self.best if candidate is None else candidate
        if self.module is None or not isinstance(params, torch.Tensor):
            raise StrategyError(
                f"{type(self).__name__} has no network to show: it needs a module and a "
                "parameter vector (none is best before the first generation)"
            )
        n_in, n_out = getattr(self, "_io", (None, None))
        return parameter_network(self.module, params, num_inputs=n_in, num_outputs=n_out)

    def emigrants(self, positions: list[int]) -> list[dict[str, Any]]:
        """The parameter rows at ``positions``, each as ``{"params": row}``."""
        rows = self.ask_params()[positions].detach().cpu().clone()
        return [{"params": row} for row in rows]

    def adopt(
        self, migrants: list[dict[str, Any]], *, device: torch.device, dtype: torch.dtype
    ) -> Adoption:
        """Migrant rows replace rows of the candidates ``tell`` reads: for PSO a particle's
        position (its personal best when it beats it), for GA a member of the parents' pool,
        for SA a chain's proposal."""
        rows = torch.stack([m["params"] for m in migrants]).to(device=device, dtype=dtype)
        n_in, n_out = getattr(self, "_io", (None, None))
        if self.module is None:
            raise StrategyError(
                f"{type(self).__name__} on a raw objective has no network to score migrants with"
            )
        policy = ParameterPolicy(self.module, rows, num_inputs=n_in, num_outputs=n_out)

        def place(positions: list[int], scores: torch.Tensor) -> None:
            x = self.ask_params().clone()
            x[positions] = rows.to(device=x.device, dtype=x.dtype)
            self.candidates = x

        return Adoption(policy, place)

    def migrant_layout(self) -> MigrantLayout:
        """The module's parameter shapes (the raw objective's length without a module)."""
        if self.module is not None:
            shapes = tuple(tuple(p.shape) for p in self.module.parameters())
        else:
            shapes = ((self.num_params,),)
        n = sum(math.prod(s) for s in shapes)
        return MigrantLayout(
            shapes,
            f"module has {n} parameters (shapes {list(shapes)})",
            "migrants are parameter rows, so give every island the same module",
        )

    def check_migrant(self, migrant: dict[str, Any], where: str) -> None:
        """A finite floating-point row of :attr:`num_params` parameters."""
        if "params" not in migrant:
            raise CheckpointError(
                f"{where}: missing field 'params' (these islands exchange parameter rows)"
            )
        row, n = migrant["params"], self.num_params
        if (
            not isinstance(row, torch.Tensor)
            or not row.dtype.is_floating_point
            or tuple(row.shape) != (n,)
            or not bool(torch.isfinite(row).all())
        ):
            raise CheckpointError(
                f"{where}.params: expected a finite floating-point row of "
                f"{n} parameters, got {sc.describe(row)}"
            )

    def optimize(
        self,
        objective: Callable[[torch.Tensor], torch.Tensor],
        *,
        generations: int,
        seed: int | None = None,
        device: str | torch.device | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> tuple[torch.Tensor, float]:
        """Maximise ``objective`` (``[P, n] -> [P]``) for ``generations`` generations.

        Returns the best vector and its fitness. Example:
        ``x, f = ne.GA(num_params=3).optimize(lambda X: -(X**2).sum(1), generations=50, seed=0)``
        """
        self.initialize(seed=seed, device=device, dtype=dtype)
        for _ in range(generations):
            self.tell(objective(self.ask_params()))
        return self.best, self.best_fitness

    def best_module(self) -> nn.Module:
        """A copy of the module carrying the best parameters found so far."""
        if self.module is None or self.best is None:
            raise StrategyError("best_module() needs a module and at least one tell()")
        return load_flat_parameters(copy.deepcopy(self.module).eval(), self.best)

    # --- checkpoints ----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        x = self._require_setup()
        assert self.state is not None  # set up with the candidates
        return {
            TAG: self.name,
            "generation": self.generation,
            self.pop_size_key: self._pop_size,
            "num_params": self._num_params,
            "params": dataclasses.asdict(self.params),
            "best_fitness": self.best_fitness,
            "best": None if self.best is None else self.best.clone(),
            "candidates": x.clone(),
            "state": {
                f.name: _copy(getattr(self.state, f.name))
                for f in dataclasses.fields(cast(Any, self.state))
            },
            "generator": self.generator.get_state(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict` into a strategy already set up the same way. A state
        that does not fit raises :class:`CheckpointError` naming the field, and changes nothing."""
        x = self._require_setup()
        assert self.state is not None  # set up with the candidates
        w, cls = "strategy", type(self).__name__
        state = checked_tag(state, self.name, w, legacy="name")  # "name": before the one tag
        missing = sorted(set(self.state_dict()) - set(state))
        if missing:
            raise CheckpointError(
                f"checkpoint lacks {missing} that a {cls} saves; "
                "it was written by another version of neuroevo"
            )
        for key, want in ((self.pop_size_key, self._pop_size), ("num_params", self._num_params)):
            if sc.get_int(state, key, w) != want:
                raise CheckpointError(
                    f"checkpoint has {key}={state[key]!r} but this {cls} has "
                    f"{want!r}; resume with the same strategy settings"
                )
        fields = [f.name for f in dataclasses.fields(cast(Any, self.state))]
        saved = sc.expect_dict(state["state"], f"{w}.state")
        if set(saved) != set(fields):
            raise CheckpointError(
                f"{w}.state: fields {sorted(map(str, saved))} do not match "
                f"{type(self.state).__name__}'s {sorted(fields)}"
            )
        restored = {
            k: sc.check_like(saved[k], getattr(self.state, k), f"{w}.state.{k}") for k in fields
        }
        params = sc.expect_dict(state["params"], f"{w}.params")
        for k, v in params.items():
            if not sc.is_scalar_data(v):
                raise CheckpointError(
                    f"{w}.params.{k}: expected a number, string or list, got {sc.describe(v)}"
                )
        try:
            params = self.Params(**params)
        except (TypeError, StrategyError) as e:
            raise CheckpointError(f"{w}.params do not fit {self.Params.__name__}: {e}") from None
        generation = sc.get_int(state, "generation", w, ge=0)
        best_fitness = sc.get_float(state, "best_fitness", w)
        best = sc.get_tensor(state, "best", w, like=x[0], optional=True)
        candidates = sc.get_tensor(state, "candidates", w, like=x)
        generator = sc.restored_generator(state["generator"], f"{w}.generator", like=self.generator)
        self.params, self.generation, self.best_fitness = params, generation, best_fitness
        self.best, self.candidates = best, candidates
        self.state = cast(Any, type(self.state))(**restored)
        self.generator.set_state(generator.get_state())

    # --- experiment files -----------------------------------------------------------------
    @classmethod
    def from_experiment(
        cls, params: dict[str, Any], *, task: Any, base_dir: pathlib.Path
    ) -> VectorStrategy:
        """Build from an experiment file's ``[strategy]`` table: an ``neuroevo.MLP`` sized for
        ``task`` from ``hidden`` (default ``[8]``), ``activation``, ``output_activation``;
        the keys in ``experiment_keys`` (``pop_size``, ``init_std``, ``bounds``); and the
        fields of ``Params``. Errors name the table as ``[strategy] <name>``.
        """
        from neuroevo.compile.nets import MLP

        label = cls.experiment_name(params)
        p = {k: v for k, v in params.items() if k != "name"}
        hyper = {f.name for f in dataclasses.fields(cls.Params)}
        valid = set(NETWORK_KEYS) | set(cls.experiment_keys) | hyper
        unknown = sorted(set(p) - valid)
        if unknown:
            raise ConfigError(
                f"[strategy] {label}: unknown keys {unknown}; valid keys are {sorted(valid)}"
            )
        net_kw = {k: p.pop(k) for k in NETWORK_KEYS if k in p}
        hidden = net_kw.pop("hidden", [8])
        if not isinstance(hidden, list):
            raise ConfigError(
                f"[strategy] {label}: hidden must be a list of layer sizes, got {hidden!r}"
            )
        module = MLP(task.num_inputs, hidden, task.num_outputs, **net_kw)
        if "bounds" in p:
            p["bounds"] = tuple(p["bounds"])
        try:
            return cls(module, reset_module=True, **cls._experiment_arguments(task), **p)
        except (StrategyError, TypeError) as e:
            raise ConfigError(f"[strategy] {label}: {e}") from e

    @classmethod
    def experiment_name(cls, params: dict[str, Any]) -> str:
        """The strategy's name in the experiment file (``params["name"]`` when given)."""
        return str(params.get("name", cls.name))

    @classmethod
    def _experiment_arguments(cls, task: Any) -> dict[str, Any]:
        """Constructor arguments taken from the task besides the module (none here)."""
        return {}


def _copy(value: Any) -> Any:
    return value.clone() if isinstance(value, torch.Tensor) else value
