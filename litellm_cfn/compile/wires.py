"""The wiring between nested stacks, checked against its declaration (nested_stacks/wiring.py).

Every check failing here is a bug in a stack module, not in a spec: an InternalError names
both ends of the broken wire. The wiring is a parameter, so tests can compile stacks of
their own.
"""

from __future__ import annotations

import re

from troposphere import Template

from litellm_cfn.compile.root_outputs import ComposedOutput
from litellm_cfn.errors import InternalError
from nested_stacks.wiring import Wiring


def producers(nested: dict[str, Template], wiring: Wiring) -> dict[str, str]:
    """Which enabled stack gives each output: exactly what the declaration says it gives."""
    found: dict[str, str] = {}
    for stack, template in nested.items():
        for output in template.outputs:
            wire = wiring.wire(output)
            if wire is None or wire.producer != stack:
                declared = f"declared as {wire.producer}'s" if wire else "not declared"
                raise InternalError(f"stack {stack} outputs {output}, {declared} in wiring.py")
            found[output] = stack
        missing = [name for name in wiring.given_by(stack) if name not in template.outputs]
        if missing:
            raise InternalError(
                f"stack {stack} does not output {', '.join(missing)}, declared in wiring.py"
            )
    return found


def parameter_sources(
    stack: str, template: Template, given: dict[str, str], wiring: Wiring
) -> dict[str, str]:
    """Each parameter of `stack` wired to the stack that outputs it (parameter -> producer).

    A parameter whose producer is not enabled keeps its default, and must have one; a
    parameter no stack declares to output must be one the stack sets by default itself."""
    sources = {}
    for name, parameter in template.parameters.items():
        wire = wiring.wire(name)
        if wire is None:
            if wiring.set_by_default.get(name) != stack:
                raise InternalError(
                    f"stack {stack} takes {name}, which no stack declares to output"
                )
        elif wire.producer == stack:
            raise InternalError(f"stack {stack} takes {name}, which it outputs itself")
        elif wire.name in given:
            sources[name] = given[wire.name]
        elif "Default" not in parameter.properties:
            raise InternalError(
                f"stack {stack} takes {name} from stack {wire.producer}, which is not enabled"
            )
    return sources


def composed_inputs(
    composed: ComposedOutput, given: dict[str, str], wiring: Wiring
) -> dict[str, str] | None:
    """The nested outputs a composed root output names (name -> producer), or None when a
    stack it needs is not enabled."""
    names = [n for n in re.findall(r"\$\{([^}!]+)\}", composed.text) if not n.startswith("AWS::")]
    undeclared = [n for n in names if wiring.wire(n) is None]
    if undeclared:
        raise InternalError(
            f"root output {composed.name} names {', '.join(undeclared)}, which no stack declares"
        )
    if any(name not in given for name in names):
        return None
    return {name: given[name] for name in names}
