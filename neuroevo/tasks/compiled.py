"""Compiled rollouts: policy, environment step and bookkeeping as one compiled loop.

An eager lockstep step (:func:`neuroevo.tasks.rollout.rollout`) issues some 60 small tensor
operations from Python; at the population sizes NEAT runs (150-1,000 candidates) that fixed
cost, not the arithmetic, is the step. Here the whole step -- inputs from observations, the
policy's :class:`~neuroevo.policy.PolicyProgram`, outputs to actions, the environment's
:meth:`~neuroevo.envs.base.VectorEnv.transition`, the episode returns and the step count --
is the body of a ``while_loop`` (``torch._higher_order_ops.while_loop``) that
``torch.compile`` turns into one C++ loop (inductor with its C++ wrapper). The loop runs
until every episode has ended, the time limit, or until at most half the candidates it
computes are still running; the rollout then narrows to those (as the eager rollout does)
and enters the loop again.

**Same numbers as eager.** The loop runs the same functions as the eager rollout, and:

* transcendental functions (``exp``, ``log``, ``tanh``, ``sin``, ``cos`` ... and the
  activations built from them) are computed by PyTorch's own kernels, the ones eager mode
  calls, not by inductor's vectorised code, which differs from them in the last bit
  (:data:`EXTERN_OPS`, applied while compiling only);
* everything else is elementwise IEEE arithmetic, which inductor compiles without
  contraction or reassociation (``-ffp-contract=off``), sums are written in a fixed
  order (:mod:`neuroevo.compile.program`, :mod:`neuroevo.compile.linear`), and nodes'
  segment sums use ``index_add``, sequential in both;

so compiled and eager rollouts give the same states, bit for bit, in float32 and float64
(tests/tasks/test_compiled.py, every torch environment and policy kind).

**No recompilation storms.** The loop's code depends on the program's key (network
depth rounded up, activations, layer sizes), the environment's class and constants, the
action and observation rules and the dtypes: one compiled loop per combination, kept in
:class:`RolloutCompiler`. Row, node and connection counts are marked dynamic, so narrowing
and new generations reuse it; sizes are kept at 2 or more (0 and 1 would be specialised).
Inductor keeps what it compiled on disk (its FX graph cache), so a later run of the same
experiment skips most of the warm-up.

Where no C++ compiler is found, or compiling fails, the task runs eagerly and
:attr:`RolloutCompiler.notes` says so in one line. Compiled loops run on the CPU; on CUDA
(where the loop's condition would cost a host synchronisation every step, and CUDA graphs
need fixed shapes) rollouts run eagerly so far.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import torch

from neuroevo.envs.base import VectorEnv
from neuroevo.policy import BatchedPolicy, PolicyProgram

#: the choices of ``Control(compile=...)``
COMPILE_CHOICES = ("auto", True, False)
#: "auto" compiles once eager rollouts have taken this many seconds (wall clock): a cold
#: compile costs about that, so a run never pays more than twice what the better choice
#: would have cost (the ski-rental rule: Karlin, Manasse, Rudolph & Sleator 1988,
#: "Competitive snoopy caching", Algorithmica 3)
AUTO_AFTER_SECONDS = 20.0
#: a compiled rollout narrows (leaves the loop, drops finished candidates, re-enters) only
#: while it steps at least this many rows: a row costs tens of nanoseconds a step there
NARROW_MIN_ROWS = 256
#: compiled variants kept per loop function (one per key: depths, environments ...)
RECOMPILE_LIMIT = 64
#: ATen operations computed by PyTorch's kernels inside compiled loops (see the docstring)
EXTERN_OPS = ("cos", "sin", "tan", "tanh", "exp", "exp2", "expm1", "log", "log1p", "log2",
              "log10", "sigmoid", "erf", "erfc", "atan", "atan2", "asin", "acos", "sinh",
              "cosh", "asinh", "acosh", "atanh", "pow", "remainder", "fmod", "elu", "gelu",
              "softplus", "silu", "logit", "lgamma", "digamma")


@contextlib.contextmanager
def _extern_transcendentals() -> Iterator[None]:
    """While compiling: :data:`EXTERN_OPS` lowered to calls of PyTorch's kernels (and not
    decomposed), restored afterwards, so other compiled code is unaffected."""
    from torch._inductor import decomposition, lowering

    aten = torch.ops.aten
    saved_low: dict[Any, Any] = {}
    saved_dec: dict[Any, Any] = {}
    try:
        for name in EXTERN_OPS:
            packet = getattr(aten, name, None)
            if packet is None:
                continue
            for overload in packet.overloads():
                op = getattr(packet, overload)
                if op in decomposition.decompositions:
                    saved_dec[op] = decomposition.decompositions.pop(op)
                saved_low[op] = lowering.lowerings.pop(op, None)
                lowering.make_fallback(op, warn=False)
        # x ** n for a whole n is a product in both (n = 2: x * x); only other powers go out
        power = aten.pow.Tensor_Scalar
        if saved_low.get(power) is not None:
            lowering.lowerings[power] = functools.partial(
                _power, inline=saved_low[power], extern=lowering.lowerings[power])
        yield
    finally:
        for op, fn in saved_low.items():
            if fn is None:
                lowering.lowerings.pop(op, None)
            else:
                lowering.lowerings[op] = fn
        decomposition.decompositions.update(saved_dec)


def _power(base: Any, exponent: Any, *, inline: Callable, extern: Callable) -> Any:
    """Inductor's ``x ** n`` for a whole ``n`` up to 64 (the products ATen computes too),
    PyTorch's kernel for any other exponent."""
    whole = isinstance(exponent, (int, float)) and float(exponent).is_integer() \
        and abs(exponent) <= 64
    return inline(base, exponent) if whole else extern(base, exponent)


