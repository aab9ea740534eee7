"""Compiled rollouts: policy, environment step and bookkeeping as one compiled loop.

An eager lockstep step (:func:`neuroevo.tasks.rollout.rollout`) issues some 60 small tensor
operations from Python; at the population sizes NEAT runs (150-1,000 candidates) that fixed
cost, not the arithmetic, is the step. Here the whole step -- inputs from observations, the
policy's :class:`~neuroevo.policy.PolicyProgram`, outputs to actions, the environment's
:meth:`~neuroevo.envs.base.VectorEnv.transition`, the episode returns and the step count --
is the body of a ``while_loop`` (``torch._higher_order_ops.while_loop``) that
``torch.compile`` turns into one C++ loop. The loop runs until every episode has ended or
the time limit; while it steps at least :data:`NARROW_MIN_ROWS` rows it also stops once at
most half the candidates it computes are still running, and the rollout narrows to those
(their program's ``select``, as the eager rollout narrows) and enters the loop again.

**Same numbers as eager.** The loop runs the same functions as the eager rollout, compiled by
:func:`~neuroevo.tasks.exact_inductor.exact_inductor`: transcendental functions are left to
PyTorch's own kernels, nothing is contracted, segment sums run on one thread in eager's
order. So compiled and eager rollouts give the same states, bit for bit, in float32 and
float64 (tests/tasks/test_compiled.py: every torch environment, every kind of policy).

**No recompilation storms.** The loop's code depends on the program's key (network depth
rounded up, the activations present, layer sizes, episodes per candidate), the
environment's class and settings, the action and observation rules and the dtype: one
compiled loop per combination, kept in :class:`RolloutCompiler`. Row, node and connection
counts are marked dynamic, so narrowing and new generations reuse it; sizes are kept at 2 or
more (0 and 1 would be specialised). Inductor keeps the compiled kernels on disk, so a later
run of the same experiment compiles in less than half the time (it traces the loop again:
its FX graph cache does not store ``while_loop`` graphs in torch 2.13).

Where no C++ compiler is found, or compiling fails, the task runs eagerly and
:attr:`RolloutCompiler.notes` says so in one line. Compiled loops run on the CPU; on CUDA
(where the loop's condition would cost a host synchronisation every step, and CUDA graphs
need fixed shapes) rollouts run eagerly so far. With worker processes or Ray each worker
compiles its own loops; their compile time and notes stay in the workers.
"""

from __future__ import annotations

import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from neuroevo.envs.base import VectorEnv
from neuroevo.policy import BatchedPolicy, PolicyProgram
from neuroevo.tasks.compaction import Compaction
from neuroevo.tasks.exact_inductor import exact_inductor

#: the choices of ``Control(compile=...)``
COMPILE_CHOICES = ("auto", True, False)
#: "auto" compiles once eager rollouts have taken this many seconds (wall clock), about what
#: compiling a loop costs: for one loop, a run never pays more than twice what the better
#: choice would have cost (the ski-rental rule: Karlin, Manasse, Rudolph & Sleator 1988,
#: "Competitive snoopy caching", Algorithmica 3); more loops (new depths) cost more
AUTO_AFTER_SECONDS = 20.0
#: a compiled rollout narrows (leaves the loop, drops finished candidates, re-enters) only
#: while it steps at least this many rows: a re-entry costs a few hundred microseconds, a
#: row tens of nanoseconds a step
NARROW_MIN_ROWS = 256
#: compiled variants kept per loop function (one per key: depths, environments ...)
RECOMPILE_LIMIT = 64


@dataclass(frozen=True)
class LoopSpec:
    """Everything that shapes a compiled loop's code (the key of :class:`RolloutCompiler`)."""

    program: type[PolicyProgram]
    program_key: Any
    env_key: tuple
    observe_key: Any
    act_key: Any
    episodes: int
    dtype: torch.dtype