def _inductor(graph: torch.fx.GraphModule, example_inputs: list) -> Callable:
    """Inductor with its C++ wrapper (the loop runs without returning to Python), and
    :data:`EXTERN_OPS` left to PyTorch's kernels while it compiles."""
    from torch._inductor.compile_fx import compile_fx

    quiet = logging.getLogger("torch._inductor.ir")  # "missing a c-shim ... proxy executor"
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with _extern_transcendentals():
            return compile_fx(graph, example_inputs, config_patches={"cpp_wrapper": True})
    finally:
        quiet.setLevel(level)


@dataclass(frozen=True)
class LoopSpec:
    """Everything that shapes a compiled loop's code (the key of :class:`RolloutCompiler`)."""

    program: type
    program_key: Any
    env_key: tuple
    observe_key: Any
    act_key: Any
    episodes: int
    dtype: torch.dtype


def _loop_function(spec: LoopSpec, env: VectorEnv, observe: Callable, act: Callable
                   ) -> Callable:
    """The rollout loop of ``spec`` (to be compiled): carries ``(state [k, N], obs [o, N],
    active [N], total [N], counted, t)``; stops at ``t_stop`` or when no more than ``keep``
    candidates are running."""
    from torch._higher_order_ops.while_loop import while_loop

    apply = spec.program.apply
    e, dtype = spec.episodes, spec.dtype

    def loop(program: tuple, observe_t: tuple, act_t: tuple, state: torch.Tensor,
             obs: torch.Tensor, active: torch.Tensor, total: torch.Tensor,
             counted: torch.Tensor, t: torch.Tensor, t_stop: torch.Tensor,
             horizon: torch.Tensor, keep: torch.Tensor) -> tuple:
        def cond(state, obs, active, total, counted, t):
            running = active.reshape(-1, e).any(1).sum()
            return (t < t_stop) & (running > keep)

        def body(state, obs, active, total, counted, t):
            x = observe(spec.observe_key, observe_t, obs.t()).to(dtype)
            x = torch.where(active[:, None], x, torch.zeros((), dtype=dtype, device=x.device))
            out = apply(spec.program_key, program, x.t())
            action = act(spec.act_key, act_t, out.t())
            new_state, new_obs, reward, terminated = env.transition(state.t(), action)
            total = total + torch.where(active, reward.to(total.dtype),
                                        torch.zeros((), dtype=total.dtype, device=t.device))
            counted = counted + active.sum()
            t = t + 1
            active = active & ~terminated & (t < horizon)
            return (new_state.t().contiguous(), new_obs.t().contiguous(), active, total,
                    counted, t)

        return while_loop(cond, body, (state, obs, active, total, counted, t))

    # a code object of its own, so that dynamo's cache and shape history are per spec
    code = loop.__code__.replace(co_name=f"rollout_loop_{abs(hash(spec)) % 10**8}")
    return types.FunctionType(code, loop.__globals__, code.co_name, loop.__defaults__,
                              loop.__closure__)