def _loop_function(spec: LoopSpec, env: VectorEnv, observe: Callable, act: Callable) -> Callable:
    """The rollout loop of ``spec`` (to be compiled): carries ``(state [k, N], obs [o, N],
    active [N], total [N], counted, t)``; stops at ``horizon`` steps, when no episode runs,
    or when no more than ``keep`` candidates are running."""
    from torch._higher_order_ops.while_loop import while_loop

    apply = spec.program.apply
    e, dtype = spec.episodes, spec.dtype

    def loop(
        program: tuple,
        observe_t: tuple,
        act_t: tuple,
        state: torch.Tensor,
        obs: torch.Tensor,
        active: torch.Tensor,
        total: torch.Tensor,
        counted: torch.Tensor,
        t: torch.Tensor,
        horizon: torch.Tensor,
        keep: torch.Tensor,
    ) -> tuple:
        def cond(
            state: torch.Tensor,
            obs: torch.Tensor,
            active: torch.Tensor,
            total: torch.Tensor,
            counted: torch.Tensor,
            t: torch.Tensor,
        ) -> torch.Tensor:
            running = active.reshape(-1, e).any(1).sum()
            return (t < horizon) & (running > keep)

        def body(
            state: torch.Tensor,
            obs: torch.Tensor,
            active: torch.Tensor,
            total: torch.Tensor,
            counted: torch.Tensor,
            t: torch.Tensor,
        ) -> tuple[torch.Tensor, ...]:
            x = observe(spec.observe_key, observe_t, obs.t()).to(dtype)
            x = torch.where(active[:, None], x, torch.zeros((), dtype=dtype, device=x.device))
            out = apply(spec.program_key, program, x.t())
            action = act(spec.act_key, act_t, out.t())
            new_state, new_obs, reward, terminated = env.transition(state.t(), action)
            total = total + torch.where(
                active, reward.to(total.dtype), torch.zeros((), dtype=total.dtype, device=t.device)
            )
            counted = counted + active.sum()
            t = t + 1
            active = active & ~terminated & (t < horizon)
            return (new_state.t().contiguous(), new_obs.t().contiguous(), active, total, counted, t)

        return while_loop(cond, body, (state, obs, active, total, counted, t))

    # a code object of its own, so that dynamo's cache and shape history are per spec
    code = loop.__code__.replace(co_name=f"rollout_loop_{abs(hash(spec)) % 10**8}")
    return types.FunctionType(
        code, loop.__globals__, code.co_name, loop.__defaults__, loop.__closure__
    )


class RolloutCompiler:
    """A task's compiled rollout loops, the time spent compiling them, and why not, if not.

    ``mode``: ``"auto"`` (once eager rollouts have taken :data:`AUTO_AFTER_SECONDS`: short
    runs never wait for a compiler, long ones stop paying for Python), ``True`` (compile
    whatever can be, from the first rollout), ``False`` (never). :attr:`eager_seconds`
    counts the eager rollouts' time.
    """

    def __init__(self, mode: Any = "auto") -> None:
        self.mode = mode
        self._loops: dict[LoopSpec, Callable] = {}
        #: seconds (wall clock and this process's CPU) spent compiling, not yet collected by
        #: :meth:`take_compile_seconds`
        self.compile_seconds = 0.0
        self.compile_cpu_seconds = 0.0
        #: one-line notes for the user (a fallback to eager and its reason), collected by
        #: :meth:`take_notes`
        self.notes: list[str] = []
        self.disabled: str | None = None if mode is not False else "compile = false"
        #: wall-clock seconds of the rollouts run eagerly (what "auto" weighs)
        self.eager_seconds = 0.0
        #: the exception that disabled compiling, if one did (for whoever debugs it)
        self.error: BaseException | None = None
        self._noted: set[str] = set()

    # -------------------------------------------------------------- what can be compiled
    def why_not(
        self,
        env: Any,
        policy: BatchedPolicy,
        program: PolicyProgram | None,
        episode_returns: bool,
        learn_moments: bool,
    ) -> str | None:
        """``None`` when this rollout runs compiled, else the reason it does not
        (``episode_returns``: the episodes are scored by their returns)."""
        if self.disabled is not None:
            return self.disabled
        if not isinstance(env, VectorEnv):
            return "gymnasium environments step in Python"
        if program is None:
            return f"{type(policy).__name__} has no rollout program"
        if not episode_returns:
            return "the environment's own episode score has no compiled form"
        if learn_moments:
            return "normalize_observations collects statistics every step"
        if policy.num_candidates < 2:
            return "a single candidate"
        if env.device.type != "cpu":
            return (
                f"compiled rollouts run on the CPU only so far (the environment is on "
                f"{env.device.type}; CUDA graphs are not built yet)"
            )
        if self.mode == "auto" and self.eager_seconds < AUTO_AFTER_SECONDS:
            return f"auto: waits for {AUTO_AFTER_SECONDS:g} s of eager rollouts"
        return None

    def note(self, text: str) -> None:
        """Record a note once per distinct text."""
        if text not in self._noted:
            self._noted.add(text)
            self.notes.append(text)

    def take_notes(self) -> list[str]:
        notes, self.notes = self.notes, []
        return notes

    def take_compile_seconds(self) -> tuple[float, float]:
        """Wall-clock and CPU seconds spent compiling since the last call."""
        seconds = (self.compile_seconds, self.compile_cpu_seconds)
        self.compile_seconds = self.compile_cpu_seconds = 0.0
        return seconds

    def __getstate__(self) -> dict[str, Any]:  # compiled loops do not travel to workers
        state = dict(self.__dict__)
        state["_loops"], state["error"] = {}, None
        return state

    # -------------------------------------------------------------- running
    def loop(self, spec: LoopSpec, env: VectorEnv, observe: Callable, act: Callable) -> Callable:
        fn = self._loops.get(spec)
        if fn is None:
            fn = torch.compile(
                _loop_function(spec, env, observe, act), fullgraph=True, backend=exact_inductor
            )
            self._loops[spec] = fn
        return fn

    def call(
        self, fn: Callable, args: tuple, dynamic: list[tuple[torch.Tensor, tuple]]
    ) -> tuple | None:
        """Run a compiled loop; ``None`` (and compiling disabled, with a note) if it fails."""
        import torch.fx.experimental._config as fx_config
        from torch._dynamo.utils import counters

        for tensor, dims in dynamic:
            for d in dims:
                torch._dynamo.mark_dynamic(tensor, d)
        graphs = counters["stats"]["unique_graphs"]
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            with (
                fx_config.patch(use_duck_shape=False),  # type: ignore[attr-defined]  # added at import
                torch._dynamo.config.patch(
                    recompile_limit=RECOMPILE_LIMIT, automatic_dynamic_shapes=False
                ),
            ):
                out = fn(*args)
        except Exception as exc:  # noqa: BLE001 - any compiler failure means: run eagerly
            self.error = exc
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self.disabled = f"compiling failed ({type(exc).__name__}: {reason[:160]})"
            fix = (
                "install a C++ compiler (g++ or clang) or set compile = false"
                if "compiler" in reason.lower()
                else "set compile = false to skip it"
            )
            self.note(f"compile: {self.disabled}; rollouts run eagerly ({fix})")
            return None
        if counters["stats"]["unique_graphs"] != graphs:
            self.compile_seconds += time.perf_counter() - t0
            self.compile_cpu_seconds += time.process_time() - c0
        return out

    def rollout(
        self,
        env: VectorEnv,
        policy: BatchedPolicy,
        program: PolicyProgram,
        total: torch.Tensor,
        obs: torch.Tensor,
        *,
        episodes: int,
        max_steps: int,
        observe: Any,
        act: Any,
        dtype: torch.dtype,
    ) -> tuple[torch.Tensor, int, int] | None:
        """Scores ``[P, E]``, counted env steps and lockstep steps of a rollout of
        ``policy`` (its ``program``) on ``env`` (just reset: first observations ``obs``),
        returns accumulated onto ``total [P * E]``; ``None`` if compiling failed (nothing
        was changed: run it eagerly)."""
        p, e = policy.num_candidates, episodes
        device = obs.device
        program = program.for_compile()
        spec = LoopSpec(
            type(program), program.key, env.physics_key(), observe.key, act.key, e, dtype
        )
        fn = self.loop(spec, env, observe.apply, act.apply)
        narrowable = callable(getattr(policy, "select", None))
        compaction = Compaction(p * e, e, device)
        state, obs_t = env.state.t().contiguous(), obs.t().contiguous()
        active = torch.ones(p * e, dtype=torch.bool, device=device)
        total = total.clone()
        counted = torch.zeros((), dtype=torch.long, device=device)
        t = torch.zeros((), dtype=torch.long, device=device)
        horizon = torch.tensor(max_steps, device=device)
        p_cur, cur = p, program
        while True:
            keep = p_cur // 2 if narrowable and p_cur * e >= NARROW_MIN_ROWS else 0
            args = (
                cur.tensors,
                observe.tensors,
                act.tensors,
                state,
                obs_t,
                active,
                total,
                counted,
                t,
                horizon,
                torch.tensor(keep, device=device),
            )
            dynamic = [(state, (1,)), (obs_t, (1,)), (active, (0,)), (total, (0,))] + list(
                zip(cur.tensors, cur.dynamic)
            )
            out = self.call(fn, args, dynamic)
            if out is None:
                return None
            state, obs_t, active, total, counted, t = out
            steps = int(t)
            if steps >= max_steps or not bool(active.any()):
                break
            finished = ~active.reshape(p_cur, e).any(1)
            running = (~finished).nonzero().flatten()
            if len(running) < 2:  # sizes stay >= 2: keep a finished candidate (it is masked)
                extra = finished.nonzero().flatten()[: 2 - len(running)]
                running = torch.sort(torch.cat([running, extra])).values
            rows = compaction.drop(running, total)
            state, obs_t = state[:, rows].contiguous(), obs_t[:, rows].contiguous()
            active, total = active[rows], total[rows]
            assert compaction.live is not None  # set by drop
            p_cur = len(compaction.live)
            cur = program.select(compaction.live)
        return compaction.finish(total).reshape(p, e), int(counted), steps


__all__ = [
    "AUTO_AFTER_SECONDS",
    "COMPILE_CHOICES",
    "LoopSpec",
    "NARROW_MIN_ROWS",
    "RolloutCompiler",
]