class RolloutCompiler:
    """A task's compiled rollout loops, the time spent compiling them, and why not, if not.

    ``mode``: ``"auto"`` (once eager rollouts have taken
    :data:`AUTO_AFTER_SECONDS`: short runs never wait for a compiler, long ones stop paying
    for Python), ``True`` (compile whatever can be, from the first rollout), ``False``
    (never). :attr:`eager_seconds` counts the eager rollouts' time.
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
        #: the exception that disabled compiling, if one did
        self.error: BaseException | None = None
        self._noted: set[str] = set()

    # -------------------------------------------------------------- what can be compiled
    def why_not(self, env: Any, policy: BatchedPolicy, tracker: Any, program: Any,
                rows: int, learn_moments: bool) -> str | None:
        """``None`` when this rollout runs compiled, else the reason it does not."""
        if self.disabled is not None:
            return self.disabled
        if not isinstance(env, VectorEnv):
            return "gymnasium environments step in Python"
        if program is None:
            return f"{type(policy).__name__} has no rollout program"
        if type(tracker).__name__ != "EpisodeReturn":
            return f"the episode score {type(tracker).__name__} has no compiled form"
        if learn_moments:
            return "normalize_observations collects statistics every step"
        if policy.num_candidates < 2:
            return "a single candidate"
        if env.device.type != "cpu":
            return (f"compiled rollouts run on the CPU only so far (the environment is on "
                    f"{env.device.type}; CUDA graphs are not built yet)")
        if self.mode == "auto":
            if self.eager_seconds < AUTO_AFTER_SECONDS:
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
    def loop(self, spec: LoopSpec, env: VectorEnv, observe: Callable, act: Callable
             ) -> Callable:
        fn = self._loops.get(spec)
        if fn is None:
            fn = torch.compile(_loop_function(spec, env, observe, act), fullgraph=True,
                               backend=_inductor)
            self._loops[spec] = fn
        return fn

    def call(self, fn: Callable, args: tuple, dynamic: list[tuple[torch.Tensor, tuple]]
             ) -> tuple | None:
        """Run a compiled loop; ``None`` (and compiling disabled, with a note) if it fails."""
        from torch._dynamo.utils import counters
        import torch.fx.experimental._config as fx_config

        for tensor, dims in dynamic:
            for d in dims:
                torch._dynamo.mark_dynamic(tensor, d)
        graphs = counters["stats"]["unique_graphs"]
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            with fx_config.patch(use_duck_shape=False), \
                    torch._dynamo.config.patch(recompile_limit=RECOMPILE_LIMIT,
                                               automatic_dynamic_shapes=False):
                out = fn(*args)
        except Exception as exc:  # noqa: BLE001 - any compiler failure means: run eagerly
            self.error = exc  # the whole exception, for whoever debugs it
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self.disabled = f"compiling failed ({type(exc).__name__}: {reason[:160]})"
            fix = ("install a C++ compiler (g++ or clang) or set compile = false"
                   if "compiler" in reason.lower() else "set compile = false to skip it")
            self.note(f"compile: {self.disabled}; rollouts run eagerly ({fix})")
            return None
        if counters["stats"]["unique_graphs"] != graphs:
            self.compile_seconds += time.perf_counter() - t0
            self.compile_cpu_seconds += time.process_time() - c0
        return out


    def rollout(self, env: VectorEnv, policy: BatchedPolicy, program: PolicyProgram,
                total: torch.Tensor, obs: torch.Tensor, *, episodes: int, max_steps: int,
                observe: Any, act: Any, dtype: torch.dtype
                ) -> tuple[torch.Tensor, int, int] | None:
        """Scores ``[P, E]``, counted env steps and lockstep steps of a rollout of
        ``policy`` (its ``program``) on ``env`` (just reset: first observations ``obs``),
        returns accumulated onto ``total [P * E]``; ``None`` if compiling failed (nothing
        was changed: run it eagerly)."""
        p, e = policy.num_candidates, episodes
        n = p * e
        device = obs.device
        program = program.for_compile()
        spec = LoopSpec(type(program), program.key, env.physics_key(), observe.key, act.key,
                        e, dtype)
        fn = self.loop(spec, env, observe.apply, act.apply)
        narrowable = callable(getattr(policy, "select", None))
        state = env.state.t().contiguous()
        obs_t = obs.t().contiguous()
        active = torch.ones(n, dtype=torch.bool, device=device)
        total = total.clone()
        counted = torch.zeros((), dtype=torch.long, device=device)
        t = torch.zeros((), dtype=torch.long, device=device)
        horizon = torch.tensor(max_steps, device=device)
        live: torch.Tensor | None = None  # positions of the candidates computed (None: all)
        rows: torch.Tensor | None = None  # compacted: the full-batch row of each row
        scores: torch.Tensor | None = None  # compacted: the returns of dropped rows
        p_cur, cur = p, program
        while True:
            # leave the loop to narrow once half the candidates finished, where the rows
            # saved repay a re-entry (a few hundred microseconds)
            keep = p_cur // 2 if p_cur * e >= NARROW_MIN_ROWS and narrowable else 0
            args = (cur.tensors, observe.tensors, act.tensors, state, obs_t, active, total,
                    counted, t, horizon.clone(), horizon, torch.tensor(keep, device=device))
            dynamic = [(state, (1,)), (obs_t, (1,)), (active, (0,)), (total, (0,))] + \
                list(zip(cur.tensors, cur.dynamic))
            out = self.call(fn, args, dynamic)
            if out is None:
                return None
            state, obs_t, active, total, counted, t = out
            steps = int(t)
            if steps >= max_steps or not bool(active.any()):
                break
            running = active.reshape(p_cur, e).any(1).nonzero().flatten()
            if len(running) < 2:  # sizes stay >= 2: add a finished candidate (it stays masked)
                extra = (~active.reshape(p_cur, e).any(1)).nonzero().flatten()[:2 - len(running)]
                running = torch.sort(torch.cat([running, extra])).values
            keep_rows = (running[:, None] * e + torch.arange(e, device=device)).flatten()
            if scores is None:
                scores, rows = total.clone(), torch.arange(n, device=device)
            else:
                scores[rows] = total
            rows = rows[keep_rows]
            state, obs_t = state[:, keep_rows].contiguous(), obs_t[:, keep_rows].contiguous()
            active, total = active[keep_rows], total[keep_rows]
            live = running if live is None else live[running]
            p_cur = len(live)
            cur = program.select(live)
        if scores is not None:
            scores[rows] = total
        else:
            scores = total
        return scores.reshape(p, e), int(counted), steps


__all__ = ["AUTO_AFTER_SECONDS", "COMPILE_CHOICES", "EXTERN_OPS", "LoopSpec", "RolloutCompiler"]
